#include "common/duration.hpp"

#include <cstdint>
#include <limits>

namespace stx {
namespace {

std::optional<std::int64_t> UnitMilliseconds(std::string_view unit) {
  if (unit == "ms") return 1;
  if (unit == "s") return 1000;
  if (unit == "m") return 60'000;
  if (unit == "h") return 3'600'000;
  if (unit == "d") return 86'400'000;
  return std::nullopt;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::int64_t number = 0;
    const std::size_t digits_start = pos;
    while (pos < text.size() && IsDigit(text[pos])) {
      if (number > (std::numeric_limits<std::int64_t>::max() - 9) / 10) return std::nullopt;
      number = number * 10 + (text[pos] - '0');
      ++pos;
    }
    if (pos == digits_start) return std::nullopt;
    const std::size_t unit_start = pos;
    while (pos < text.size() && !IsDigit(text[pos])) ++pos;
    const auto factor = UnitMilliseconds(text.substr(unit_start, pos - unit_start));
    if (!factor) return std::nullopt;
    if (number > (std::numeric_limits<std::int64_t>::max() - total) / *factor) return std::nullopt;
    total += number * *factor;
  }
  return std::chrono::milliseconds(total);
}

std::string FormatDuration(std::chrono::milliseconds duration) {
  std::int64_t ms = duration.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  struct Unit {
    std::int64_t ms;
    const char* name;
  };
  for (const Unit unit : {Unit{86'400'000, "d"}, Unit{3'600'000, "h"}, Unit{60'000, "m"},
                          Unit{1000, "s"}, Unit{1, "ms"}}) {
    if (ms >= unit.ms) {
      out += std::to_string(ms / unit.ms) + unit.name;
      ms %= unit.ms;
    }
  }
  return out;
}

}  // namespace stx
