#pragma once
// The evidence for one probed address, as one list: the text report, the JSON and the status
// page render it and add nothing of their own, so the three always say the same thing.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "probe/probe_result.hpp"

namespace stx::assess {

/// How a piece of evidence reads: good and bad news, a warning, a machine token, or small
/// print.
enum class Tone { kPlain, kGood, kBad, kWarn, kCode };

/// A run of text in one tone.
struct Span {
  std::string text;
  Tone tone = Tone::kPlain;
};
/// One line of an evidence item.
using EvidenceLine = std::vector<Span>;

/// One fact about the address, e.g. the TLS outcome or what one sender profile gets.
struct EvidenceItem {
  std::string key;    ///< stable, for scripts: "error", "banner", "client.strict", "tls", ...
  std::string label;  ///< for people: "error", "banner", "strict client", "TLS", ...
  std::string note;   ///< small print after the label ("Postfix, Cisco ESA, Go, Python"), or ""
  std::vector<EvidenceLine> lines;  ///< the fact; no lines: "none"
  bool list = false;                ///< the lines are items of a list (findings)
};

/// The evidence for `result`, in display order: error, banner, one item per sender of `ours`
/// (the senders this company runs), what the real senders of the table do (grouped by
/// outcome, worst first), TLS, certificate, extensions offered in TLS, RFC 8460 result types,
/// findings. `now_unix` dates certificate expiry ("in 35 days"). Every span is DisplayText:
/// valid UTF-8 without control characters, whatever bytes the partner sent.
std::vector<EvidenceItem> AddressEvidence(const probe::AddressProbeResult& result,
                                          std::int64_t now_unix, smtp::ProfileSet ours);

/// A line's text without tones.
std::string PlainText(const EvidenceLine& line);

/// The worst tone of an item (bad, then warn, then good): how it reads at a glance.
Tone ItemTone(const EvidenceItem& item);

/// "plain", "good", "bad", "warn", "code".
std::string_view ToString(Tone tone);

/// "127.0.0.1:25", "[::1]:25", or "(no address)" for an MX host whose address lookup failed.
std::string AddressText(const probe::AddressProbeResult& result);

}  // namespace stx::assess
