#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace stx {

/// Parses a Prometheus-style duration: one or more <number><unit> groups with units
/// ms, s, m, h, d (e.g. "1500ms", "10s", "1m30s"). Returns nullopt for anything else.
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);

/// Formats a duration the way ParseDuration reads it ("1m30s", "250ms").
std::string FormatDuration(std::chrono::milliseconds duration);

}  // namespace stx
