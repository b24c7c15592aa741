#include "common/display_text.hpp"

namespace stx {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

void AppendHex(std::string& out, unsigned char byte) {
  constexpr const char* kHex = "0123456789abcdef";
  out += "\\x";
  out += kHex[byte >> 4];
  out += kHex[byte & 0xf];
}

bool IsContinuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

}  // namespace

std::optional<Utf8Char> DecodeUtf8(std::string_view bytes) {
  if (bytes.empty()) return std::nullopt;
  const auto lead = static_cast<unsigned char>(bytes[0]);
  if (lead < 0x80) return Utf8Char{lead, 1};
  // A continuation byte, an overlong 2-byte lead (C0, C1) or F5..FF starts nothing.
  std::size_t length = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
  } else {
    return std::nullopt;
  }
  constexpr char32_t kLeadBits[] = {0, 0, 0x1F, 0x0F, 0x07};
  constexpr char32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};  // shorter forms are overlong
  char32_t code_point = lead & kLeadBits[length];
  const char32_t minimum = kMinimum[length];
  if (bytes.size() < length) return std::nullopt;
  for (std::size_t i = 1; i < length; ++i) {
    const auto byte = static_cast<unsigned char>(bytes[i]);
    if (!IsContinuation(byte)) return std::nullopt;
    code_point = (code_point << 6) | (byte & 0x3Fu);
  }
  if (code_point < minimum || code_point > 0x10FFFF ||
      (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    return std::nullopt;
  }
  return Utf8Char{code_point, length};
}

bool IsValidUtf8(std::string_view bytes) {
  while (!bytes.empty()) {
    if (static_cast<unsigned char>(bytes[0]) < 0x80) {  // ASCII, nearly all of it: no decoding
      bytes.remove_prefix(1);
      continue;
    }
    const auto c = DecodeUtf8(bytes);
    if (!c) return false;
    bytes.remove_prefix(c->length);
  }
  return true;
}

bool IsControl(char32_t code_point) {
  return code_point < 0x20 || (code_point >= 0x7F && code_point <= 0x9F);
}

std::string DisplayText(std::string_view bytes, std::string_view keep) {
  std::string out;
  out.reserve(bytes.size());
  while (!bytes.empty()) {
    const auto c = DecodeUtf8(bytes);
    const std::size_t length = c ? c->length : 1;
    const bool kept = c && c->code_point < 0x80 && keep.find(bytes[0]) != std::string_view::npos;
    if (c && (kept || !IsControl(c->code_point))) {
      out.append(bytes.data(), length);
    } else {
      for (std::size_t i = 0; i < length; ++i) AppendHex(out, static_cast<unsigned char>(bytes[i]));
    }
    bytes.remove_prefix(length);
  }
  return out;
}

std::string ValidUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  while (!bytes.empty()) {
    if (const auto c = DecodeUtf8(bytes)) {
      out.append(bytes.data(), c->length);
      bytes.remove_prefix(c->length);
    } else {
      out += kReplacement;
      bytes.remove_prefix(1);
    }
  }
  return out;
}

}  // namespace stx
