#pragma once
// What the partner's MTA-STS policy (RFC 8461) makes of one probed address: whether a sender
// that enforces it may deliver there.
#include <string>
#include <string_view>

#include "probe/probe_result.hpp"

namespace stx::assess {

enum class StsStatus {
  kNoPolicy,            ///< no policy in force (none, mode none, or not looked up)
  kValid,               ///< MX covered, TLS 1.2+, certificate valid for the MX host
  kMxNotCovered,        ///< the MX host matches none of the policy's mx patterns (§4.1)
  kNoTls,               ///< no TLS session (no STARTTLS, refused, failed handshake)
  kTlsTooOld,           ///< TLS below 1.2 (§3.3 and §4.2 ask for TLS 1.2)
  kCertificateInvalid,  ///< not trusted, expired, or not for the MX host (§4.2)
};
/// "no_policy", "valid", "mx_not_covered", "no_tls", "tls_too_old", "certificate_invalid".
std::string_view ToString(StsStatus status);

struct StsAssessment {
  StsStatus status = StsStatus::kNoPolicy;
  bool enforce = false;  ///< the policy's mode is enforce (else testing: senders only report)
  bool mx_match = false;
  std::string detail;  ///< one sentence for people
};

StsAssessment AssessMtaSts(const probe::AddressProbeResult& result);

/// The RFC 8460 §4.3.2.2 result type a sender that applies the policy reports, or "".
std::string_view Rfc8460StsResultType(const StsAssessment& a);

/// For an address that fails the partner's policy: a paragraph to forward, saying what the
/// policy does to delivery. Empty when the address passes or there is no policy.
std::string StsExplanation(const probe::AddressProbeResult& result);

}  // namespace stx::assess
