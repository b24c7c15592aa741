#include "metrics/exporter_metrics.hpp"

#include <iterator>
#include <sstream>
#include <utility>

#include <prometheus/text_serializer.h>

#include "metrics/address_families.hpp"
#include "metrics/domain_families.hpp"
#include "metrics/family_set.hpp"
#include "metrics/process_families.hpp"
#include "metrics/self_families.hpp"

namespace stx::metrics {

std::vector<prometheus::MetricFamily> CollectExporterFamilies(
    const state::ExporterState& state, const BuildInfo& build,
    std::chrono::system_clock::time_point now) {
  FamilySet out;
  // partners() is ordered by domain, so every family lists partners in the same order.
  for (const auto& [domain, partner] : state.partners()) {
    AddPartnerInfo(out, partner.partner);
    AddPartnerCounters(out, partner);
    // Until its first probe completes, nothing is known about a partner but its config.
    if (!partner.last) continue;
    const auto completed = partner.last_completed != std::chrono::system_clock::time_point{}
                               ? partner.last_completed
                               : now;
    AddDomainSeries(out, partner.partner, *partner.last);
    AddAddressSeries(out, domain, *partner.last, completed, &partner.consecutive);
  }
  AddSelfSeries(out, state, build);
  AddProcessSeries(out);
  return std::move(out).Take();
}

std::vector<prometheus::MetricFamily> CollectProbeFamilies(const config::Partner& partner,
                                                           const probe::TargetProbeResult& result) {
  FamilySet out;
  AddPartnerInfo(out, partner);
  AddDomainSeries(out, partner, result);
  AddAddressSeries(out, partner.domain, result, std::chrono::system_clock::now());
  return std::move(out).Take();
}

std::string RenderText(const std::vector<prometheus::MetricFamily>& families) {
  std::ostringstream text;
  prometheus::TextSerializer().Serialize(text, families);
  return std::move(text).str();
}

std::vector<prometheus::MetricFamily> CollectProcessFamilies() {
  FamilySet out;
  AddProcessSeries(out);
  return std::move(out).Take();
}

}  // namespace stx::metrics
