#pragma once
// What /metrics (and /probe) shows of one partner, one family at a time: the exposition
// format groups samples by family, so a scrape walks the partners once per family, and the
// writer for a family must touch only what that family needs.
#include <chrono>

#include "config/exporter_config.hpp"
#include "metrics/exposition_writer.hpp"
#include "probe/probe_result.hpp"
#include "state/exporter_state.hpp"

namespace stx::metrics {

/// One partner as the metrics see it.
struct PartnerView {
  const config::Partner* partner = nullptr;
  /// The latest completed probe; null until the first completes (only the configuration is
  /// known then).
  const probe::TargetProbeResult* last = nullptr;
  /// When `last` completed; stamps rows that carry no time of their own.
  std::chrono::system_clock::time_point completed{};
  /// Counters and streaks; null for a one-off /probe, which has no history to count.
  const state::PartnerState* history = nullptr;
};

/// The view /metrics uses for a partner of the state (`now` stamps a result without a
/// completion time).
PartnerView ViewOf(const state::PartnerState& partner, std::chrono::system_clock::time_point now);

/// A yes/no fact as a sample value.
constexpr double SampleOf(bool value) { return value ? 1.0 : 0.0; }

/// True for the families that have per-partner samples (every family before the exporter's
/// own).
constexpr bool IsPartnerFamily(Metric metric) { return metric < Metric::kExporterBuildInfo; }

/// Writes `partner`'s samples of `metric` (a partner family), if it has any.
void WritePartnerFamily(Metric metric, const PartnerView& partner, ExpositionWriter& out);

/// The address families (starttls_ehlo_status ... starttls_finding_info, labels domain, mx,
/// address): every address of the latest probe in MX preference order; a probe that failed
/// before any address (DNS) is one row with mx="" and address="".
void WriteAddressFamily(Metric metric, const PartnerView& partner, ExpositionWriter& out);

/// The domain families: partner info, interval, counters, MX facts, domain client TLS.
void WriteDomainFamily(Metric metric, const PartnerView& partner, ExpositionWriter& out);

}  // namespace stx::metrics
