#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "state/exporter_state.hpp"

namespace stx::http {

/// /api/v1/targets: what the status page shows, for scripts.
///   {"generated_at": RFC 3339,
///    "partners": [{"domain", "name", "labels": {..}, "interval_seconds", "timeout_seconds",
///                  "port", "static_mx": [..], "status", "probe_in_flight",
///                  "last_completed": RFC 3339 or null,
///                  "probes_total": {"success": n, "error": n},
///                  "status_changes": [{"mx", "address", "from", "to", "count"}],
///                  "last_probe": report::ToJson(TargetProbeResult) (transcripts included)
///                                or null}],  (by domain)
///    "reload": {"last_successful", "last_success_timestamp" (RFC 3339 or null),
///               "last_success_unix", "last_error" (or null)},
///    "probes_in_flight": n}
/// "status" is state::StatusOf(): misordered, no_starttls, error, compliant, null_mx, unknown.
/// Strings from hostile servers are escaped in the transcript already; serialize with
/// nlohmann::json::error_handler_t::replace anyway (certificate names may be any bytes).
/// The whole tree at once: for tests and small states; the endpoint uses TargetsStream.
nlohmann::json RenderTargets(const state::ExporterState& state,
                             std::chrono::system_clock::time_point now);

/// The same document as report::Serialize(RenderTargets(...)), written in pieces:
/// at 10,000 partners the tree of the whole document takes hundreds of MB, so only one
/// partner's tree exists at a time and the text goes out piece by piece.
///
/// Everything but the partners (generated_at, reload, probes_in_flight) is taken when the
/// stream is made. The state may change between pieces (a probe completes, a reload adds or
/// drops partners): the partners resume after the last domain written, so each appears at
/// most once, in domain order, and the document stays valid JSON; a partner probed meanwhile
/// shows its newer result if it was not written yet.
class TargetsStream {
 public:
  /// `state` must outlive the stream.
  TargetsStream(const state::ExporterState& state, std::chrono::system_clock::time_point now);

  /// Appends the next piece to `out`: whole partners, about `budget` bytes (one partner may
  /// pass it). Returns false once the document is complete.
  bool Next(std::string& out, std::size_t budget);

 private:
  const state::ExporterState* state_;
  std::int64_t now_unix_;  ///< dates certificate expiry in the evidence
  std::string head_;  ///< the document up to the first partner: {"generated_at":..,"partners":[
  std::string tail_;  ///< from the end of the partner list: ],"probes_in_flight":..}
  bool started_ = false;
  bool any_partner_ = false;
  std::optional<std::string> resume_after_;  ///< last domain written
};

}  // namespace stx::http
