#include "assess/sender_verdict.hpp"

namespace stx::assess {

bool SeesStarttls(const probe::AddressProbeResult& result, std::size_t profile) {
  return result.ehlo_class != smtp::EhloClass::kError && profile < smtp::kMaxClientProfiles &&
         result.ehlo.sees_starttls.test(profile);
}

bool GetsTls(const probe::AddressProbeResult& result, std::size_t profile) {
  return SeesStarttls(result, profile) && result.tls_outcome == probe::TlsOutcome::kEstablished;
}

std::string Verdict(const probe::AddressProbeResult& r, std::size_t profile) {
  using probe::TlsOutcome;
  if (r.ehlo_class == smtp::EhloClass::kError) {
    return "cannot deliver: " + (r.error ? r.error->detail : std::string("no EHLO reply"));
  }
  if (!SeesStarttls(r, profile)) {
    return "sends in clear (or defers when TLS is required): STARTTLS not seen";
  }
  switch (r.tls_outcome) {
    case TlsOutcome::kEstablished:
      return "uses TLS (" + (r.tls ? r.tls->version + ", " + r.tls->cipher : "") + ")";
    case TlsOutcome::kStarttlsRefused:
      return "sends in clear or defers: STARTTLS refused (" + r.tls_detail + ")";
    case TlsOutcome::kStarttlsFailed:
      return "defers: STARTTLS failed (" + r.tls_detail + ")";
    case TlsOutcome::kHandshakeFailed:
      return "defers or falls back to clear text: TLS handshake failed (" + r.tls_detail + ")";
    case TlsOutcome::kNotAttempted:
      break;
  }
  return "STARTTLS not attempted";
}

}  // namespace stx::assess
