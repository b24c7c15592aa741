#include "scheduler/partner_probe.hpp"

#include <boost/asio/ssl/context.hpp>

#include "common/when_all.hpp"
#include "dns/resolver.hpp"

namespace stx::scheduler {
namespace {

// A pinned MX host whose probe threw: one error row for it, so that the partner's other hosts
// keep their results. A host name fails before any address is known, an address literal
// before connecting.
probe::TargetProbeResult ThrownHostProbe(const CheckTarget& host, const std::exception_ptr& error) {
  probe::AddressProbeResult r;
  r.mx_host = host.host;
  r.port = host.port.value_or(25);  // set at load for every pinned host
  r.started_at = std::chrono::system_clock::now();
  if (host.literal) r.address = *host.literal;
  r.error = probe::ProbeError{
      host.literal ? probe::Stage::kConnect : probe::Stage::kDns, probe::FailureKind::kFailed,
      "the probe of MX host " + host.host + " stopped: " + ExceptionMessage(error)};
  r.transcript.push_back({probe::TranscriptLine::Direction::kNote, false, r.error->detail});
  probe::TargetProbeResult out;
  out.results.push_back(std::move(r));
  return out;
}

}  // namespace

probe::TargetProbeResult ThrownPartnerProbe(const config::Partner& partner,
                                            const std::exception_ptr& error) {
  // Address probes and pinned hosts that throw are caught where they run (WhenAll), so an
  // exception that reaches the partner came from before any address was known: the MX and
  // address lookups. As after a DNS server that gave no answer, nothing was learnt, and the
  // state keeps what it knew of the partner's addresses (state::DnsGaveNoAnswer).
  probe::TargetProbeResult out;
  out.target = partner.domain;
  out.domain = partner.domain;
  out.error = probe::ProbeError{
      probe::Stage::kDns, probe::FailureKind::kFailed,
      "the probe stopped before reaching any address: " + ExceptionMessage(error)};
  return out;
}

awaitable<probe::TargetProbeResult> ProbePartner(
    config::Partner partner, std::shared_ptr<const ProbeEnvironment> environment,
    AdmitAddress admit) {
  const config::GlobalSettings& global = environment->global;
  probe::TargetProbeOptions options;
  options.port = partner.port;
  options.primary_only = global.mx == config::MxSelection::kPrimary;
  options.ipv4 = global.ipv4;
  options.ipv6 = global.ipv6;
  options.admit = std::move(admit);
  options.probe.ehlo_name = environment->ehlo_name;
  options.probe.SetTimeout(partner.timeout);
  options.policies = global.discover_policies;
  options.sts_fetch.timeout = partner.timeout;

  if (partner.static_mx.empty()) {
    stx::CheckTarget target;
    target.kind = stx::CheckTarget::Kind::kDomain;
    target.host = partner.domain;
    probe::TargetProbeResult result = co_await probe::ProbeTarget(
        std::move(target), std::move(options), *environment->resolver, environment->tls_context);
    result.target = partner.domain;
    co_return result;
  }

  // Pinned MX hosts: each entry is one host target, parsed when the configuration was loaded.
  std::vector<awaitable<probe::TargetProbeResult>> hosts;
  for (const CheckTarget& host : partner.static_mx) {
    hosts.push_back(
        probe::ProbeTarget(host, options, *environment->resolver, environment->tls_context));
  }
  auto thrown = [&partner](std::size_t i, const std::exception_ptr& error) {
    return ThrownHostProbe(partner.static_mx[i], error);
  };
  std::vector<probe::TargetProbeResult> parts = co_await WhenAll(std::move(hosts), thrown);
  probe::TargetProbeResult merged;
  merged.target = partner.domain;
  merged.domain = partner.domain;
  merged.direct = true;  // no MX lookup
  for (std::size_t i = 0; i < parts.size(); ++i) {
    merged.duration_seconds = std::max(merged.duration_seconds, parts[i].duration_seconds);
    for (auto& r : parts[i].results) {
      r.mx_preference = static_cast<std::uint16_t>(i);  // the list's order is the preference
      merged.results.push_back(std::move(r));
    }
  }
  co_return merged;
}

}  // namespace stx::scheduler
