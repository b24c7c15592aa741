#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

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
///
/// The whole page at once: for tests and small states; the endpoint uses StatusPageStream.
std::string RenderStatusPage(const state::ExporterState& state,
                             std::chrono::system_clock::time_point now, const std::string& version);

/// The same page written in pieces, so that at 10,000 partners the page is never whole in
/// memory and the event loop runs between pieces.
///
/// Making the stream takes one pass over the partners that renders nothing: each partner's
/// group (for the counts at the top) and the groups' members, by domain, which are then fixed.
/// The state may change between pieces: a partner probed meanwhile stays in the group it was
/// counted in and shows its newer result where it was not written yet; a partner a reload
/// removed is left out from then on, one it added is not on this page. So every partner is
/// listed at most once, in one group, and the page is always whole and valid. The members take
/// their domains' length and 4 bytes each in memory; nothing else grows with the partners.
class StatusPageStream {
 public:
  /// `state` must outlive the stream.
  StatusPageStream(const state::ExporterState& state, std::chrono::system_clock::time_point now,
                   const std::string& version);

  /// Appends the next piece to `out`: whole partners, about `budget` bytes (one partner's rows
  /// or evidence may pass it). Returns false once the page is complete.
  bool Next(std::string& out, std::size_t budget);

 private:
  enum class Part { kHead, kRows, kEvidence, kDone };

  /// The domain of member `member` (members are numbered group after group).
  std::string Domain(std::size_t member) const;

  const state::ExporterState* state_;
  std::int64_t now_;
  std::string head_;                 ///< the page up to the first group, rendered with the counts
  std::string domains_;              ///< every member's domain, one after the other
  std::vector<std::uint32_t> ends_;  ///< where each member's domain ends in domains_
  /// Where each group's members begin (groups in assess::kStatusesWorstFirst order); the last entry is the number
  /// of members.
  std::vector<std::size_t> group_begin_;
  bool table_ = false;  ///< any partner at all: the table is written
  Part part_ = Part::kHead;
  std::size_t group_ = 0;
  std::size_t next_ = 0;  ///< the next member to write in the current part
  bool group_open_ = false;
};

}  // namespace stx::http
