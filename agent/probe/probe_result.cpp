#include "probe/probe_result.hpp"

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

ClientView ViewFor(bool sees_starttls, const AddressProbeResult& r) {
  ClientView view;
  view.sees_starttls = sees_starttls;
  if (r.ehlo_class == smtp::EhloClass::kError) {
    view.verdict = "cannot deliver: " + (r.error ? r.error->detail : std::string("no EHLO reply"));
    return view;
  }
  if (!sees_starttls) {
    view.verdict = "sends in clear (or defers when TLS is required): STARTTLS not seen";
    return view;
  }
  switch (r.tls_outcome) {
    case TlsOutcome::kEstablished:
      view.gets_tls = true;
      view.verdict = "uses TLS (" + (r.tls ? r.tls->version + ", " + r.tls->cipher : "") + ")";
      break;
    case TlsOutcome::kStarttlsRefused:
      view.verdict = "sends in clear or defers: STARTTLS refused (" + r.tls_detail + ")";
      break;
    case TlsOutcome::kStarttlsFailed:
      view.verdict = "defers: STARTTLS failed (" + r.tls_detail + ")";
      break;
    case TlsOutcome::kHandshakeFailed:
      view.verdict =
          "defers or falls back to clear text: TLS handshake failed (" + r.tls_detail + ")";
      break;
    case TlsOutcome::kNotAttempted:
      view.verdict = "STARTTLS not attempted";
      break;
  }
  return view;
}

}  // namespace

std::vector<std::string> Rfc8460ResultTypes(const AddressProbeResult& result) {
  if (result.ehlo_class == smtp::EhloClass::kError) return {};
  if (!result.ehlo.strict_sees_starttls) return {"starttls-not-supported"};
  switch (result.tls_outcome) {
    case TlsOutcome::kStarttlsRefused:
    case TlsOutcome::kStarttlsFailed:
      return {"starttls-not-supported"};
    case TlsOutcome::kHandshakeFailed:
      return {"validation-failure"};
    case TlsOutcome::kEstablished:
      return result.tls ? result.tls->failures : std::vector<std::string>{};
    case TlsOutcome::kNotAttempted:
      break;
  }
  return {};
}

void DeriveClientViews(AddressProbeResult& result) {
  result.strict = ViewFor(result.ehlo.strict_sees_starttls, result);
  result.lenient = ViewFor(result.ehlo.lenient_sees_starttls, result);
}

}  // namespace stx::probe
