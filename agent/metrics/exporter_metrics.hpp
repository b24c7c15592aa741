#pragma once
// The exporter's state as the Prometheus text exposition format, written at scrape time
// straight from the state: no registry to keep in sync with it (and prune on reload), no
// intermediate metric objects. The metric names, labels and meanings are the contract
// documented in the README's Metrics section (metric_specs.hpp).
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "common/event_loop_lag.hpp"
#include "common/web_counters.hpp"
#include "config/exporter_config.hpp"
#include "metrics/exposition_writer.hpp"
#include "probe/probe_result.hpp"
#include "state/exporter_state.hpp"

namespace stx::metrics {

/// What starttls_exporter_build_info reports.
struct BuildInfo {
  std::string version;
  std::string revision;
};

/// The text exposition format 0.0.4 (Content-Type: text/plain; version=0.0.4).
inline constexpr const char* kExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

/// /metrics, written in pieces: the per-address, per-domain and self families of the state,
/// then the process_* families. At tens of thousands of partners the text runs to tens of MB;
/// written in pieces of a few tens of KB, a scrape holds the event loop (and the probes on it)
/// only briefly at a time and never holds the whole text in memory.
///
/// The state may change between pieces (a probe completes, a reload drops partners): the
/// stream resumes after the last domain it wrote, so every series appears at most once and
/// each family lists partners in domain order; a partner probed meanwhile shows its newer
/// result in the families not yet written.
class ExpositionStream {
 public:
  /// `now` stamps a partner whose result carries no completion time. `loop_lag` (the daemon's
  /// event-loop monitor), `web` (the web server's counters; null: no such families) and
  /// `state` must outlive the stream.
  ExpositionStream(const state::ExporterState& state, BuildInfo build,
                   std::chrono::system_clock::time_point now,
                   const EventLoopLag* loop_lag = nullptr, const WebCounters* web = nullptr);

  /// Appends the next piece to `out`: whole samples, about `budget` bytes (one partner's
  /// samples of one family may pass it). Returns false once the exposition is complete.
  bool Next(std::string& out, std::size_t budget);

 private:
  const state::ExporterState* state_;
  BuildInfo build_;
  std::chrono::system_clock::time_point now_;
  const EventLoopLag* loop_lag_;
  const WebCounters* web_;
  ExpositionWriter writer_;
  std::size_t family_ = 0;
  std::optional<std::string> resume_after_;  ///< last domain written in the current family
};

/// The whole of /metrics at once (tests, benchmarks).
std::string RenderExposition(const state::ExporterState& state, const BuildInfo& build,
                             std::chrono::system_clock::time_point now);

/// The series of one partner's probe result, with the names and labels /metrics uses for that
/// partner (for /probe?target=, blackbox-style). Counters and streaks are left out: a single
/// immediate probe has no history to count.
std::string RenderProbeExposition(const config::Partner& partner,
                                  const probe::TargetProbeResult& result);

/// The process_* families alone (process_cpu_seconds_total, process_resident_memory_bytes,
/// process_virtual_memory_bytes, process_open_fds, process_max_fds,
/// process_start_time_seconds), read from /proc/self; those that cannot be read are left out.
std::string RenderProcessExposition();

}  // namespace stx::metrics
