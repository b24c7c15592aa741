#include "common/duration.hpp"

#include <array>
#include <cstdint>

namespace stx {
namespace {

struct Unit {
  std::string_view name;
  std::int64_t ms;
};

// Largest first: a duration names them in this order, each at most once.
constexpr std::array<Unit, 5> kUnits{{
    {"d", 86'400'000},
    {"h", 3'600'000},
    {"m", 60'000},
    {"s", 1000},
    {"ms", 1},
}};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

DurationText Problem(std::string problem) { return DurationText{std::nullopt, std::move(problem), false}; }

DurationText TooLong() {
  return DurationText{std::nullopt, "longer than " + FormatDuration(kLongestDuration), true};
}

}  // namespace

DurationText ReadDuration(std::string_view text) {
  if (text.empty()) return Problem("empty");
  const std::int64_t longest = kLongestDuration.count();
  std::int64_t total = 0;
  std::size_t next_unit = 0;  // index in kUnits of the largest unit still allowed
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t digits_start = pos;
    std::int64_t number = 0;
    while (pos < text.size() && IsDigit(text[pos])) {
      // Past the longest duration even in milliseconds: stop before the number overflows.
      if (number <= longest) number = number * 10 + (text[pos] - '0');
      ++pos;
    }
    if (pos == digits_start) return Problem("a number must come before each unit");
    const std::size_t unit_start = pos;
    while (pos < text.size() && !IsDigit(text[pos])) ++pos;
    const std::string_view name = text.substr(unit_start, pos - unit_start);
    if (name.empty()) return Problem("the number " + std::string(text.substr(digits_start)) +
                                     " has no unit (ms, s, m, h, d)");
    std::size_t unit = 0;
    while (unit < kUnits.size() && kUnits[unit].name != name) ++unit;
    if (unit == kUnits.size()) return Problem("unknown unit \"" + std::string(name) + "\"");
    if (unit < next_unit) {
      return Problem("each unit may appear once, the largest first (as in \"1h30m\")");
    }
    next_unit = unit + 1;
    if (number > longest / kUnits[unit].ms) return TooLong();
    total += number * kUnits[unit].ms;
    if (total > longest) return TooLong();
  }
  return DurationText{std::chrono::milliseconds(total), "", false};
}

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  return ReadDuration(text).value;
}

std::string FormatDuration(std::chrono::milliseconds duration) {
  std::int64_t ms = duration.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  for (const Unit& unit : kUnits) {
    if (ms >= unit.ms) {
      out += std::to_string(ms / unit.ms) + std::string(unit.name);
      ms %= unit.ms;
    }
  }
  return out;
}

}  // namespace stx
