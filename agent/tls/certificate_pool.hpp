#pragma once
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "tls/shared_optional.hpp"
#include "tls/tls_facts.hpp"

namespace stx::tls {

/// One description per distinct certificate among the results alive. Every address of a hosting
/// provider presents the same certificate (hundreds of partners' MX hosts may be one
/// provider's), and the exporter keeps the latest result of every address: a description is
/// about 500 bytes. The pool holds no description alive itself (weak references); an entry
/// goes when the last result holding it does. Thread-safe.
class CertificatePool {
 public:
  /// The description of the certificate with this SHA-256 fingerprint: the one a live result
  /// already holds, else `describe()`'s, which the next caller then shares.
  SharedOptional<CertificateInfo> Get(std::string_view sha256_fingerprint,
                                      const std::function<CertificateInfo()>& describe);

  /// Entries, expired ones not yet dropped included (they go as the pool grows).
  std::size_t size() const;

  /// The pool ExtractTlsFacts uses.
  static CertificatePool& Process();

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::weak_ptr<const CertificateInfo>, std::less<>> entries_;
  std::size_t sweep_at_ = 64;  ///< drop expired entries when the map reaches this size
};

}  // namespace stx::tls
