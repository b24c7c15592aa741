#pragma once
// Checks of the [web] table's values: TLS files, TLS version, basic-auth users and their
// bcrypt hashes. No toml++; the TLS files are read with OpenSSL, so that a bad PEM or a key
// that does not match its certificate fails the load, not the first scrape.
#include <filesystem>
#include <string>
#include <string_view>

#include "config/config_values.hpp"
#include "config/exporter_config.hpp"

namespace stx::config {

/// The cost range accepted in a bcrypt hash. 4 is bcrypt's own minimum; above 14 one login
/// check takes over a second on a server core (each step doubles it), all on the exporter's one
/// verification thread.
inline constexpr int kMinBcryptCost = 4;
inline constexpr int kMaxBcryptCost = 14;

/// "TLS1.2" or "TLS1.3".
Checked<TlsVersion> CheckTlsMinVersion(std::string_view text);

/// The certificate chain file (PEM, leaf first), read now; its path, taken from `directory`
/// when relative.
Checked<std::string> CheckTlsCertFile(std::string_view text,
                                      const std::filesystem::path& directory);

/// The private key file (PEM, unencrypted), read now and checked against the leaf of
/// `cert_path` (a path CheckTlsCertFile accepted); its path, taken from `directory` when
/// relative.
Checked<std::string> CheckTlsKeyFile(std::string_view text, const std::filesystem::path& directory,
                                     const std::string& cert_path);

/// A basic-auth user name: not empty, no ':' (RFC 7617 §2: the user-id ends at the first
/// colon) and no control characters. Returns "" when valid.
std::string CheckUserName(std::string_view name);

/// A bcrypt hash as crypt(3) writes it: "$2a$", "$2b$" or "$2y$", a two-digit cost from
/// kMinBcryptCost to kMaxBcryptCost, "$", 22 characters of salt and 31 of hash in bcrypt's
/// alphabet, with the canonical last character of each (else no password can ever match).
/// Returns "" when valid. The message never quotes the value beyond its "$2b$10$" prefix: a
/// hash (or a password pasted by mistake) must not end up in logs.
std::string CheckBcryptHash(std::string_view hash);

}  // namespace stx::config
