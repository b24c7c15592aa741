#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace stx {

/// Unix seconds formatted in UTC with a strftime(3) format.
std::string FormatUtc(std::int64_t unix_seconds, const char* strftime_format);
/// "2026-11-24T10:00:00Z" from Unix seconds.
std::string Rfc3339(std::int64_t unix_seconds);
std::string Rfc3339(std::chrono::system_clock::time_point time);
/// "in 35 days", "3 days ago", "in 5 hours" relative to `now`.
std::string Relative(std::int64_t unix_seconds, std::int64_t now_unix_seconds);

}  // namespace stx
