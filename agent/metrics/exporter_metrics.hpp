#pragma once
// The exporter's state as Prometheus metric families, built at scrape time. The metric names,
// labels and meanings are the contract documented in the README's Metrics section.
#include <chrono>
#include <string>
#include <vector>

#include <prometheus/metric_family.h>

#include "config/exporter_config.hpp"
#include "probe/probe_result.hpp"
#include "state/exporter_state.hpp"

namespace stx::metrics {

/// What starttls_exporter_build_info reports.
struct BuildInfo {
  std::string version;
  std::string revision;
};

/// Everything /metrics serves: the per-address, per-domain and self families of `state`, then
/// the process_* families. `now` stamps a partner whose result carries no completion time.
std::vector<prometheus::MetricFamily> CollectExporterFamilies(
    const state::ExporterState& state, const BuildInfo& build,
    std::chrono::system_clock::time_point now);

/// The families of one partner's probe result, with the same names and labels /metrics uses
/// for that partner (for /probe?target=, blackbox-style). Counters are left out: a single
/// immediate probe has no history to count.
std::vector<prometheus::MetricFamily> CollectProbeFamilies(const config::Partner& partner,
                                                           const probe::TargetProbeResult& result);

/// The text exposition format 0.0.4 (Content-Type: text/plain; version=0.0.4).
std::string RenderText(const std::vector<prometheus::MetricFamily>& families);

/// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
/// process_open_fds, process_max_fds, process_start_time_seconds, read from /proc/self.
/// Families that cannot be read (not Linux, /proc not mounted) are left out.
std::vector<prometheus::MetricFamily> CollectProcessFamilies();

}  // namespace stx::metrics
