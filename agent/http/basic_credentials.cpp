#include "http/basic_credentials.hpp"

#include <array>
#include <cstdint>

namespace stx::http {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> DecodeTable() {
  std::array<std::int8_t, 256> table{};
  table.fill(-1);
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  }
  return table;
}
constexpr std::array<std::int8_t, 256> kDecode = DecodeTable();

/// RFC 4648 §4 base64; "=" padding only at the end and only as much as the length needs, or
/// none at all (some clients leave it out).
std::optional<std::string> DecodeBase64(std::string_view text) {
  std::size_t padding = 0;
  while (!text.empty() && text.back() == '=' && padding < 2) {
    text.remove_suffix(1);
    ++padding;
  }
  if (text.size() % 4 == 1) return std::nullopt;  // no whole byte in a lone character
  if (padding != 0 && (text.size() + padding) % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t bits = 0;
  int count = 0;
  for (const char c : text) {
    const std::int8_t value = kDecode[static_cast<unsigned char>(c)];
    if (value < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xffu));
    }
  }
  return out;
}

bool HasControlCharacter(std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) return true;
  }
  return false;
}

bool IsBasicScheme(std::string_view scheme) {
  if (scheme.size() != 5) return false;
  for (std::size_t i = 0; i < 5; ++i) {
    const char lower = static_cast<char>(scheme[i] | 0x20);  // ASCII letters only below
    if (lower != "basic"[i]) return false;
  }
  return true;
}

}  // namespace

std::optional<BasicCredentials> ParseBasicAuthorization(std::string_view value) {
  if (value.empty() || value.size() > kMaxAuthorizationBytes) return std::nullopt;
  const auto space = value.find(' ');
  if (space == std::string_view::npos || !IsBasicScheme(value.substr(0, space))) {
    return std::nullopt;
  }
  std::string_view token = value.substr(space);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  const std::optional<std::string> decoded = DecodeBase64(token);
  if (!decoded || decoded->empty()) return std::nullopt;
  // RFC 7617 §2: the user-id cannot contain a colon; the password may.
  const auto colon = decoded->find(':');
  if (colon == std::string::npos || colon == 0 || HasControlCharacter(*decoded)) {
    return std::nullopt;
  }
  return BasicCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

}  // namespace stx::http
