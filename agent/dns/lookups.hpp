#pragma once
// The lookups behind Resolver, as free coroutines that hold the channel by shared_ptr: a
// coroutine resumed after the Resolver was destroyed (its queries ended with
// ARES_EDESTRUCTION) still finds a valid, shut-down channel and touches nothing freed.
// Internal to stx_dns.
#include <memory>
#include <string>

#include "common/asio.hpp"
#include "dns/mail_routing.hpp"
#include "dns/resolver.hpp"

namespace stx::dns {

class AresChannel;

awaitable<MxAnswer> QueryMx(std::shared_ptr<AresChannel> channel, std::string name);
awaitable<AddressAnswer> QueryAddresses(std::shared_ptr<AresChannel> channel, std::string name,
                                        AddressFamily family);
awaitable<MailRouting> ResolveRouting(std::shared_ptr<AresChannel> channel, std::string domain,
                                      RoutingOptions options);

}  // namespace stx::dns
