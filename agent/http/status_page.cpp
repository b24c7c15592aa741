#include "http/status_page.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <map>
#include <vector>

#include "assess/evidence.hpp"
#include "assess/sender_verdict.hpp"
#include "assess/status.hpp"
#include "common/time_format.hpp"
#include "http/html_text.hpp"
#include "http/status_evidence.hpp"
#include "smtp/client_profile.hpp"

namespace stx::http {
namespace {

// Partners per status, worst first (assess::kStatusesWorstFirst).
using GroupSizes = std::array<std::size_t, assess::kStatusesWorstFirst.size()>;

std::size_t Rank(assess::Status status) { return static_cast<std::size_t>(status); }

// Certificates closer than this to expiry are shown as a warning.
constexpr std::int64_t kExpiryWarningSeconds = 14 * 86400;

constexpr std::string_view kStyle = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
  margin:1.2em 1.5em;color:#1d1d1f}
h1{font-size:1.4em;margin:0}h2{font-size:1.1em;margin:1.5em 0 .3em}
h3{font-size:1em;margin:.4em 0}
header p,.small{color:#666;font-size:.9em}nav a{margin-right:1em}
.summary{font-size:1.05em;margin:.8em 0}.summary .badge{margin-left:.6em}
.alert{background:#ffebee;border:1px solid #c62828;padding:.4em .7em}
table{border-collapse:collapse;width:100%}
tr.group-head th{background:#fff;font-size:1.05em;padding-top:1.3em;
  border-bottom:2px solid #bbb}
th,td{border-bottom:1px solid #e0e0e0;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f5f5f5;font-weight:600}thead th{position:sticky;top:0}
tbody tr:hover{background:#fafafa}
.badge{display:inline-block;padding:0 .55em;border-radius:.8em;color:#fff;
  font:600 .9em monospace;white-space:nowrap}
.deferred{background:#880e4f}.misordered{background:#c62828}.no_starttls{background:#d84315}
.tls_failed{background:#ef6c00}.error{background:#6a1b9a}
.compliant{background:#2e7d32}.null_mx{background:#546e7a}.unknown{background:#9e9e9e}
.ok{color:#2e7d32}.bad{color:#c62828;font-weight:600}.warn{color:#e65100;font-weight:600}
.ok,.bad,.warn,.ago{white-space:nowrap}
code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em}
.evidence{border-top:2px solid #e0e0e0;margin-top:1.2em;padding-top:.3em}
.evidence:target{background:#fffde7}
dl{display:grid;grid-template-columns:max-content auto;gap:.15em 1em;margin:.4em 0}
dt{font-weight:600}dd{margin:0}
ul.findings{margin:0;padding-left:1.2em}
pre{background:#f7f7f7;border:1px solid #e0e0e0;padding:.5em;white-space:pre-wrap;
  word-break:break-all;font-size:12px}
.t-S{color:#0d47a1}.t-C{color:#1b5e20}.t-note{color:#777}
)";

std::string Badge(assess::Status status) {
  const std::string name(assess::ToString(status));
  const std::string text = status == assess::Status::kUnknown ? "not probed yet" : name;
  return "<span class=\"badge " + name + "\">" + text + "</span>";
}

// Our senders' outcomes at a glance, worst first: one line per outcome with the senders
// that get it; each sender's reason in its title, the sentence in the evidence.
std::string SendersCell(const probe::AddressProbeResult& r, smtp::ProfileSet ours) {
  if (r.ehlo_class == smtp::EhloClass::kError) return "<td class=\"senders\">—</td>";
  std::string html = "<td class=\"senders\">";
  const char* line_break = "";
  for (const assess::OutcomeGroup& group : assess::GroupByOutcome(r, ours)) {
    const std::string_view outcome = assess::ToString(group.delivery);
    html += line_break;
    html += group.delivery == assess::Delivery::kTlsAuthenticated
                ? "<span class=\"ok\">TLS, authenticated</span>"
            : group.delivery == assess::Delivery::kTls ? "<span class=\"ok\">TLS</span>"
            : group.delivery == assess::Delivery::kClear ? "<span class=\"warn\">clear</span>"
                                                         : "<span class=\"bad\">deferred</span>";
    const char* separator = " ";
    for (const std::size_t i : group.profiles) {
      const smtp::ClientProfile& profile = smtp::ClientProfiles()[i];
      const std::string name(profile.name);
      // A row no real run proved (a sender known from its documentation) says so.
      const bool verified =
          profile.verified_with.empty() == (profile.kind == smtp::ProfileKind::kReading);
      html += separator;
      html += "<span class=\"sender\" data-sender=\"" + name + "\" data-outcome=\"" +
              std::string(outcome) + "\" title=\"" + EscapeHtml(assess::Verdict(r, i)) +
              (verified ? "" : " (not verified by a run: modelled from its documentation)") +
              "\">" + name + (verified ? "" : "*") + "</span>";
      separator = ", ";
    }
    line_break = "<br>";
  }
  return html + "</td>";
}

// The table's head: our senders' column between the status and the TLS facts.
std::string TableHead() {
  return "<thead><tr><th>Partner</th><th>MX host</th><th>Address</th><th>Status</th>"
         "<th title=\"What the senders of the configuration (senders) do with mail to the "
         "address, worst first; * = modelled from its documentation, not verified by a run\">Our "
         "senders</th>"
         "<th>TLS</th><th>Certificate expires</th><th>Chain / host name</th><th>Last probe</th>"
         "<th>Evidence</th></tr></thead>\n";
}

// Partner, MX host, address, status, our senders, TLS, expiry, validity, last probe, evidence.
constexpr std::size_t kColumns = 10;

std::string TlsCell(const probe::AddressProbeResult& r) {
  if (r.ehlo_class == smtp::EhloClass::kError) return "—";
  if (r.tls_outcome == probe::TlsOutcome::kEstablished && r.tls) {
    return EscapeHtml(r.tls->version) + "<br><span class=\"small mono\">" +
           EscapeHtml(r.tls->cipher) + "</span>";
  }
  if (r.tls_outcome == probe::TlsOutcome::kNotAttempted) return "none";
  return "<span class=\"bad\" title=\"" + EscapeHtml(r.tls_detail) + "\">" +
         EscapeHtml(probe::ToString(r.tls_outcome)) + "</span>";
}

std::string ExpiryCell(const probe::AddressProbeResult& r, std::int64_t now) {
  if (!r.tls || !r.tls->leaf) return "—";
  const std::int64_t not_after = r.tls->leaf->not_after;
  const char* css = not_after < now ? "bad" : not_after - now < kExpiryWarningSeconds ? "warn" : "";
  return "<span class=\"" + std::string(css) + "\">" + stx::Rfc3339(not_after).substr(0, 10) +
         "<br>" + (not_after < now ? "expired " : "") + stx::Relative(not_after, now) + "</span>";
}

std::string ValidityCell(const probe::AddressProbeResult& r) {
  if (!r.tls || !r.tls->leaf) return "—";
  const tls::TlsFacts& t = *r.tls;
  return std::string(t.chain_valid ? "<span class=\"ok\">chain trusted</span>"
                                   : "<span class=\"bad\" title=\"" + EscapeHtml(t.verify_error) +
                                         "\">chain NOT trusted</span>") +
         "<br>" +
         (t.hostname_valid ? "<span class=\"ok\">name matches</span>"
                           : "<span class=\"bad\">name mismatch</span>");
}

std::string LastProbeCell(const state::PartnerState& p, std::int64_t now) {
  std::string html = "—";
  if (p.last) {
    const auto when = std::chrono::system_clock::to_time_t(p.last_completed);
    html = "<span class=\"ago\" title=\"" + UtcDateTime(when) + "\">" + Ago(now - when) +
           "</span><br><span class=\"small\">" + UtcDateTime(when).substr(11) + "</span>";
  }
  if (p.probe_in_flight) html += "<br><span class=\"small\">probing now</span>";
  return html;
}

std::string PartnerCell(const state::PartnerState& p) {
  const config::Partner& c = p.partner;
  std::string html = EscapeHtml(c.name.empty() ? c.domain : c.name);
  if (!c.name.empty() && c.name != c.domain)
    html += "<br><span class=\"small\">" + EscapeHtml(c.domain) + "</span>";
  for (const auto& [key, value] : c.labels)
    html += "<br><span class=\"small\">" + EscapeHtml(key) + "=" + EscapeHtml(value) + "</span>";
  return html;
}

std::string RowOpen(const state::PartnerState& p, std::string_view mx, std::string_view address,
                    assess::Status status) {
  return "<tr data-domain=\"" + EscapeHtml(p.partner.domain) + "\" data-mx=\"" + EscapeHtml(mx) +
         "\" data-address=\"" + EscapeHtml(address) + "\" data-status=\"" +
         std::string(assess::ToString(status)) + "\"><td class=\"partner\">" + PartnerCell(p) +
         "</td>";
}

std::string StatusCell(assess::Status status, const std::string& reason_html) {
  return "<td class=\"status\" data-status=\"" + std::string(assess::ToString(status)) + "\">" +
         Badge(status) +
         (reason_html.empty() ? "" : "<br><span class=\"small\">" + reason_html + "</span>") +
         "</td>";
}

void AppendRows(std::string& out, const state::PartnerState& p, std::int64_t now) {
  const std::string last = "<td>" + LastProbeCell(p, now) + "</td>";
  if (!p.last || p.last->results.empty()) {
    // A partner-level row: not probed yet, null MX, or DNS failed before any address.
    const assess::Status status = state::StatusOf(p);
    std::string reason;
    if (p.last && p.last->error) {
      reason = "<code>" + EscapeHtml(p.last->error->Reason()) + "</code> " +
               EscapeHtml(p.last->error->detail);
    }
    std::string empty_cells;
    for (std::size_t i = 0; i < 4; ++i) empty_cells += "<td>—</td>";  // senders, TLS, expiry, validity
    out += RowOpen(p, "", "", status) + "<td>" +
           (status == assess::Status::kNullMx ? std::string("<code>.</code> (null MX)") : "—") +
           "</td><td>—</td>" + StatusCell(status, reason) + empty_cells + last +
           "<td>—</td></tr>\n";
    return;
  }
  for (const auto& r : p.last->results) {
    const assess::Status status = assess::AddressStatus(r, p.partner.senders);
    const std::string address = assess::AddressText(r);
    const std::string reason = r.error ? "<code>" + EscapeHtml(r.error->Reason()) + "</code>" : "";
    const std::size_t findings = r.findings.size();
    out += RowOpen(p, r.mx_host, state::KeyOf(r).address, status) + "<td>" + EscapeHtml(r.mx_host) +
           (r.mx_preference
                ? "<br><span class=\"small\">MX " + std::to_string(r.mx_preference) + "</span>"
                : "") +
           "</td><td class=\"mono\">" + EscapeHtml(address) + "</td>" + StatusCell(status, reason) +
           SendersCell(r, p.partner.senders) + "<td>" + TlsCell(r) + "</td><td>" + ExpiryCell(r, now) + "</td><td>" +
           ValidityCell(r) + "</td>" + last + "<td><a href=\"#" + EvidenceId(p, r) +
           "\">transcript</a>" +
           (findings ? "<br><span class=\"small\">" + std::to_string(findings) + " finding" +
                           (findings == 1 ? "" : "s") + "</span>"
                     : "") +
           "</td></tr>\n";
  }
}

void AppendSummary(std::string& out, const GroupSizes& groups, const state::ExporterState& state) {
  std::map<assess::Status, std::size_t> per_class;
  std::size_t addresses = 0;
  for (const auto& [domain, p] : state.partners()) {
    if (!p.last) continue;
    for (const auto& r : p.last->results) {
      ++per_class[assess::AddressStatus(r, p.partner.senders)];
      ++addresses;
    }
  }
  out += "<p class=\"summary\" id=\"summary\"><b>" + std::to_string(state.partners().size()) +
         "</b> partner" + (state.partners().size() == 1 ? "" : "s") + ":";
  for (const assess::Status status : assess::kStatusesWorstFirst) {
    out += " " + Badge(status) + " <b data-count=\"" + std::string(assess::ToString(status)) +
           "\">" + std::to_string(groups[Rank(status)]) + "</b>";
  }
  out += "<br><span class=\"small\">" + std::to_string(addresses) + " address" +
         (addresses == 1 ? "" : "es") + " probed:";
  for (const assess::Status status : assess::kStatusesWorstFirst) {
    const auto it = per_class.find(status);
    if (it != per_class.end()) {
      out += " " + std::to_string(it->second) + " " + std::string(assess::ToString(status)) + ",";
    }
  }
  if (out.back() == ',') out.pop_back();
  out += "</span></p>\n";
}

// Everything above the first group: the document head, the reload alert, the summary and
// the table's head.
void AppendPageHead(std::string& out, const state::ExporterState& state, std::int64_t now,
                    const std::string& version, const GroupSizes& groups) {
  out +=
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>starttls_exporter</title>\n<style>";
  out += kStyle;
  out += "</style>\n</head>\n<body>\n<header>\n<h1>starttls_exporter</h1>\n<p>version " +
         EscapeHtml(version) + " · page generated " + UtcDateTime(now) +
         " · reload to refresh</p>\n<nav><a href=\"/metrics\">/metrics</a><a "
         "href=\"/api/v1/targets\">/api/v1/targets</a><a href=\"/-/healthy\">/-/healthy</a>"
         "</nav>\n</header>\n<main>\n";
  if (!state.reload.last_successful) {
    out +=
        "<p class=\"alert\" id=\"reload-error\"><b>The last configuration reload failed</b>; "
        "the previous configuration keeps running: " +
        EscapeHtml(state.reload.last_error) + "</p>\n";
  }
  AppendSummary(out, groups, state);
  if (state.partners().empty()) out += "<p>No partners configured.</p>\n";

  // One table for every group, so that the columns line up; each group is a <tbody>.
  if (!state.partners().empty()) out += "<table class=\"partners\">\n" + TableHead();
}

void AppendGroupHead(std::string& out, assess::Status status, std::size_t n) {
  const std::string name(assess::ToString(status));
  const std::string columns = std::to_string(kColumns);
  out += "<tbody class=\"group\" id=\"group-" + name + "\" data-status=\"" + name +
         "\">\n<tr class=\"group-head\"><th colspan=\"" + columns + "\">" + Badge(status) + " " +
         std::to_string(n) + " partner" + (n == 1 ? "" : "s") + " <span class=\"small\">— " +
         std::string(assess::Describe(status)) + "</span></th></tr>\n";
}

}  // namespace

StatusPageStream::StatusPageStream(const state::ExporterState& state,
                                   std::chrono::system_clock::time_point now,
                                   const std::string& version)
    : state_(&state), now_(std::chrono::system_clock::to_time_t(now)) {
  // The first pass: each partner's group, without rendering anything. The groups' members are
  // fixed here, so that every count on the page matches the rows listed and no partner whose
  // status changes while the page is written is listed twice (or in two groups).
  const auto& partners = state.partners();
  std::vector<std::uint8_t> ranks;
  ranks.reserve(partners.size());
  GroupSizes groups{};
  for (const auto& [domain, p] : partners) {
    const std::size_t rank = Rank(state::StatusOf(p));
    ranks.push_back(static_cast<std::uint8_t>(rank));
    ++groups[rank];
  }
  // The members, group after group, each group by domain (the map's order).
  group_begin_.resize(assess::kStatusesWorstFirst.size() + 1);
  for (std::size_t rank = 0; rank < assess::kStatusesWorstFirst.size(); ++rank) {
    group_begin_[rank] = ends_.size();
    if (groups[rank] == 0) continue;
    std::size_t i = 0;
    for (const auto& [domain, p] : partners) {
      if (ranks[i++] != rank) continue;
      domains_ += domain;
      ends_.push_back(static_cast<std::uint32_t>(domains_.size()));
    }
  }
  group_begin_[assess::kStatusesWorstFirst.size()] = ends_.size();
  ends_.shrink_to_fit();
  domains_.shrink_to_fit();
  AppendPageHead(head_, state, now_, version, groups);
  table_ = !partners.empty();
}

std::string StatusPageStream::Domain(std::size_t member) const {
  const std::size_t begin = member == 0 ? 0 : ends_[member - 1];
  return domains_.substr(begin, ends_[member] - begin);
}

bool StatusPageStream::Next(std::string& out, std::size_t budget) {
  const std::size_t limit = out.size() + budget;
  if (part_ == Part::kHead) {
    out += head_;
    std::string().swap(head_);
    part_ = Part::kRows;
  }
  // Two passes over the members: the table's rows, then the evidence, each group by group. A
  // piece ends after a whole partner; a partner removed meanwhile is left out.
  while (part_ != Part::kDone) {
    const bool rows = part_ == Part::kRows;
    for (; group_ < assess::kStatusesWorstFirst.size(); ++group_) {
      const std::size_t end = group_begin_[group_ + 1];
      if (next_ == end) continue;  // an empty group, or one written whole
      if (rows && !group_open_) {
        AppendGroupHead(out, assess::kStatusesWorstFirst[group_], end - group_begin_[group_]);
        group_open_ = true;
      }
      while (next_ < end) {
        if (const state::PartnerState* p = state_->Find(Domain(next_))) {
          if (rows) {
            AppendRows(out, *p, now_);
          } else if (p->last) {
            for (const auto& r : p->last->results) AppendEvidence(out, *p, r, now_);
          }
        }
        ++next_;
        if (next_ == end && group_open_) {
          out += "</tbody>\n";
          group_open_ = false;
        }
        if (out.size() >= limit) return true;
      }
    }
    group_ = 0;
    next_ = 0;
    if (rows) {
      if (table_) out += "</table>\n";
      out += "<h2 id=\"evidence\">Transcripts and findings</h2>\n";
      part_ = Part::kEvidence;
    } else {
      out += "</main>\n</body>\n</html>\n";
      part_ = Part::kDone;
    }
  }
  return false;
}

std::string RenderStatusPage(const state::ExporterState& state,
                             std::chrono::system_clock::time_point now,
                             const std::string& version) {
  std::string out;
  StatusPageStream stream(state, now, version);
  while (stream.Next(out, std::string::npos / 2)) {
  }
  return out;
}

}  // namespace stx::http
