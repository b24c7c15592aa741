#include "http/html_text.hpp"

#include "common/display_text.hpp"
#include "common/time_format.hpp"

#include <ctime>

namespace stx::http {

std::string EscapeHtml(std::string_view raw) {
  // The page is declared UTF-8 and may quote a partner's bytes: control characters (but line
  // breaks and tabs, which <pre> blocks lay out) and invalid UTF-8 are shown as \xHH.
  const std::string text = DisplayText(raw, "\n\t");
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string FragmentId(std::string_view prefix, std::initializer_list<std::string_view> parts) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(prefix);
  bool first = true;
  for (const std::string_view part : parts) {
    if (!first) out += "--";
    first = false;
    for (const char c : part) {
      const auto byte = static_cast<unsigned char>(c);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
          (c == '-' && out.back() != '-')) {
        out.push_back(c);
      } else {
        // '-' after '-' is escaped too, so that "--" only ever separates parts.
        out.push_back('_');
        out.push_back(kHex[byte >> 4]);
        out.push_back(kHex[byte & 0xf]);
      }
    }
  }
  return out;
}

std::string UtcDateTime(std::int64_t unix_seconds) {
  return stx::FormatUtc(unix_seconds, "%Y-%m-%d %H:%M:%S UTC");
}

std::string Ago(std::int64_t seconds) {
  if (seconds < 0) return "just now";
  if (seconds < 120) return std::to_string(seconds) + " s ago";
  if (seconds < 2 * 3600) return std::to_string(seconds / 60) + " min ago";
  if (seconds < 2 * 86400) return std::to_string(seconds / 3600) + " h ago";
  return std::to_string(seconds / 86400) + " d ago";
}

}  // namespace stx::http
