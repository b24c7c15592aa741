#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace stx::scripted {

/// What one leaf certificate should look like. Validity is in days relative to the moment the
/// EphemeralPki was created (`EphemeralPki::now_unix()`), so every certificate of one PKI shares
/// one "now".
struct CertSpec {
  std::string host = "mx.test";      ///< subject CN and the only SAN DNS name
  std::vector<std::string> ip_sans;  ///< extra SAN IP addresses ("127.0.0.1", "::1")
  /// Extra SAN DNS names, any bytes but ',' (a hostile partner's certificate may hold control
  /// characters or bytes that are not UTF-8 there).
  std::vector<std::string> dns_sans;
  int not_before_days = -1;
  int not_after_days = 30;
  bool self_signed = false;  ///< signed by its own key, not by the CA: untrusted
  /// Intermediate CAs between the test CA and the leaf; the served chain file holds the leaf
  /// then these (issuer of the leaf first), never the root.
  int intermediates = 0;
  int intermediate_not_before_days = -1;
  int intermediate_not_after_days = 365;
  /// Base name of the written files (`<name>.pem`, `<name>.crt`, `<name>.key`); when empty,
  /// a unique name is derived from a counter and the host.
  std::string name;

  /// A certificate a verifying client accepts for `host`.
  static CertSpec Valid(std::string host = "mx.test");
  /// Validity window entirely in the past (notAfter yesterday).
  static CertSpec Expired(std::string host = "mx.test");
  /// Validity window entirely in the future (notBefore tomorrow).
  static CertSpec NotYetValid(std::string host = "mx.test");
  /// Trusted, but issued for a host name other than the probed one.
  static CertSpec WrongHost(std::string wrong_host = "wrong-host.test");
  /// Not issued by the test CA, so not trusted by a client that trusts only `ca_path()`.
  static CertSpec SelfSigned(std::string host = "mx.test");
  /// Leaf valid for `leaf_days`, under one intermediate that expires after
  /// `intermediate_days`; with intermediate_days < leaf_days the chain's earliest expiry is
  /// the intermediate's.
  static CertSpec WithIntermediate(std::string host = "mx.test", int intermediate_days = 10,
                                   int leaf_days = 60);
};

/// The files written for one leaf, and its facts for assertions.
struct CertFiles {
  std::string cert_chain_pem_path;  ///< leaf, then intermediates: what a server serves
  std::string cert_pem_path;        ///< the leaf alone
  std::string key_path;             ///< the leaf's private key (PKCS#8 PEM, unencrypted)
  std::int64_t not_before_unix = 0;
  std::int64_t not_after_unix = 0;
  /// Earliest notAfter over the leaf and its intermediates (the root excluded).
  std::int64_t chain_not_after_unix = 0;
  std::string serial_hex;  ///< the leaf's serial number, upper-case hex
};

/// A throw-away certificate authority for tests, generated with the OpenSSL 3 API into a
/// directory: `ca.pem` (the root, also `ca.key`) and leaves from `Issue`. EC P-256 keys keep
/// generation to about a millisecond per certificate. Throws std::runtime_error on failure.
/// Not thread-safe: issue from one thread.
/// A fresh private directory under $TMPDIR (or /tmp), for a PKI's files; throws on failure.
std::string MakePkiDirectory(const std::string& prefix);

class EphemeralPki {
 public:
  explicit EphemeralPki(std::string dir);
  ~EphemeralPki();
  EphemeralPki(const EphemeralPki&) = delete;
  EphemeralPki& operator=(const EphemeralPki&) = delete;
  EphemeralPki(EphemeralPki&&) noexcept;
  EphemeralPki& operator=(EphemeralPki&&) noexcept;

  /// Generates a leaf (and its intermediates) and writes its files.
  CertFiles Issue(const CertSpec& spec);

  const std::string& dir() const;
  /// The root certificate to trust.
  const std::string& ca_path() const;
  /// The reference time of every validity window, in seconds since the epoch.
  std::int64_t now_unix() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace stx::scripted
