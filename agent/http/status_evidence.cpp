#include "http/status_evidence.hpp"

#include "http/html_text.hpp"
#include "http/partner_status.hpp"
#include "report/time_format.hpp"

namespace stx::http {
namespace {

std::string Join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

void Fact(std::string& out, std::string_view name, const std::string& html) {
  out += "<dt>";
  out += name;
  out += "</dt><dd>" + html + "</dd>\n";
}

std::string TlsHtml(const probe::AddressProbeResult& r) {
  switch (r.tls_outcome) {
    case probe::TlsOutcome::kNotAttempted:
      return "not attempted (STARTTLS not offered)";
    case probe::TlsOutcome::kEstablished:
      return EscapeHtml(r.tls ? r.tls->version + ", " + r.tls->cipher : "established");
    default:
      return "<span class=\"bad\">" + EscapeHtml(probe::ToString(r.tls_outcome)) +
             "</span>: " + EscapeHtml(r.tls_detail);
  }
}

std::string CertificateHtml(const tls::TlsFacts& t, std::int64_t now) {
  const tls::CertificateInfo& c = *t.leaf;
  std::vector<std::string> names = c.dns_names;
  names.insert(names.end(), c.ip_addresses.begin(), c.ip_addresses.end());
  std::string html = EscapeHtml(c.subject) + "<br>issuer " + EscapeHtml(c.issuer) + "<br>valid " +
                     EscapeHtml(report::Rfc3339(c.not_before)) + " to " +
                     EscapeHtml(report::Rfc3339(c.not_after)) + " (" +
                     (c.not_after < now ? "<span class=\"bad\">EXPIRED " : "<span>expires ") +
                     EscapeHtml(report::Relative(c.not_after, now)) + "</span>)";
  if (t.chain_earliest_not_after != 0 && t.chain_earliest_not_after != c.not_after) {
    html += "<br>earliest expiry in the chain " +
            EscapeHtml(report::Rfc3339(t.chain_earliest_not_after));
  }
  if (!names.empty()) html += "<br>names " + EscapeHtml(Join(names, ", "));
  html += "<br>chain of " + std::to_string(t.chain_length) + ": " +
          (t.chain_valid
               ? std::string("<span class=\"ok\">trusted</span>")
               : "<span class=\"bad\">NOT trusted</span> (" + EscapeHtml(t.verify_error) + ")") +
          "; host name " + EscapeHtml(t.expected_host) + ": " +
          (t.hostname_valid ? "<span class=\"ok\">matches</span>"
                            : "<span class=\"bad\">does NOT match</span>");
  return html;
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

std::string AddressText(const probe::AddressProbeResult& r) {
  if (r.error && r.error->stage == probe::Stage::kDns) return "(no address)";
  const std::string a = r.address.to_string();
  return (r.address.is_v6() ? "[" + a + "]" : a) + ":" + std::to_string(r.port);
}

std::string EvidenceId(const state::PartnerState& partner, const probe::AddressProbeResult& r) {
  return FragmentId("t-", {partner.partner.domain, r.mx_host, AddressText(r)});
}

void AppendEvidence(std::string& out, const state::PartnerState& partner,
                    const probe::AddressProbeResult& r, std::int64_t now) {
  const std::string status = AddressStatus(r);
  out += "<section class=\"evidence\" id=\"" + EvidenceId(partner, r) + "\" data-domain=\"" +
         EscapeHtml(partner.partner.domain) + "\" data-address=\"" +
         EscapeHtml(state::KeyOf(r).address) + "\" data-status=\"" + status +
         "\">\n<h3><span class=\"badge " + status + "\">" + status + "</span> " +
         EscapeHtml(partner.partner.domain) + " · " + EscapeHtml(r.mx_host) +
         (r.mx_preference ? " (MX " + std::to_string(r.mx_preference) + ")" : "") + " · " +
         EscapeHtml(AddressText(r)) + "</h3>\n<dl>\n";
  if (r.error) {
    Fact(out, "error",
         "<code>" + EscapeHtml(r.error->Reason()) + "</code>: " + EscapeHtml(r.error->detail));
  }
  if (!r.banner.empty()) Fact(out, "banner", "<code>" + EscapeHtml(r.banner) + "</code>");
  Fact(out, "strict client",
       "<span class=\"small\">Postfix, Cisco ESA, Go, Python:</span> " +
           EscapeHtml(probe::Verdict(r, r.strict)));
  Fact(out, "lenient client",
       "<span class=\"small\">openssl s_client, testssl.sh:</span> " +
           EscapeHtml(probe::Verdict(r, r.lenient)));
  if (r.ehlo_class != smtp::EhloClass::kError) {
    Fact(out, "TLS", TlsHtml(r));
    if (r.tls && r.tls->leaf) Fact(out, "certificate", CertificateHtml(*r.tls, now));
    if (!r.ehlo_tls_keywords.empty())
      Fact(out, "offered in TLS", EscapeHtml(r.ehlo_tls_keywords.Joined()));
  }
  if (const auto types = probe::Rfc8460ResultTypes(r); !types.empty()) {
    Fact(out, "RFC 8460",
         "a strict sender reports <code>" + EscapeHtml(Join(types, ", ")) + "</code>");
  }
  std::string findings;
  for (const auto& f : r.findings) {
    findings += "<li><code>" + EscapeHtml(smtp::ToString(f.code)) + "</code> (" +
                EscapeHtml(f.context) + "): " + EscapeHtml(f.detail) + "</li>";
  }
  Fact(out, "findings",
       findings.empty() ? std::string("none") : "<ul class=\"findings\">" + findings + "</ul>");
  out += "</dl>\n";
  if (const std::string explanation = probe::Explanation(r); !explanation.empty()) {
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
