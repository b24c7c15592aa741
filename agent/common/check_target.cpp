#include "common/check_target.hpp"

#include <idn2.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "common/display_text.hpp"

namespace stx {
namespace {

constexpr const char* kForms =
    "write a mail domain (example.com), a host with a port (mx.example.com:25, 192.0.2.1:25) "
    "or an IPv6 address in brackets ([2001:db8::1]:25)";

std::optional<std::uint16_t> ParsePort(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  unsigned value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsAscii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// "the character '!'", "the character 'é' (U+00E9)": the whole character, never its first
// byte alone (a message must be valid UTF-8); "the byte 0xE9 (not UTF-8)" for a byte that
// starts no UTF-8 character.
std::string CharacterAt(std::string_view text) {
  const auto first = static_cast<unsigned char>(text[0]);
  if (first >= 0x20 && first < 0x7f) return std::string("the character '") + text[0] + "'";
  char code[16];
  if (const auto c = DecodeUtf8(text)) {
    std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(c->code_point));
    return "the character '" + DisplayText(text.substr(0, c->length)) + "' (" + code + ")";
  }
  std::snprintf(code, sizeof code, "0x%02X", static_cast<unsigned>(first));
  return std::string("the byte ") + code + " (not UTF-8)";
}

}  // namespace

AsciiDomain ToAsciiDomain(std::string_view name) {
  if (IsAscii(name)) return {std::string(name), ""};
  if (!IsValidUtf8(name)) return {"", "the name is not valid UTF-8"};
  char* converted = nullptr;
  const int rc = idn2_to_ascii_8z(std::string(name).c_str(), &converted,
                                  IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
  const std::unique_ptr<char, decltype(&idn2_free)> owned(converted, &idn2_free);
  if (rc != IDN2_OK) {
    return {"", "the name is not a valid internationalized domain name (" +
                    std::string(idn2_strerror(rc)) + ")"};
  }
  return {converted, ""};
}

std::string ValidateDomainName(std::string_view name) {
  if (name.empty()) return "the name is empty";
  if (name.size() > 253) return "the name is longer than 253 characters";
  std::size_t label = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '.') {
      if (label == 0) return "the name has an empty label (\"..\" or a leading dot)";
      label = 0;
      continue;
    }
    if (static_cast<unsigned char>(c) >= 0x80) {
      return CharacterAt(name.substr(i)) +
             " is not allowed in a host name; write an internationalized name's labels as "
             "A-labels (\"xn--...\")";
    }
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) {
      return CharacterAt(name.substr(i)) + " is not allowed in a host name";
    }
    if (++label > 63) return "a label is longer than 63 characters";
  }
  if (label == 0) return "the name ends with an empty label";
  return "";
}

std::variant<CheckTarget, std::string> ParseCheckTarget(std::string_view text) {
  if (text.empty()) return std::string("empty target: ") + kForms;
  CheckTarget target;
  std::string_view host = text;
  boost::system::error_code ec;

  if (text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) {
      return "'" + DisplayText(text) + "': missing ']' after the IPv6 address; " + kForms;
    }
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return "'" + DisplayText(text) + "': expected ':PORT' after ']'";
      target.port = ParsePort(rest.substr(1));
      if (!target.port) return "'" + DisplayText(text) + "': port must be a number from 1 to 65535";
    }
    const auto address = boost::asio::ip::make_address_v6(std::string(host), ec);
    if (ec) return "'" + DisplayText(host) + "' is not an IPv6 address; " + kForms;
    target.kind = CheckTarget::Kind::kHost;
    target.literal = boost::asio::ip::address(address);
    target.host = address.to_string();
    return target;
  }

  if (std::count(text.begin(), text.end(), ':') > 1) {  // bare IPv6 address
    const auto address = boost::asio::ip::make_address_v6(std::string(text), ec);
    if (ec) return "'" + DisplayText(text) + "' is not an IPv6 address; " + kForms;
    target.kind = CheckTarget::Kind::kHost;
    target.literal = boost::asio::ip::address(address);
    target.host = address.to_string();
    return target;
  }

  if (const auto colon = text.find(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon);
    target.port = ParsePort(text.substr(colon + 1));
    if (!target.port) return "'" + DisplayText(text) + "': port must be a number from 1 to 65535";
    target.kind = CheckTarget::Kind::kHost;
  }
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  const auto address = boost::asio::ip::make_address_v4(std::string(host), ec);
  if (!ec) {
    target.kind = CheckTarget::Kind::kHost;
    target.literal = boost::asio::ip::address(address);
    target.host = address.to_string();
    return target;
  }
  const AsciiDomain ascii = ToAsciiDomain(host);
  if (!ascii.error.empty()) return "'" + DisplayText(text) + "': " + ascii.error + "; " + kForms;
  if (const std::string why = ValidateDomainName(ascii.name); !why.empty()) {
    return "'" + DisplayText(text) + "': " + why + "; " + kForms;
  }
  target.host = Lower(ascii.name);
  return target;
}

std::string ToString(const CheckTarget& target) {
  const bool v6 = target.literal && target.literal->is_v6();
  std::string out = v6 ? "[" + target.host + "]" : target.host;
  if (target.port) out += ":" + std::to_string(*target.port);
  return out;
}

}  // namespace stx
