#include "report/text_report.hpp"

#include <cstdio>
#include <map>
#include <sstream>

#include "report/time_format.hpp"

namespace stx::report {
namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  return out;
}

std::string Endpoint(const probe::AddressProbeResult& r) {
  if (r.error && r.error->stage == probe::Stage::kDns) return "(no address)";
  const std::string a = r.address.to_string();
  return (r.address.is_v6() ? "[" + a + "]" : a) + ":" + std::to_string(r.port);
}

std::string Join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : sep) + item;
  return out;
}

void WriteTls(std::ostringstream& out, const probe::AddressProbeResult& r, std::int64_t now) {
  out << "  TLS:      ";
  switch (r.tls_outcome) {
    case probe::TlsOutcome::kNotAttempted:
      out << "not attempted (STARTTLS not offered)\n";
      return;
    case probe::TlsOutcome::kEstablished:
      out << r.tls->version << ", " << r.tls->cipher << "\n";
      break;
    default:
      out << probe::ToString(r.tls_outcome) << ": " << r.tls_detail << "\n";
      break;
  }
  if (!r.tls || !r.tls->leaf) return;
  const tls::TlsFacts& t = *r.tls;
  const tls::CertificateInfo& c = *t.leaf;
  out << "  cert:     " << c.subject << "\n"
      << "            issuer " << c.issuer << "\n"
      << "            valid " << Rfc3339(c.not_before) << " to " << Rfc3339(c.not_after) << " ("
      << (c.not_after < now ? "EXPIRED " : "expires ") << Relative(c.not_after, now) << ")\n";
  if (t.chain_earliest_not_after != c.not_after) {
    out << "            earliest expiry in the chain " << Rfc3339(t.chain_earliest_not_after)
        << " (" << Relative(t.chain_earliest_not_after, now) << ")\n";
  }
  if (!c.dns_names.empty() || !c.ip_addresses.empty()) {
    std::vector<std::string> names = c.dns_names;
    names.insert(names.end(), c.ip_addresses.begin(), c.ip_addresses.end());
    out << "            names " << Join(names, ", ") << "\n";
  }
  out << "            chain of " << t.chain_length << ": "
      << (t.chain_valid ? "trusted" : "NOT trusted (" + t.verify_error + ")") << "; host name "
      << t.expected_host << ": " << (t.hostname_valid ? "matches" : "does NOT match") << "\n";
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
                  std::int64_t now) {
  out << "\n" << r.mx_host;
  if (!direct) out << " (MX preference " << r.mx_preference << ")";
  out << "  " << Endpoint(r) << "  " << Upper(smtp::ToString(r.ehlo_class)) << "\n";
  if (r.error) {
    out << "  error:    " << r.error->Reason() << ": " << r.error->detail << "\n";
  }
  if (!r.banner.empty()) out << "  banner:   " << r.banner << "\n";
  out << "  strict client  (Postfix, Cisco ESA, Go, Python): " << probe::Verdict(r, r.strict)
      << "\n"
      << "  lenient client (openssl s_client, testssl.sh):   " << probe::Verdict(r, r.lenient)
      << "\n";
  if (r.ehlo_class != smtp::EhloClass::kError) WriteTls(out, r, now);
  if (const auto types = probe::Rfc8460ResultTypes(r); !types.empty()) {
    out << "  RFC 8460: a strict sender reports " << Join(types, ", ") << "\n";
  }
  if (!r.findings.empty()) {
    out << "  findings:\n";
    for (const auto& f : r.findings) {
      out << "    - " << smtp::ToString(f.code) << " (" << f.context << "): " << f.detail << "\n";
    }
  }
  if (!r.transcript.empty()) {
    out << "  transcript:\n";
    for (const auto& line : r.transcript) {
      const char* who = line.direction == probe::TranscriptLine::Direction::kServer   ? "S:"
                        : line.direction == probe::TranscriptLine::Direction::kClient ? "C:"
                                                                                      : "  #";
      out << "    " << (line.encrypted ? "[tls] " : "") << who << " " << line.text << "\n";
    }
  }
  if (const std::string explanation = probe::Explanation(r); !explanation.empty()) {
    out << "  explanation to forward to the partner:\n";
    std::istringstream lines(explanation);
    for (std::string paragraph; std::getline(lines, paragraph);) {
      for (const auto& line : Wrap(paragraph, 88)) out << "    | " << line << "\n";
    }
  }
}

}  // namespace

std::string ToText(const probe::TargetProbeResult& result, std::int64_t now_unix) {
  std::ostringstream out;
  out << result.target;
  if (result.routing) {
    const dns::MailRouting& routing = *result.routing;
    switch (routing.kind) {
      case dns::RoutingKind::kMx: {
        std::vector<std::string> hosts;
        for (const auto& mx : routing.exchangers) {
          hosts.push_back(mx.host + " (" + std::to_string(mx.preference) + ")");
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
    if (routing.mx_authenticated) out << " [DNSSEC validated]";
  }
  out << "\n";
  if (result.error)
    out << "error: " << result.error->Reason() << ": " << result.error->detail << "\n";
  std::map<std::string, int> counts;
  for (const auto& r : result.results) {
    WriteAddress(out, r, result.direct, now_unix);
    ++counts[std::string(smtp::ToString(r.ehlo_class))];
  }
  char duration[32];
  std::snprintf(duration, sizeof duration, "%.2f", result.duration_seconds);
  out << "\n"
      << result.results.size() << " address" << (result.results.size() == 1 ? "" : "es") << ": "
      << counts["compliant"] << " compliant, " << counts["misordered"] << " misordered, "
      << counts["no_starttls"] << " no_starttls, " << counts["error"] << " error (" << duration
      << " s)\n";
  return out.str();
}

}  // namespace stx::report
