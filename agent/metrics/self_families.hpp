#pragma once
#include "metrics/exporter_metrics.hpp"
#include "metrics/exposition_writer.hpp"
#include "state/exporter_state.hpp"

namespace stx::metrics {

/// The exporter's own health: build info, config reload status, probes in flight, partners.
void AddSelfSeries(ExpositionWriter& out, const state::ExporterState& state,
                   const BuildInfo& build);

/// The web server's counters: every reason and every answer, from 0, so that rate() sees the
/// first increase.
void AddWebSeries(ExpositionWriter& out, const WebCounters& web);

}  // namespace stx::metrics
