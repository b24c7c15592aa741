#pragma once
#include "metrics/exporter_metrics.hpp"
#include "metrics/exposition_writer.hpp"
#include "state/exporter_state.hpp"

namespace stx::metrics {

/// The exporter's own health: build info, config reload status, probes in flight, partners.
void AddSelfSeries(ExpositionWriter& out, const state::ExporterState& state,
                   const BuildInfo& build);

}  // namespace stx::metrics
