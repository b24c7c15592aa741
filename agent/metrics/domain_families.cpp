#include "metrics/domain_families.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <string>

#include <prometheus/check_names.h>

namespace stx::metrics {
namespace {

double Bool(bool value) { return value ? 1.0 : 0.0; }

// A partner label that is not a valid label name, reserved ("__" prefix) or that would
// overwrite domain/name cannot be served: an invalid label name makes Prometheus reject the
// whole scrape, so the label is left out rather than every partner's metrics lost. The config
// loader rejects such keys already; this is the last line of defence.
bool ServableLabel(const std::string& key) {
  return key != "domain" && key != "name" && prometheus::CheckLabelName(key);
}

// The number of MX hosts the domain routes mail to, when known: the static entries of a pinned
// partner, else the DNS answer (0 for a null MX, RFC 7505). Unknown after a failed MX lookup.
std::optional<double> MxHostCount(const config::Partner& partner,
                                  const probe::TargetProbeResult& result) {
  if (!partner.static_mx.empty()) return static_cast<double>(partner.static_mx.size());
  if (result.routing) {
    switch (result.routing->kind) {
      case dns::RoutingKind::kNullMx:
        return 0.0;
      case dns::RoutingKind::kFailed:
        return std::nullopt;
      case dns::RoutingKind::kMx:
      case dns::RoutingKind::kImplicit:
        return static_cast<double>(result.routing->exchangers.size());
    }
  }
  if (result.error) return std::nullopt;
  // A host target without routing: count the hosts that were probed.
  std::set<std::string> hosts;
  for (const auto& r : result.results) hosts.insert(r.mx_host);
  return static_cast<double>(hosts.size());
}

}  // namespace

void AddPartnerInfo(FamilySet& out, const config::Partner& partner) {
  Labels labels{{"domain", partner.domain}, {"name", partner.name}};
  for (const auto& [key, value] : partner.labels) {
    if (ServableLabel(key)) labels.push_back(Label{key, value});
  }
  out.Add(Metric::kPartnerInfo, std::move(labels), 1);
  // The configured interval, so that "no fresh result for 3 intervals" is one PromQL
  // comparison per partner whatever its override.
  out.Add(Metric::kProbeIntervalSeconds, {{"domain", partner.domain}},
          std::chrono::duration<double>(partner.interval).count());
}

void AddPartnerCounters(FamilySet& out, const state::PartnerState& partner) {
  const std::string& domain = partner.partner.domain;
  // Both results always exist, so that rate() over either starts from 0 instead of from the
  // first failure.
  out.Add(Metric::kProbesTotal, {{"domain", domain}, {"result", "success"}},
          static_cast<double>(partner.probes_success));
  out.Add(Metric::kProbesTotal, {{"domain", domain}, {"result", "error"}},
          static_cast<double>(partner.probes_error));
  for (const auto& [change, count] : partner.status_changes) {
    out.Add(Metric::kStatusChangesTotal,
            {{"domain", domain},
             {"mx", change.where.mx},
             {"address", change.where.address},
             {"from", change.from},
             {"to", change.to}},
            static_cast<double>(count));
  }
}

void AddDomainSeries(FamilySet& out, const config::Partner& partner,
                     const probe::TargetProbeResult& result) {
  const Labels domain{{"domain", partner.domain}};
  if (const auto hosts = MxHostCount(partner, result)) out.Add(Metric::kMxHosts, domain, *hosts);
  const bool pinned = !partner.static_mx.empty();
  const bool answered = result.routing && result.routing->kind != dns::RoutingKind::kFailed;
  if (pinned || answered) {
    out.Add(Metric::kNullMx, domain,
            Bool(!pinned && result.routing->kind == dns::RoutingKind::kNullMx));
  }
  if (!pinned && answered) {
    out.Add(Metric::kMxDnssecAuthenticated, domain, Bool(result.routing->mx_authenticated));
  }
  // A domain is only as good as its worst address: a sender may be routed to any of them.
  const auto all = [&](auto view) {
    return !result.results.empty() &&
           std::all_of(result.results.begin(), result.results.end(), view);
  };
  out.Add(Metric::kDomainClientTls, With(domain, "profile", "strict"),
          Bool(all([](const probe::AddressProbeResult& r) { return r.strict.gets_tls; })));
  out.Add(Metric::kDomainClientTls, With(domain, "profile", "lenient"),
          Bool(all([](const probe::AddressProbeResult& r) { return r.lenient.gets_tls; })));
}

}  // namespace stx::metrics
