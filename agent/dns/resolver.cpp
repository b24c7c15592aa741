#include "dns/resolver.hpp"

#include <optional>
#include <stdexcept>
#include <string_view>

#include "common/server_spec.hpp"
#include "dns/dns_message.hpp"
#include "dns/lookups.hpp"
#include "dns/validating_resolver_context.hpp"

namespace stx::dns {
namespace {

std::optional<ServerSpec> ValidatedServer(const ResolverOptions& options) {
  if (options.timeout < std::chrono::milliseconds(1)) {
    throw std::invalid_argument("DNS timeout must be at least 1ms, got " +
                                std::to_string(options.timeout.count()) + "ms");
  }
  if (options.tries < 1 || options.tries > 8) {
    throw std::invalid_argument("DNS tries must be 1-8, got " + std::to_string(options.tries));
  }
  if (options.server.empty()) return std::nullopt;
  auto parsed = ParseServerSpec(options.server);
  if (!parsed.server) throw std::invalid_argument("invalid DNS server " + parsed.error);
  return parsed.server;
}

/// A name the resolver would refuse or misread: empty labels, over-long labels or names
/// (RFC 1035 §2.3.4), or bytes that cannot go into a C string.
std::optional<std::string> NameError(std::string_view name) {
  const std::string quoted = "'" + std::string(name) + "'";
  if (name.empty()) return "cannot look up an empty name";
  if (name.find('\0') != std::string_view::npos) return "cannot look up " + quoted + ": NUL byte";
  std::string_view rest = name;
  if (rest.size() > 1 && rest.back() == '.') rest.remove_suffix(1);
  if (rest.size() > 253) return "cannot look up " + quoted + ": name longer than 253 bytes";
  while (!rest.empty()) {
    const std::size_t dot = rest.find('.');
    const std::string_view label = rest.substr(0, dot);
    if (label.empty()) return "cannot look up " + quoted + ": empty label";
    if (label.size() > 63) return "cannot look up " + quoted + ": label longer than 63 bytes";
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  return std::nullopt;
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
  ValidatorSettings settings;
  settings.server = ValidatedServer(options);
  settings.trust_anchor_file = options.trust_anchor_file;
  settings.deadline = options.timeout * ((1 << options.tries) - 1);
  context_ = std::make_shared<ValidatingResolverContext>(std::move(executor), settings);
  context_->ShutDownWithContext();
}

Resolver::~Resolver() { context_->Shutdown(); }

// Not coroutines themselves: each copies context_ into the returned coroutine's frame right
// now, so the lookup stays safe even if it starts or resumes after the Resolver is gone.
awaitable<MxAnswer> Resolver::LookupMx(std::string name) {
  return QueryMx(context_, std::move(name));
}

awaitable<AddressAnswer> Resolver::LookupAddresses(std::string name, AddressFamily family) {
  return QueryAddresses(context_, std::move(name), family);
}

awaitable<TlsaAnswer> Resolver::LookupTlsa(std::string host) {
  return QueryTlsa(context_, std::move(host));
}

awaitable<TxtAnswer> Resolver::LookupTxt(std::string name) {
  return QueryTxt(context_, std::move(name));
}

awaitable<MailRouting> Resolver::ResolveMailRouting(std::string domain, RoutingOptions options) {
  return ResolveRouting(context_, std::move(domain), options);
}

awaitable<MxAnswer> QueryMx(std::shared_ptr<ValidatingResolverContext> context, std::string name) {
  if (auto error = NameError(name)) co_return QueryError<MxAnswer>(std::move(*error));
  const RawAnswer raw = co_await context->Resolve(std::move(name), QueryType::kMx);
  co_return ParseMxAnswer(raw);
}

awaitable<AddressAnswer> QueryAddresses(std::shared_ptr<ValidatingResolverContext> context,
                                        std::string name, AddressFamily family) {
  if (auto error = NameError(name)) co_return QueryError<AddressAnswer>(std::move(*error));
  const auto type = family == AddressFamily::kV4 ? QueryType::kA : QueryType::kAaaa;
  const RawAnswer raw = co_await context->Resolve(std::move(name), type);
  co_return ParseAddressAnswer(raw, family);
}

awaitable<TlsaAnswer> QueryTlsa(std::shared_ptr<ValidatingResolverContext> context,
                                std::string host) {
  if (!host.empty() && host.back() == '.') host.pop_back();
  std::string name = "_25._tcp." + host;
  if (auto error = NameError(name)) {
    TlsaAnswer answer;
    answer.name = std::move(name);
    answer.detail = std::move(*error);
    co_return answer;
  }
  const RawAnswer raw = co_await context->Resolve(name, QueryType::kTlsa);
  co_return ParseTlsaAnswer(raw, std::move(name));
}

awaitable<TxtAnswer> QueryTxt(std::shared_ptr<ValidatingResolverContext> context,
                              std::string name) {
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (auto error = NameError(name)) {
    TxtAnswer answer;
    answer.name = std::move(name);
    answer.detail = std::move(*error);
    co_return answer;
  }
  const RawAnswer raw = co_await context->Resolve(name, QueryType::kTxt);
  co_return ParseTxtAnswer(raw, std::move(name));
}

}  // namespace stx::dns
