#include "metrics/self_families.hpp"

namespace stx::metrics {

void AddSelfSeries(ExpositionWriter& out, const state::ExporterState& state,
                   const BuildInfo& build) {
  out.Add(Metric::kExporterBuildInfo, {{"version", build.version}, {"revision", build.revision}},
          1);
  out.Add(Metric::kExporterConfigLastReloadSuccessful, {},
          state.reload.last_successful ? 1.0 : 0.0);
  out.Add(Metric::kExporterConfigLastReloadSuccessTimestampSeconds, {},
          static_cast<double>(state.reload.last_success_unix));
  out.Add(Metric::kExporterProbesInFlight, {}, static_cast<double>(state.probes_in_flight));
  out.Add(Metric::kExporterPartners, {}, static_cast<double>(state.partners().size()));
}

void AddWebSeries(ExpositionWriter& out, const WebCounters& web) {
  for (std::size_t i = 0; i < WebCounters::kClosedReasons.size(); ++i) {
    out.Add(Metric::kExporterHttpConnectionsClosedTotal,
            {{"reason", WebCounters::kClosedReasons[i]}}, static_cast<double>(web.closed[i]));
  }
  for (std::size_t i = 0; i < WebCounters::kProbeAnswers.size(); ++i) {
    out.Add(Metric::kExporterProbeRequestsTotal, {{"answer", WebCounters::kProbeAnswers[i]}},
            static_cast<double>(web.probe_requests[i]));
  }
}

}  // namespace stx::metrics
