#include "dns/resolver.hpp"

#include <stdexcept>

#include "common/server_spec.hpp"
#include "dns/ares_channel.hpp"
#include "dns/dns_message.hpp"
#include "dns/lookups.hpp"

namespace stx::dns {
namespace {

std::optional<ServerSpec> ValidatedServer(const ResolverOptions& options) {
  if (options.timeout < std::chrono::milliseconds(1)) {
    throw std::invalid_argument("DNS timeout must be at least 1ms, got " +
                                std::to_string(options.timeout.count()) + "ms");
  }
  if (options.tries < 1) {
    throw std::invalid_argument("DNS tries must be at least 1, got " +
                                std::to_string(options.tries));
  }
  if (options.server.empty()) return std::nullopt;
  auto parsed = ParseServerSpec(options.server);
  if (!parsed.server) throw std::invalid_argument("invalid DNS server " + parsed.error);
  return parsed.server;
}

template <typename Answer>
Answer QueryError(std::string detail) {
  Answer answer;
  answer.status = LookupStatus::kError;
  answer.detail = std::move(detail);
  return answer;
}

}  // namespace

Resolver::Resolver(asio::any_io_executor executor, ResolverOptions options) {
  const auto server = ValidatedServer(options);
  channel_ =
      std::make_shared<AresChannel>(std::move(executor), options.timeout, options.tries, server);
  channel_->ShutDownWithContext();
}

Resolver::~Resolver() { channel_->Shutdown(); }

// Not coroutines themselves: each copies channel_ into the returned coroutine's frame right
// now, so the lookup stays safe even if it starts or resumes after the Resolver is gone.
awaitable<MxAnswer> Resolver::LookupMx(std::string name) {
  return QueryMx(channel_, std::move(name));
}

awaitable<AddressAnswer> Resolver::LookupAddresses(std::string name, AddressFamily family) {
  return QueryAddresses(channel_, std::move(name), family);
}

awaitable<MailRouting> Resolver::ResolveMailRouting(std::string domain, RoutingOptions options) {
  return ResolveRouting(channel_, std::move(domain), options);
}

awaitable<MxAnswer> QueryMx(std::shared_ptr<AresChannel> channel, std::string name) {
  std::string error;
  auto query = BuildQuery(name, QueryType::kMx, error);
  if (!query) co_return QueryError<MxAnswer>(std::move(error));
  const RawAnswer raw = co_await channel->Send(std::move(*query));
  co_return ParseMxAnswer(raw);
}

awaitable<AddressAnswer> QueryAddresses(std::shared_ptr<AresChannel> channel, std::string name,
                                        AddressFamily family) {
  std::string error;
  const auto type = family == AddressFamily::kV4 ? QueryType::kA : QueryType::kAaaa;
  auto query = BuildQuery(name, type, error);
  if (!query) co_return QueryError<AddressAnswer>(std::move(error));
  const RawAnswer raw = co_await channel->Send(std::move(*query));
  co_return ParseAddressAnswer(raw, family);
}

}  // namespace stx::dns
