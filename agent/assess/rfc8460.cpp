#include "assess/rfc8460.hpp"

#include <algorithm>

#include "assess/dane.hpp"
#include "assess/mta_sts.hpp"

namespace stx::assess {

namespace {

std::vector<std::string> SessionResultTypes(const probe::AddressProbeResult& result) {
  using probe::TlsOutcome;
  if (result.ehlo_class == smtp::EhloClass::kError) return {};
  // RFC 8460 §4.3.1: a STARTTLS the sender does not see is "not supported" to it.
  if (result.ehlo_class != smtp::EhloClass::kCompliant) return {"starttls-not-supported"};
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

}  // namespace

std::vector<std::string> Rfc8460ResultTypes(const probe::AddressProbeResult& result) {
  std::vector<std::string> types = SessionResultTypes(result);
  // A DANE sender reports the policy failure (RFC 8460 §4.3.2.1) along with the session's.
  if (DaneConsidered(result)) {
    const std::string_view dane = Rfc8460DaneResultType(AssessDane(result));
    if (!dane.empty()) types.insert(types.begin(), std::string(dane));
  }
  if (result.sts) {
    const std::string_view sts = Rfc8460StsResultType(AssessMtaSts(result));
    if (!sts.empty() && std::find(types.begin(), types.end(), sts) == types.end()) {
      types.emplace_back(sts);
    }
  }
  return types;
}

}  // namespace stx::assess
