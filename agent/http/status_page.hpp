#pragma once
#include <chrono>
#include <string>

#include "state/exporter_state.hpp"

namespace stx::http {

/// The exporter's front page ("/"): plain HTML5 with inline CSS, no script, no external
/// asset. A summary (partners per status, addresses per class), then one table whose groups
/// are the partners of one status, worst first (misordered, no_starttls, error, compliant,
/// null_mx, not probed yet), one row per probed address, then the evidence of every address
/// (findings, TLS facts, explanation, transcript) that the rows link to. Every text that came
/// from the network or the configuration is escaped.
///
/// Stable hooks for tests and scrapers: each row is <tr data-domain data-mx data-address
/// data-status> (mx and address as in the metrics' labels: the address without port, "" for
/// partner-level rows and MX hosts without an address), its status cell <td class="status"
/// data-status="..."> holds a badge whose text is the status name ("not probed yet" for unknown);
/// each group is <tbody class="group" id="group-<status>">; each evidence section carries the id
/// that its row's "transcript" link points at.
std::string RenderStatusPage(const state::ExporterState& state,
                             std::chrono::system_clock::time_point now, const std::string& version);

}  // namespace stx::http
