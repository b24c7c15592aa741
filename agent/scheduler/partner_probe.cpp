#include "scheduler/partner_probe.hpp"

#include <boost/asio/ssl/context.hpp>

#include "common/when_all.hpp"
#include "dns/resolver.hpp"

namespace stx::scheduler {

awaitable<probe::TargetProbeResult> ProbePartner(
    config::Partner partner, std::shared_ptr<const ProbeEnvironment> environment,
    std::function<awaitable<std::shared_ptr<void>>(const probe::AddressTarget&)> admit) {
  const config::GlobalSettings& global = environment->global;
  probe::TargetProbeOptions options;
  options.port = partner.port;
  options.primary_only = global.mx == config::MxSelection::kPrimary;
  options.ipv4 = global.ipv4;
  options.ipv6 = global.ipv6;
  options.admit = std::move(admit);
  options.probe.ehlo_name = environment->ehlo_name;
  options.probe.SetTimeout(partner.timeout);

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
  std::vector<probe::TargetProbeResult> parts = co_await WhenAll(std::move(hosts));
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
