#pragma once
// The credentials of an "Authorization: Basic ..." header field (RFC 7617). Pure code: no
// Asio, no OpenSSL; the bcrypt check is password_hash.hpp's.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace stx::http {

struct BasicCredentials {
  std::string user;
  std::string password;
};

/// Longer Authorization values are refused unread: a user name and password fit in a fraction
/// of it, and bcrypt reads at most 72 bytes of a password anyway.
inline constexpr std::size_t kMaxAuthorizationBytes = 1024;

/// The user and password of an Authorization field value "Basic <base64(user:password)>":
/// the scheme in any case (RFC 9110 §11.1), one or more spaces, then base64 (RFC 4648 §4;
/// padding may be left out). Nullopt when the value is empty, of another scheme, longer than
/// kMaxAuthorizationBytes, not base64, without a colon in the decoded text, with an empty user
/// or with control characters (RFC 7617 §2 forbids them in both parts).
std::optional<BasicCredentials> ParseBasicAuthorization(std::string_view value);

/// The value of a WWW-Authenticate field that asks for Basic credentials (RFC 7617 §2, with
/// the charset parameter of §2.1: user names and passwords are UTF-8).
inline constexpr std::string_view kBasicChallenge =
    "Basic realm=\"starttls_exporter\", charset=\"UTF-8\"";

}  // namespace stx::http
