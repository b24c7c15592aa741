#include "probe/probe_result.hpp"

#include <utility>

namespace stx::probe {

std::string_view ToString(Stage stage) {
  switch (stage) {
    case Stage::kDns:
      return "dns";
    case Stage::kConnect:
      return "connect";
    case Stage::kBanner:
      return "banner";
    case Stage::kEhlo:
      return "ehlo";
    case Stage::kStarttls:
      return "starttls";
    case Stage::kTlsHandshake:
      return "tls_handshake";
    case Stage::kEhloTls:
      return "ehlo_tls";
    case Stage::kQuit:
      return "quit";
  }
  return "unknown";
}

std::string_view ToString(FailureKind kind) {
  switch (kind) {
    case FailureKind::kTimeout:
      return "timeout";
    case FailureKind::kRefused:
      return "refused";
    case FailureKind::kUnreachable:
      return "unreachable";
    case FailureKind::kClosed:
      return "closed";
    case FailureKind::kReset:
      return "reset";
    case FailureKind::kRejected:
      return "rejected";
    case FailureKind::kUnavailable:
      return "unavailable";
    case FailureKind::kProtocolViolation:
      return "protocol_violation";
    case FailureKind::kTooLarge:
      return "too_large";
    case FailureKind::kNxDomain:
      return "nxdomain";
    case FailureKind::kServFail:
      return "servfail";
    case FailureKind::kNoData:
      return "nodata";
    case FailureKind::kDnsRefused:
      return "refused";
    case FailureKind::kFailed:
      return "failed";
  }
  return "failed";
}

FailureKind RefusalKind(int reply_code) {
  // RFC 5321 §4.2.3: "421 <domain> Service not available, closing transmission channel".
  return reply_code == 421 ? FailureKind::kUnavailable : FailureKind::kRejected;
}

std::string ProbeError::Reason() const {
  return std::string(ToString(stage)) + "_" + std::string(ToString(kind));
}

std::string_view ToString(TlsOutcome outcome) {
  switch (outcome) {
    case TlsOutcome::kNotAttempted:
      return "not_attempted";
    case TlsOutcome::kEstablished:
      return "established";
    case TlsOutcome::kStarttlsRefused:
      return "starttls_refused";
    case TlsOutcome::kStarttlsFailed:
      return "starttls_failed";
    case TlsOutcome::kHandshakeFailed:
      return "handshake_failed";
  }
  return "not_attempted";
}

namespace {

StoredEhlo ReadStoredLines(std::string_view lines) {
  StoredEhlo out;
  bool final_seen = false;
  while (!lines.empty()) {
    const std::size_t end = lines.find('\n');
    const std::string_view raw = lines.substr(0, end);
    lines.remove_prefix(end == std::string_view::npos ? lines.size() : end + 1);
    smtp::ReplyLine line;
    if (!smtp::ParseReplyLine(raw, line)) continue;  // stored from parsed lines: never happens
    // RFC 5321 §4.2.1: the reply ends at its first line without '-'.
    if (final_seen) {
      out.trailing.push_back(std::move(line));
      continue;
    }
    final_seen = !line.continued;
    if (final_seen) out.reply.code = line.code;
    out.reply.lines.push_back(std::move(line));
  }
  return out;
}

template <class T>
void ShrinkStrings(std::vector<T>& items) {
  for (auto& item : items) item.shrink_to_fit();
  items.shrink_to_fit();
}

}  // namespace

EhloSummary::EhloSummary(const smtp::EhloAnalysis& analysis)
    : ehlo_class(analysis.ehlo_class),
      greeting(analysis.greeting),
      keywords(analysis.keywords),
      sees_starttls(analysis.sees_starttls),
      starttls_line(analysis.starttls_line) {}

smtp::EhloAnalysis EhloSummary::Analysis() const {
  smtp::EhloAnalysis out;
  out.ehlo_class = ehlo_class;
  out.greeting = greeting;
  out.keywords = keywords.ToVector();
  out.sees_starttls = sees_starttls;
  out.starttls_line = starttls_line;
  return out;
}

std::string StoredEhloLines(const smtp::Reply& reply,
                            const std::vector<smtp::ReplyLine>& trailing) {
  std::string out;
  for (const auto* lines : {&reply.lines, &trailing}) {
    for (const auto& line : *lines) (out += line.raw) += '\n';
  }
  return out;
}

StoredEhlo ReadStoredEhlo(const AddressProbeResult& result) {
  return ReadStoredLines(result.misordered_ehlo);
}

void ShrinkToFit(AddressProbeResult& r) {
  r.mx_host.shrink_to_fit();
  r.stage_durations.shrink_to_fit();
  if (r.error) r.error->detail.shrink_to_fit();
  r.banner.shrink_to_fit();
  r.ehlo.greeting.shrink_to_fit();
  r.ehlo.keywords.ShrinkToFit();
  r.misordered_ehlo.shrink_to_fit();
  r.tls_detail.shrink_to_fit();
  // Not r.tls->leaf: shared with other results, and described without slack.
  if (r.tls) ShrinkStrings(r.tls->failures);
  r.ehlo_tls_keywords.ShrinkToFit();
  for (auto& finding : r.findings) finding.detail.shrink_to_fit();
  r.findings.shrink_to_fit();
  r.transcript.ShrinkToFit();
}

}  // namespace stx::probe
