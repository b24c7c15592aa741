#pragma once
// bcrypt through libxcrypt's crypt(3) (crypt_rn, crypt_gensalt_rn): no hash code of ours.
// Both functions are slow on purpose (tens of milliseconds at cost 10) and block: never call
// them on the io_context's thread (BasicAuthenticator runs them on its own thread).
#include <string>
#include <string_view>

namespace stx::http {

/// The cost `starttls_exporter hash-password` uses unless told otherwise: the usual bcrypt
/// default, tens of milliseconds per check on a current server core.
inline constexpr int kDefaultBcryptCost = 10;

/// A bcrypt hash of `password`: "$2b$", the two-digit `cost`, a random salt (libxcrypt's own
/// source, getrandom(2)). Throws std::invalid_argument for a password with a NUL byte (crypt(3)
/// would cut it there), std::runtime_error when libxcrypt refuses (cost outside 4-31).
std::string HashPassword(std::string_view password, int cost = kDefaultBcryptCost);

/// Whether `password` hashes to `hash` under the hash's own salt and cost; the two hashes are
/// compared in constant time (CRYPTO_memcmp). False for a password with a NUL byte and for a
/// hash that crypt(3) refuses.
bool VerifyPassword(std::string_view password, const std::string& hash);

}  // namespace stx::http
