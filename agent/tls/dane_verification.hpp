#pragma once
// DANE authentication of a TLS server's presented chain (RFC 6698, RFC 7671, RFC 7672) with
// OpenSSL's DANE API, after the handshake and apart from it: the probe's session keeps its
// WebPKI verification result (what MTA-STS and a certificate report need), and the DANE check
// is one more fact about the same chain.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dns/mail_routing.hpp"

typedef struct ssl_st SSL;  // NOLINT: OpenSSL's own spelling

namespace stx::tls {

/// What the DANE check of one presented chain found.
struct DaneVerification {
  bool matched = false;
  /// Depth in the presented chain of the certificate that matched (0: the server's own), or -1.
  int depth = -1;
  dns::TlsaRecord record;  ///< the record that matched, when one did
  long verify_code = 0;    ///< X509_V_* code of the DANE verification (0 = authenticated)
  std::string verify_error;
  /// The reference identifier the certificate matched (DANE-TA only; RFC 7672 §3.2.2), or "".
  std::string matched_name;
  /// SHA-256 of the server certificate's SubjectPublicKeyInfo (raw bytes): the data of the
  /// "3 1 1" record that would match it, for the partner to publish.
  std::string leaf_spki_sha256;
};

/// Checks the chain the server presented on `ssl` (a client session after its handshake, or
/// after a failed one that got the certificates) against `records`, as a DANE SMTP sender does
/// (RFC 7672 §3): DANE-EE(3) records match the server's certificate or key with no name and
/// no validity check (§3.1.1); DANE-TA(2) records name a trust anchor in the chain, and the
/// chain from it must be valid for one of `names` (the TLSA base domain first, then the
/// next-hop domain, §3.2.2). Records SMTP cannot use are ignored (dns::UsableForSmtp).
/// No certificate: not matched, with a reason.
DaneVerification VerifyDane(SSL* ssl, const std::vector<dns::TlsaRecord>& records,
                            const std::vector<std::string>& names);

}  // namespace stx::tls
