#include "http/request_target.hpp"

namespace stx::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = HexValue(text[i + 1]);
      const int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<RequestTarget> ParseRequestTarget(std::string_view target) {
  if (const auto hash = target.find('#'); hash != std::string_view::npos) {
    target = target.substr(0, hash);
  }
  // Absolute-form (RFC 9112 §3.2.2) is what a client sends to a proxy; servers must accept
  // it. Only the path and query matter here.
  if (const auto scheme = target.find("://");
      scheme != std::string_view::npos && target.front() != '/') {
    const auto path_start = target.find_first_of("/?", scheme + 3);
    target =
        path_start == std::string_view::npos ? std::string_view("/") : target.substr(path_start);
    if (target.front() == '?') return ParseRequestTarget("/" + std::string(target));
  }
  if (target.empty() || target.front() != '/') return std::nullopt;

  RequestTarget out;
  const auto question = target.find('?');
  const auto path = PercentDecode(target.substr(0, question), false);
  if (!path) return std::nullopt;
  out.path = *path;
  if (question == std::string_view::npos) return out;

  std::string_view rest = target.substr(question + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;  // "a=1&&b=2"
    const auto eq = pair.find('=');
    const auto key = PercentDecode(pair.substr(0, eq), true);
    const auto value = PercentDecode(
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!key || !value) return std::nullopt;
    out.query.emplace(*key, *value);  // emplace keeps the first of repeated keys
  }
  return out;
}

}  // namespace stx::http
