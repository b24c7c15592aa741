#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace stx {

/// The longest duration ParseDuration accepts. Any longer and a deadline computed from it
/// (now plus the duration, in the nanoseconds of the system and steady clocks) could overflow
/// the clock's range and land in the past; each setting bounds its own durations further.
inline constexpr std::chrono::milliseconds kLongestDuration = std::chrono::hours(24 * 365);

/// A duration read from text, or what is wrong with the text.
struct DurationText {
  std::optional<std::chrono::milliseconds> value;
  std::string problem;    ///< empty when `value` is set
  bool too_long = false;  ///< the problem is a duration longer than kLongestDuration
};

/// Reads a Prometheus-style duration: one or more <number><unit> groups with units
/// ms, s, m, h, d, each unit at most once and the largest first ("1500ms", "10s", "1h30m"),
/// as Prometheus's model.ParseDuration does; at most kLongestDuration.
DurationText ReadDuration(std::string_view text);

/// ReadDuration's value alone.
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);

/// Formats a duration the way ParseDuration reads it ("1m30s", "250ms").
std::string FormatDuration(std::chrono::milliseconds duration);

}  // namespace stx
