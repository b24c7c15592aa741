// The per-domain families: the partner's configuration, its counters, and what the latest
// probe says about the domain as a whole.
#include <algorithm>
#include <array>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <prometheus/check_names.h>

#include "assess/sender_verdict.hpp"
#include "metrics/partner_series.hpp"
#include "smtp/client_profile.hpp"

namespace stx::metrics {
namespace {

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

void WritePartnerInfo(const config::Partner& partner, ExpositionWriter& out) {
  std::vector<LabelPair> labels{{"domain", partner.domain}, {"name", partner.name}};
  for (const auto& [key, value] : partner.labels) {
    if (ServableLabel(key)) labels.push_back(LabelPair{key, value});
  }
  out.Add(Metric::kPartnerInfo, labels, 1);
}

void WriteCounters(Metric metric, const state::PartnerState& history, ExpositionWriter& out) {
  const std::string& domain = history.partner.domain;
  if (metric == Metric::kProbesTotal) {
    // Both results always exist, so that rate() over either starts from 0 instead of from the
    // first failure.
    out.Add(metric, {{"domain", domain}, {"result", "success"}},
            static_cast<double>(history.probes_success));
    out.Add(metric, {{"domain", domain}, {"result", "error"}},
            static_cast<double>(history.probes_error));
    return;
  }
  for (const auto& [change, count] : history.status_changes) {
    out.Add(metric,
            {{"domain", domain},
             {"mx", change.where.mx},
             {"address", change.where.address},
             {"from", change.from},
             {"to", change.to}},
            static_cast<double>(count));
  }
}

// Each of our senders' outcome at the domain's worst address that answered EHLO (a sender
// may be routed to any of them); addresses without an EHLO reply are left to the error
// series, so a connection timeout is not read as "our senders cannot deliver". No address
// answered: no series.
void WriteSenderOutcomes(const config::Partner& partner, const probe::TargetProbeResult& result,
                         ExpositionWriter& out) {
  for (std::size_t i = 0; i < smtp::ClientProfiles().size(); ++i) {
    if (!partner.senders.test(i)) continue;
    std::optional<assess::Delivery> worst;
    for (const auto& r : result.results) {
      if (r.ehlo_class == smtp::EhloClass::kError) continue;
      const assess::Delivery delivery = assess::Outcome(r, i).delivery;
      worst = worst ? assess::Worst(*worst, delivery) : delivery;
    }
    if (!worst) continue;
    for (const assess::Delivery delivery : assess::kDeliveriesWorstFirst) {
      out.Add(Metric::kSenderOutcome,
              {{"domain", partner.domain},
               {"sender", smtp::ClientProfiles()[i].name},
               {"outcome", assess::ToString(delivery)}},
              SampleOf(delivery == *worst));
    }
  }
}

void WriteProbedDomain(Metric metric, const config::Partner& partner,
                       const probe::TargetProbeResult& result, ExpositionWriter& out) {
  const LabelPair domain{"domain", partner.domain};
  const bool pinned = !partner.static_mx.empty();
  const bool answered = result.routing && result.routing->kind != dns::RoutingKind::kFailed;
  // A domain is only as good as its worst address: a sender may be routed to any of them.
  const auto all = [&](auto view) {
    return !result.results.empty() &&
           std::all_of(result.results.begin(), result.results.end(), view);
  };
  switch (metric) {
    case Metric::kMxHosts:
      if (const auto hosts = MxHostCount(partner, result)) out.Add(metric, {domain}, *hosts);
      break;
    case Metric::kNullMx:
      if (pinned || answered) {
        out.Add(metric, {domain},
                SampleOf(!pinned && result.routing->kind == dns::RoutingKind::kNullMx));
      }
      break;
    case Metric::kMxDnssecAuthenticated:
      if (!pinned && answered)
        out.Add(metric, {domain},
                SampleOf(result.routing->mx_dnssec == dns::DnssecStatus::kSecure));
      break;
    case Metric::kDomainClientTls:
      for (std::size_t i = 0; i < smtp::ClientProfiles().size(); ++i) {
        if (!partner.senders.test(i)) continue;
        out.Add(metric, {domain, {"profile", smtp::ClientProfiles()[i].name}},
                SampleOf(all(
                    [i](const probe::AddressProbeResult& r) { return assess::GetsTls(r, i); })));
      }
      break;
    case Metric::kSenderOutcome:
      WriteSenderOutcomes(partner, result, out);
      break;
    default:
      break;
  }
}

}  // namespace

void WriteDomainFamily(Metric metric, const PartnerView& partner, ExpositionWriter& out) {
  const config::Partner& config = *partner.partner;
  switch (metric) {
    case Metric::kPartnerInfo:
      WritePartnerInfo(config, out);
      break;
    case Metric::kProbeIntervalSeconds:
      // The configured interval, so that "no fresh result for 3 intervals" is one PromQL
      // comparison per partner whatever its override.
      out.Add(metric, {{"domain", config.domain}},
              std::chrono::duration<double>(config.interval).count());
      break;
    case Metric::kProbesTotal:
    case Metric::kStatusChangesTotal:
      if (partner.history != nullptr) WriteCounters(metric, *partner.history, out);
      break;
    default:
      // Until its first probe completes, nothing is known about a partner but its config.
      if (partner.last != nullptr) WriteProbedDomain(metric, config, *partner.last, out);
      break;
  }
}

PartnerView ViewOf(const state::PartnerState& partner, std::chrono::system_clock::time_point now) {
  PartnerView view;
  view.partner = &partner.partner;
  view.history = &partner;
  if (partner.last) {
    view.last = &*partner.last;
    view.completed = partner.last_completed != std::chrono::system_clock::time_point{}
                         ? partner.last_completed
                         : now;
  }
  return view;
}

void WritePartnerFamily(Metric metric, const PartnerView& partner, ExpositionWriter& out) {
  if (metric < Metric::kProbesTotal) {
    WriteAddressFamily(metric, partner, out);
  } else {
    WriteDomainFamily(metric, partner, out);
  }
}

}  // namespace stx::metrics
