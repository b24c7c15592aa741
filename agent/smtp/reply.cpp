#include "smtp/reply.hpp"

namespace stx::smtp {

bool ParseReplyLine(std::string_view line, ReplyLine& out) {
  // RFC 5321 §4.2: Reply-code = %x32-35 %x30-35 %x30-39
  if (line.size() < 3) return false;
  const char d0 = line[0], d1 = line[1], d2 = line[2];
  if (d0 < '2' || d0 > '5' || d1 < '0' || d1 > '5' || d2 < '0' || d2 > '9') return false;
  bool continued = false;
  std::string_view text;
  if (line.size() > 3) {
    if (line[3] == '-') {
      continued = true;
    } else if (line[3] != ' ') {
      return false;  // "250STARTTLS": no separator
    }
    text = line.substr(4);
  }
  out.code = (d0 - '0') * 100 + (d1 - '0') * 10 + (d2 - '0');
  out.continued = continued;
  out.text.assign(text);
  out.raw.assign(line);
  return true;
}

std::string EscapeForDisplay(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size());
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(ch);
    } else if (c == '\\') {
      out += "\\\\";
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0f]);
    }
  }
  return out;
}

std::string Reply::Summary() const {
  std::string out;
  for (const auto& line : lines) {
    if (!out.empty()) out += " / ";
    out += EscapeForDisplay(line.raw);
  }
  return out;
}

}  // namespace stx::smtp
