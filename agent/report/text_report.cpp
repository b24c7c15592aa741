#include "report/text_report.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

#include "assess/evidence.hpp"
#include "assess/explanation.hpp"
#include "assess/status.hpp"
#include "common/display_text.hpp"

namespace stx::report {
namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  return out;
}

std::string Join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : sep) + item;
  return out;
}

std::string Padded(std::string text, std::size_t width) {
  text.resize(std::max(width, text.size() + 1), ' ');
  return text;
}

// The evidence list, one item per line: "  label:    value", continuation lines under the
// value. Items with a note (the sender profiles) align as a group: "  strict client  (Postfix,
// ...): verdict". A list (the findings) puts each line under the label with "- ".
void WriteEvidence(std::ostringstream& out, const std::vector<assess::EvidenceItem>& items) {
  constexpr std::size_t kLabelWidth = 10;
  std::size_t title_width = 0, note_width = 0;
  for (const auto& item : items) {
    if (item.note.empty()) continue;
    title_width = std::max(title_width, item.label.size());
    note_width = std::max(note_width, item.note.size() + 3);  // "(" note "):"
  }
  for (const auto& item : items) {
    if (item.list) {
      out << "  " << item.label << ":" << (item.lines.empty() ? " none" : "") << "\n";
      for (const auto& line : item.lines) out << "    - " << assess::PlainText(line) << "\n";
      continue;
    }
    const std::string head = item.note.empty() ? Padded(item.label + ":", kLabelWidth)
                                               : Padded(item.label, title_width + 1) +
                                                     Padded("(" + item.note + "):", note_width + 1);
    const std::string indent(head.size(), ' ');
    out << "  " << head;
    if (item.lines.empty()) out << "none\n";
    for (std::size_t i = 0; i < item.lines.size(); ++i) {
      out << (i == 0 ? "" : "  " + indent) << assess::PlainText(item.lines[i]) << "\n";
    }
  }
}

