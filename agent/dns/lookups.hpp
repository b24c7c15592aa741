#pragma once
// The lookups behind Resolver, as free coroutines that hold the context by shared_ptr: a
// coroutine resumed after the Resolver was destroyed (its lookups ended "resolver destroyed")
// still finds a valid, shut-down context and touches nothing freed.
// Internal to stx_dns.
#include <memory>
#include <string>

#include "common/asio.hpp"
#include "dns/mail_routing.hpp"
#include "dns/resolver.hpp"

namespace stx::dns {

class ValidatingResolverContext;

awaitable<MxAnswer> QueryMx(std::shared_ptr<ValidatingResolverContext> context, std::string name);
awaitable<AddressAnswer> QueryAddresses(std::shared_ptr<ValidatingResolverContext> context,
                                        std::string name, AddressFamily family);
/// TLSA records of `host`'s SMTP service: _25._tcp.<host> (RFC 7672 §2.2.3).
awaitable<TlsaAnswer> QueryTlsa(std::shared_ptr<ValidatingResolverContext> context,
                                std::string host);
awaitable<TxtAnswer> QueryTxt(std::shared_ptr<ValidatingResolverContext> context, std::string name);
awaitable<MailRouting> ResolveRouting(std::shared_ptr<ValidatingResolverContext> context,
                                      std::string domain, RoutingOptions options);

}  // namespace stx::dns
