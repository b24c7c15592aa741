#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tls/dane_verification.hpp"
#include "tls/shared_optional.hpp"

typedef struct ssl_st SSL;  // NOLINT: OpenSSL's own spelling

namespace stx::tls {

struct CertificateInfo {
  std::string subject;  ///< RFC 2253 one-line form
  std::string issuer;
  std::vector<std::string> dns_names;     ///< subjectAltName dNSName entries
  std::vector<std::string> ip_addresses;  ///< subjectAltName iPAddress entries
  std::int64_t not_before = 0;            ///< Unix seconds
  std::int64_t not_after = 0;
  std::string serial;              ///< hex
  std::string sha256_fingerprint;  ///< hex, colon-free
  std::string public_key;          ///< e.g. "RSA 2048", "EC 256"
};

/// What the TLS session and the presented certificates say. A certificate that fails
/// verification is a finding, not an abort: every other fact is still filled in.
struct TlsFacts {
  std::string version;  ///< "TLSv1.3", "TLSv1.2", ...; empty when the handshake failed
  std::string cipher;   ///< OpenSSL's name, e.g. "TLS_AES_256_GCM_SHA384"
  /// Shared by every result that saw the same certificate (CertificatePool).
  SharedOptional<CertificateInfo> leaf;
  std::size_t chain_length = 0;               ///< certificates the server presented
  std::int64_t chain_earliest_not_after = 0;  ///< earliest expiry in the presented chain
  bool chain_valid = false;                   ///< verifies against the trust store (+ --ca-file)
  long verify_code = 0;                       ///< X509_V_* code (0 = ok)
  std::string verify_error;                   ///< OpenSSL's text for verify_code
  std::string expected_host;                  ///< the MX host name the certificate must match
  bool hostname_valid = false;                ///< leaf matches expected_host (RFC 6125 rules)
  /// RFC 8460 result types that apply: "certificate-expired", "certificate-not-trusted",
  /// "certificate-host-mismatch", "validation-failure". Empty when all is well.
  std::vector<std::string> failures;
  /// The DANE check of the same chain, made only when the MX host has usable TLSA records that
  /// DNSSEC validated (RFC 7672 §2.2): rare, so held by pointer.
  std::shared_ptr<const DaneVerification> dane;
};

/// Reads the negotiated version and cipher, the presented chain and the verification outcome
/// from a client SSL object after a handshake (or after a failed one, as far as it got).
/// `expected_host` is a DNS name or an IP address literal.
TlsFacts ExtractTlsFacts(SSL* ssl, std::string_view expected_host);

/// RFC 8460 §4.3 result type for an OpenSSL verification code ("" for X509_V_OK).
std::string_view Rfc8460ResultType(long verify_code);

}  // namespace stx::tls