// Word-wraps one paragraph at `width` columns; lines that start with spaces (quoted reply
// lines) are kept as they are.
std::vector<std::string> Wrap(const std::string& paragraph, std::size_t width) {
  if (paragraph.empty() || paragraph.front() == ' ') return {paragraph};
  std::vector<std::string> lines;
  std::istringstream words(paragraph);
  std::string line;
  for (std::string word; words >> word;) {
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      lines.push_back(line);
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

void WriteAddress(std::ostringstream& out, const probe::AddressProbeResult& r, bool direct,
                  std::int64_t now, smtp::ProfileSet ours) {
  out << "\n" << DisplayText(r.mx_host);
  if (!direct) out << " (MX preference " << r.mx_preference << ")";
  out << "  " << assess::AddressText(r) << "  " << Upper(assess::ToString(assess::AddressStatus(r, ours)))
      << "\n";
  WriteEvidence(out, assess::AddressEvidence(r, now, ours));
  if (!r.transcript.empty()) {
    out << "  transcript:\n";
    for (const auto& line : r.transcript) {
      const char* who = line.direction == probe::TranscriptLine::Direction::kServer   ? "S:"
                        : line.direction == probe::TranscriptLine::Direction::kClient ? "C:"
                                                                                      : "  #";
      out << "    " << (line.encrypted ? "[tls] " : "") << who << " " << DisplayText(line.text)
          << "\n";
    }
  }
  if (const std::string explanation = assess::Explanation(r); !explanation.empty()) {
    out << "  explanation to forward to the partner:\n";
    std::istringstream lines(explanation);
    for (std::string paragraph; std::getline(lines, paragraph);) {
      for (const auto& line : Wrap(DisplayText(paragraph), 88)) out << "    | " << line << "\n";
    }
  }
}

// The domain's MTA-STS and TLS-RPT, under the MX line.
void WritePolicy(std::ostringstream& out, const policy::DomainPolicy& p) {
  out << "\n  MTA-STS: ";
  if (p.sts_record.status != policy::StsRecordStatus::kOk) {
    out << policy::ToString(p.sts_record.status) << " (" << DisplayText(p.sts_record.detail) << ")";
  } else if (!p.sts_fetch || p.sts_fetch->status != policy::StsFetchStatus::kOk) {
    out << "record id " << DisplayText(p.sts_record.id) << ", policy fetch failed: "
        << (p.sts_fetch ? std::string(policy::ToString(p.sts_fetch->status)) + ": " +
                              DisplayText(p.sts_fetch->detail)
                        : std::string("not made"));
  } else {
    const policy::StsPolicy& sts = *p.sts_fetch->read.policy;
    std::vector<std::string> mx;
    for (const auto& pattern : sts.mx) mx.push_back(DisplayText(pattern));
    out << policy::ToString(sts.mode) << ", mx " << (mx.empty() ? "(none)" : Join(mx, ", "))
        << ", max_age " << sts.max_age << " s, id " << DisplayText(p.sts_record.id);
  }
  out << "\n  TLS-RPT: ";
  if (p.tls_rpt.status == policy::TlsRptStatus::kOk) {
    std::vector<std::string> rua;
    for (const auto& uri : p.tls_rpt.rua) rua.push_back(DisplayText(uri));
    out << Join(rua, ", ");
  } else {
    out << policy::ToString(p.tls_rpt.status) << " (" << DisplayText(p.tls_rpt.detail) << ")";
  }
}

}  // namespace

std::string ToText(const probe::TargetProbeResult& result, std::int64_t now_unix,
                   smtp::ProfileSet ours) {
  std::ostringstream out;
  out << DisplayText(result.target);
  if (result.routing) {
    const dns::MailRouting& routing = *result.routing;
    switch (routing.kind) {
      case dns::RoutingKind::kMx: {
        std::vector<std::string> hosts;
        for (const auto& mx : routing.exchangers) {
          hosts.push_back(DisplayText(mx.host) + " (" + std::to_string(mx.preference) + ")");
        }
        out << ": MX " << Join(hosts, ", ");
        break;
      }
      case dns::RoutingKind::kImplicit:
        out << ": no MX records; the domain itself is the implicit MX (RFC 5321 section 5.1)";
        break;
      case dns::RoutingKind::kNullMx:
        out << ": null MX \"0 .\" (RFC 7505): this domain accepts no mail; nothing to probe";
        break;
      case dns::RoutingKind::kFailed:
        out << ": MX lookup failed";
        break;
    }
    if (routing.mx_dnssec == dns::DnssecStatus::kSecure) out << " [DNSSEC secure]";
    if (routing.mx_dnssec == dns::DnssecStatus::kBogus) {
      out << " [DNSSEC bogus: " << DisplayText(routing.mx_why_bogus) << "]";
    }
    // DANE's inputs, for the MX hosts where a DANE sender looks (RFC 7672 §2.2.2).
    for (const auto& mx : routing.exchangers) {
      const dns::TlsaAnswer& tlsa = mx.tlsa;
      if (tlsa.name.empty()) continue;  // not asked: its addresses are not DNSSEC-secure
      out << "\n  TLSA " << DisplayText(tlsa.name) << ": ";
      if (tlsa.status != dns::LookupStatus::kOk) {
        out << dns::ToString(tlsa.status);
      } else {
        const auto usable = std::count_if(tlsa.records.begin(), tlsa.records.end(),
                                          [](const dns::TlsaRecord& r) { return dns::UsableForSmtp(r); });
        out << tlsa.records.size() << (tlsa.records.size() == 1 ? " record" : " records") << ", "
            << usable << " usable for SMTP";
      }
      out << " [DNSSEC " << dns::ToString(tlsa.dnssec);
      if (tlsa.dnssec == dns::DnssecStatus::kBogus) out << ": " << DisplayText(tlsa.why_bogus);
      out << "]";
    }
  }
  if (result.policy) WritePolicy(out, *result.policy);
  out << "\n";
  if (result.error)
    out << "error: " << result.error->Reason() << ": " << DisplayText(result.error->detail) << "\n";
  std::map<assess::Status, int> counts;
  for (const auto& r : result.results) {
    WriteAddress(out, r, result.direct, now_unix, ours);
    ++counts[assess::EhloStatus(r)];
  }
  char duration[32];
  std::snprintf(duration, sizeof duration, "%.2f", result.duration_seconds);
  out << "\n";
  if (result.results.empty()) {
    // Nothing to count: "0 addresses: ..., 0 error" would read as no error at all.
    out << "no address probed";
    if (result.error) {
      out << ": " << assess::ToString(assess::Status::kError) << " (" << result.error->Reason()
          << ")";
    } else if (result.routing && result.routing->kind == dns::RoutingKind::kNullMx) {
      out << ": the domain accepts no mail (null MX)";
    }
  } else {
    out << result.results.size() << " address" << (result.results.size() == 1 ? "" : "es")
        << ":";
    const char* separator = " ";
    for (const assess::Status status : assess::kEhloStatuses) {
      out << separator << counts[status] << " " << assess::ToString(status);
      separator = ", ";
    }
  }
  out << " (" << duration << " s)\n";
  return out.str();
}

}  // namespace stx::report
