#include "http/verification_cache.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <stdexcept>

namespace stx::http {
namespace {

struct DigestFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

void Feed(EVP_MD_CTX* context, std::string_view part) {
  std::array<unsigned char, 8> length{};
  auto n = static_cast<std::uint64_t>(part.size());
  for (auto& byte : length) {
    byte = static_cast<unsigned char>(n & 0xffu);
    n >>= 8;
  }
  if (EVP_DigestUpdate(context, length.data(), length.size()) != 1 ||
      EVP_DigestUpdate(context, part.data(), part.size()) != 1) {
    throw std::runtime_error("EVP_DigestUpdate failed");
  }
}

}  // namespace

VerificationCache::Key VerificationCache::KeyOf(std::string_view user, std::string_view password,
                                                std::string_view hash) {
  const std::unique_ptr<EVP_MD_CTX, DigestFree> context(EVP_MD_CTX_new());
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("EVP_DigestInit_ex(SHA-256) failed");
  }
  Feed(context.get(), user);
  Feed(context.get(), password);
  Feed(context.get(), hash);
  Key key{};
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(context.get(), key.data(), &size) != 1 || size != key.size()) {
    throw std::runtime_error("EVP_DigestFinal_ex(SHA-256) failed");
  }
  return key;
}

VerificationCache::VerificationCache(std::size_t capacity)
    : capacity_(capacity == 0 ? 1 : capacity) {
  entries_.reserve(capacity_);
}

bool VerificationCache::Contains(const Key& key) const {
  int found = 0;
  for (const Key& entry : entries_) {
    found |= CRYPTO_memcmp(entry.data(), key.data(), key.size()) == 0 ? 1 : 0;
  }
  return found != 0;
}

void VerificationCache::Insert(const Key& key) {
  if (Contains(key)) return;
  if (entries_.size() < capacity_) {
    entries_.push_back(key);
    return;
  }
  entries_[oldest_] = key;
  oldest_ = (oldest_ + 1) % capacity_;
}

void VerificationCache::Clear() {
  entries_.clear();
  oldest_ = 0;
}

}  // namespace stx::http
