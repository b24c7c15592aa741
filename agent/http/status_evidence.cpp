#include "http/status_evidence.hpp"

#include "assess/evidence.hpp"
#include "assess/explanation.hpp"
#include "assess/status.hpp"
#include "http/html_text.hpp"

namespace stx::http {
namespace {

std::string SpanHtml(const assess::Span& span) {
  const std::string text = EscapeHtml(span.text);
  switch (span.tone) {
    case assess::Tone::kGood:
      return "<span class=\"ok\">" + text + "</span>";
    case assess::Tone::kBad:
      return "<span class=\"bad\">" + text + "</span>";
    case assess::Tone::kWarn:
      return "<span class=\"warn\">" + text + "</span>";
    case assess::Tone::kCode:
      return "<code>" + text + "</code>";
    case assess::Tone::kPlain:
      break;
  }
  return text;
}

std::string LineHtml(const assess::EvidenceLine& line) {
  std::string html;
  for (const auto& span : line) html += SpanHtml(span);
  return html;
}

// One evidence item as a <dt>/<dd> pair: lines joined by <br>, a list as <ul>.
void AppendItem(std::string& out, const assess::EvidenceItem& item) {
  out += "<dt>" + EscapeHtml(item.label) + "</dt><dd>";
  if (!item.note.empty()) out += "<span class=\"small\">" + EscapeHtml(item.note) + ":</span> ";
  if (item.lines.empty()) {
    out += "none";
  } else if (item.list) {
    out += "<ul class=\"findings\">";
    for (const auto& line : item.lines) out += "<li>" + LineHtml(line) + "</li>";
    out += "</ul>";
  } else {
    for (std::size_t i = 0; i < item.lines.size(); ++i) {
      out += (i == 0 ? "" : "<br>") + LineHtml(item.lines[i]);
    }
  }
  out += "</dd>\n";
}

void AppendTranscript(std::string& out, const probe::AddressProbeResult& r, bool open) {
  out += open ? "<details class=\"transcript\" open>" : "<details class=\"transcript\">";
  out += "<summary>Transcript (" + std::to_string(r.transcript.size()) + " lines" +
         (r.transcript_truncated ? ", truncated" : "") + ")</summary><pre>";
  for (const auto& line : r.transcript) {
    const char* css = "t-note";
    const char* who = "  #";
    if (line.direction == probe::TranscriptLine::Direction::kServer) {
      css = "t-S";
      who = "S:";
    } else if (line.direction == probe::TranscriptLine::Direction::kClient) {
      css = "t-C";
      who = "C:";
    }
    out += "<span class=\"";
    out += css;
    out += "\">";
    out += line.encrypted ? "[tls] " : "";
    out += who;
    out += " " + EscapeHtml(line.text) + "</span>\n";
  }
  out += "</pre></details>\n";
}

}  // namespace

std::string EvidenceId(const state::PartnerState& partner, const probe::AddressProbeResult& r) {
  return FragmentId("t-", {partner.partner.domain, r.mx_host, assess::AddressText(r)});
}

void AppendEvidence(std::string& out, const state::PartnerState& partner,
                    const probe::AddressProbeResult& r, std::int64_t now) {
  const std::string status(assess::ToString(assess::AddressStatus(r, partner.partner.senders)));
  out += "<section class=\"evidence\" id=\"" + EvidenceId(partner, r) + "\" data-domain=\"" +
         EscapeHtml(partner.partner.domain) + "\" data-address=\"" +
         EscapeHtml(state::KeyOf(r).address) + "\" data-status=\"" + status +
         "\">\n<h3><span class=\"badge " + status + "\">" + status + "</span> " +
         EscapeHtml(partner.partner.domain) + " · " + EscapeHtml(r.mx_host) +
         (r.mx_preference ? " (MX " + std::to_string(r.mx_preference) + ")" : "") + " · " +
         EscapeHtml(assess::AddressText(r)) + "</h3>\n<dl>\n";
  for (const auto& item : assess::AddressEvidence(r, now, partner.partner.senders)) AppendItem(out, item);
  out += "</dl>\n";
  if (const std::string explanation = assess::Explanation(r); !explanation.empty()) {
    out +=
        "<details class=\"explanation\" open><summary>Explanation to forward to the "
        "partner</summary><pre>" +
        EscapeHtml(explanation) + "</pre></details>\n";
  }
  // Problems are shown open: that transcript is what the SRE came for. A compliant one is a
  // click away.
  AppendTranscript(out, r, r.ehlo_class != smtp::EhloClass::kCompliant);
  out += "</section>\n";
}

}  // namespace stx::http
