#include "scheduler/partner_probe.hpp"

#include <boost/asio/ssl/context.hpp>

#include "common/when_all.hpp"
#include "dns/resolver.hpp"

namespace stx::scheduler {

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

  if (partner.static_mx.empty()) {
    probe::CheckTarget target;
    target.kind = probe::CheckTarget::Kind::kDomain;
    target.host = partner.domain;
    probe::TargetProbeResult result = co_await probe::ProbeTarget(
        std::move(target), std::move(options), *environment->resolver, environment->tls_context);
    result.target = partner.domain;
    co_return result;
  }

  // Pinned MX hosts: each entry is one host target (validated when the config was loaded).
  std::vector<awaitable<probe::TargetProbeResult>> hosts;
  for (const auto& entry : partner.static_mx) {
    auto parsed = probe::ParseCheckTarget(entry);
    if (!std::holds_alternative<probe::CheckTarget>(parsed)) continue;
    probe::CheckTarget target = std::get<probe::CheckTarget>(parsed);
    target.kind = probe::CheckTarget::Kind::kHost;
    hosts.push_back(probe::ProbeTarget(std::move(target), options, *environment->resolver,
                                       environment->tls_context));
  }
  std::vector<probe::TargetProbeResult> parts = co_await WhenAll(std::move(hosts));
  probe::TargetProbeResult merged;
  merged.target = partner.domain;
  merged.domain = partner.domain;
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
