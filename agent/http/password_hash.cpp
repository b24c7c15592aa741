#include "http/password_hash.hpp"

#include <crypt.h>
#include <openssl/crypto.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace stx::http {
namespace {

/// crypt_rn's work area is 32 KiB: on the heap, zeroed as libxcrypt asks, and wiped after use
/// since it held the password.
struct CryptArea {
  CryptArea() : data(std::make_unique<crypt_data>()) { std::memset(data.get(), 0, sizeof *data); }
  ~CryptArea() { OPENSSL_cleanse(data.get(), sizeof *data); }
  CryptArea(const CryptArea&) = delete;
  CryptArea& operator=(const CryptArea&) = delete;
  std::unique_ptr<crypt_data> data;
};

}  // namespace

std::string HashPassword(std::string_view password, int cost) {
  if (password.find('\0') != std::string_view::npos) {
    throw std::invalid_argument("the password contains a NUL byte");
  }
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  // A null random-bytes argument makes libxcrypt read its own randomness (getrandom(2)).
  if (crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost), nullptr, 0, setting,
                       sizeof setting) == nullptr) {
    throw std::runtime_error("crypt_gensalt_rn($2b$, cost " + std::to_string(cost) +
                             ") failed: " + std::strerror(errno));
  }
  const std::string phrase(password);
  CryptArea area;
  const char* hash = crypt_rn(phrase.c_str(), setting, area.data.get(), sizeof *area.data);
  if (hash == nullptr) {
    throw std::runtime_error(std::string("crypt_rn failed: ") + std::strerror(errno));
  }
  return hash;
}

bool VerifyPassword(std::string_view password, const std::string& hash) {
  if (password.find('\0') != std::string_view::npos) return false;
  std::string phrase(password);
  CryptArea area;
  const char* computed = crypt_rn(phrase.c_str(), hash.c_str(), area.data.get(), sizeof *area.data);
  OPENSSL_cleanse(phrase.data(), phrase.size());
  if (computed == nullptr) return false;
  // The lengths are not secret (every bcrypt hash is 60 characters); the bytes are compared
  // without an early exit, so the time does not tell how much of a guess was right.
  const std::size_t length = std::strlen(computed);
  return length == hash.size() && CRYPTO_memcmp(computed, hash.data(), length) == 0;
}

}  // namespace stx::http
