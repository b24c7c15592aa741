#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <boost/asio/ip/address.hpp>

namespace stx {

/// What `check` was asked to probe: a mail domain (MX lookup) or one host[:port].
struct CheckTarget {
  enum class Kind { kDomain, kHost };
  Kind kind = Kind::kDomain;
  std::string host;                   ///< domain or host name, lower-case, no trailing dot
  std::optional<std::uint16_t> port;  ///< when given as host:port
  std::optional<boost::asio::ip::address> literal;  ///< host is an IP address

  bool operator==(const CheckTarget&) const = default;
};

/// The target as ParseCheckTarget reads it back: "example.com", "mx.example.com:25",
/// "192.0.2.1:25", "[2001:db8::1]:25".
std::string ToString(const CheckTarget& target);

/// Parses "example.com", "mx.example.com:25", "192.0.2.1", "192.0.2.1:2525", "[2001:db8::1]:25"
/// or "2001:db8::1". A bare name is a mail domain; anything with a port, or an address, is one
/// host. On error returns a message that says what is wrong and how to write it.
std::variant<CheckTarget, std::string> ParseCheckTarget(std::string_view text);

/// Validates a DNS host or domain name (letters, digits, '-', '_', dots; labels 1-63 octets;
/// at most 253 octets). Returns "" when valid, else the reason.
std::string ValidateDomainName(std::string_view name);

/// A domain name in ASCII, or why it cannot be written so.
struct AsciiDomain {
  std::string name;
  std::string error;  ///< empty when `name` is set
};

/// `name` with each internationalized (UTF-8) label written as its A-label, the form DNS and
/// certificates carry ("bücher.example" -> "xn--bcher-kva.example": IDNA2008, RFC 5891 §4.4,
/// with the UTS #46 mapping mail clients and browsers apply); an ASCII name as it is.
AsciiDomain ToAsciiDomain(std::string_view name);

}  // namespace stx
