#pragma once
#include <chrono>

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
nlohmann::json RenderTargets(const state::ExporterState& state,
                             std::chrono::system_clock::time_point now);

}  // namespace stx::http
