#pragma once
#include <string>
#include <vector>

#include "probe/probe_result.hpp"

namespace stx::assess {

/// The RFC 8460 §4.3 result types a sender that reads the EHLO reply as RFC 5321 says would
/// report for this address: "starttls-not-supported" when the reply is not compliant or
/// STARTTLS is refused, "validation-failure" for a failed handshake, else the certificate's
/// failures ("certificate-expired", ...); first, when DANE applies and fails, "tlsa-invalid" or
/// "dnssec-invalid" (assess/dane.hpp). Empty when such a sender gets verified TLS, or on errors.
std::vector<std::string> Rfc8460ResultTypes(const probe::AddressProbeResult& result);

}  // namespace stx::assess
