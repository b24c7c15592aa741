#pragma once
// Successful password checks, remembered so that a scraper sending the same credentials every
// 15 s costs one SHA-256 and a scan of a few dozen entries, not a bcrypt run each time.
#include <array>
#include <cstddef>
#include <string_view>
#include <vector>

namespace stx::http {

class VerificationCache {
 public:
  /// SHA-256 (OpenSSL EVP) over the user, the password and the bcrypt hash, each preceded by
  /// its length so that no two triples share an input. The hash is part of the key: an entry
  /// made under an old hash never vouches for a new one.
  using Key = std::array<unsigned char, 32>;
  static Key KeyOf(std::string_view user, std::string_view password, std::string_view hash);

  /// Holds at most `capacity` keys (at least 1); when full, the oldest goes.
  explicit VerificationCache(std::size_t capacity);

  /// Compares `key` with every entry in constant time (CRYPTO_memcmp, no early exit), so the
  /// time taken says nothing about how close a guess came.
  bool Contains(const Key& key) const;
  void Insert(const Key& key);
  void Clear();
  std::size_t size() const { return entries_.size(); }

 private:
  std::size_t capacity_;
  std::vector<Key> entries_;
  std::size_t oldest_ = 0;  ///< next to be replaced once full
};

}  // namespace stx::http
