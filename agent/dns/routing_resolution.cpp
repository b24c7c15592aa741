// Resolver::ResolveMailRouting: MX, then the exchangers' addresses concurrently.
#include <cstddef>
#include <exception>

#include "common/when_all.hpp"
#include "dns/lookups.hpp"
#include "dns/mx_interpretation.hpp"

namespace stx::dns {
namespace {

/// One address lookup whose result lands in `out` (an element of the routing the parent
/// coroutine keeps alive until every child has finished).
awaitable<void> LookupInto(std::shared_ptr<ValidatingResolverContext> context, std::string host,
                           AddressFamily family, AddressAnswer* out) {
  *out = co_await QueryAddresses(std::move(context), std::move(host), family);
}

AddressAnswer Unfinished() {
  AddressAnswer answer;
  answer.status = LookupStatus::kError;
  answer.detail = "address lookup did not complete";
  return answer;
}

/// Looks up the asked families of every exchanger at once. Boost 1.74 has no parallel_group or
/// awaitable operators, so the children are co_spawned and a never-expiring timer serves as
/// the "all done" event: the last child cancels it. Everything runs on one thread, so the
/// counter needs no lock; it is checked before every wait, so a cancel that comes before the
/// wait is not lost.
awaitable<void> LookupExchangerAddresses(std::shared_ptr<ValidatingResolverContext> context,
                                         MailRouting& routing, RoutingOptions options) {
  const auto executor = co_await asio::this_coro::executor;
  asio::steady_timer all_done(executor, asio::steady_timer::time_point::max());
  std::size_t remaining = 0;
  auto on_child_done = [&remaining, &all_done](const std::exception_ptr&) {
    // LookupInto does not throw in practice (only allocation could); either way its answer
    // stays "did not complete" and the count still drops.
    if (--remaining == 0) all_done.cancel();
  };
  for (MailExchanger& exchanger : routing.exchangers) {
    exchanger.ipv4 = options.ipv4 ? Unfinished() : NotAsked();
    exchanger.ipv6 = options.ipv6 ? Unfinished() : NotAsked();
    if (options.ipv4) {
      ++remaining;
      asio::co_spawn(executor,
                     LookupInto(context, exchanger.host, AddressFamily::kV4, &exchanger.ipv4),
                     on_child_done);
    }
    if (options.ipv6) {
      ++remaining;
      asio::co_spawn(executor,
                     LookupInto(context, exchanger.host, AddressFamily::kV6, &exchanger.ipv6),
                     on_child_done);
    }
  }
  while (remaining > 0) {
    boost::system::error_code ec;  // operation_aborted: a child's cancel, the expected wake-up
    co_await all_done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

bool SecureAddresses(const AddressAnswer& answer) {
  return answer.status == LookupStatus::kOk && answer.dnssec == DnssecStatus::kSecure;
}

/// RFC 7672 §2.2.2: DANE applies to an MX host only when its address records are secure; a
/// sender looks for TLSA records then and only then. Hosts whose addresses are not secure keep
/// a "not asked" answer that says why.
awaitable<void> LookupTlsaRecords(std::shared_ptr<ValidatingResolverContext> context,
                                  MailRouting& routing) {
  std::vector<awaitable<TlsaAnswer>> lookups;
  std::vector<MailExchanger*> asked;
  for (MailExchanger& exchanger : routing.exchangers) {
    exchanger.tlsa = TlsaAnswer{};
    exchanger.tlsa.detail =
        "not asked: no DNSSEC-secure address record for the host (RFC 7672 §2.2.2)";
    if (!SecureAddresses(exchanger.ipv4) && !SecureAddresses(exchanger.ipv6)) continue;
    lookups.push_back(QueryTlsa(context, exchanger.host));
    asked.push_back(&exchanger);
  }
  if (lookups.empty()) co_return;
  // Named, not written inside the co_await expression (GCC 12 coroutine bug, see STYLE.md).
  auto on_exception = [](std::size_t, const std::exception_ptr& e) {
    TlsaAnswer failed;
    failed.detail = "TLSA lookup failed: " + ExceptionMessage(e);
    return failed;
  };
  auto answers = co_await WhenAll(std::move(lookups), on_exception);
  for (std::size_t i = 0; i < asked.size(); ++i) {
    asked[i]->tlsa = std::move(answers[i]);
    // An empty name reads as "not asked": a lookup that threw was asked all the same.
    if (asked[i]->tlsa.name.empty()) asked[i]->tlsa.name = "_25._tcp." + asked[i]->host;
  }
}

}  // namespace

awaitable<MailRouting> ResolveRouting(std::shared_ptr<ValidatingResolverContext> context,
                                      std::string domain, RoutingOptions options) {
  const MxAnswer mx = co_await QueryMx(context, domain);
  MailRouting routing = InterpretMx(domain, mx);
  if (routing.kind == RoutingKind::kMx && options.primary_only) KeepPrimaryExchangers(routing);
  if (routing.kind != RoutingKind::kMx && routing.kind != RoutingKind::kImplicit) {
    co_return routing;
  }
  co_await LookupExchangerAddresses(context, routing, options);
  FinishImplicitMx(routing);
  if (routing.kind != RoutingKind::kFailed) co_await LookupTlsaRecords(context, routing);
  co_return routing;
}

}  // namespace stx::dns
