#include "common/time_format.hpp"

#include <ctime>

namespace stx {

std::string FormatUtc(std::int64_t unix_seconds, const char* strftime_format) {
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof buf, strftime_format, &tm);
  return std::string(buf, n);
}

std::string Rfc3339(std::int64_t unix_seconds) {
  return FormatUtc(unix_seconds, "%Y-%m-%dT%H:%M:%SZ");
}

std::string Rfc3339(std::chrono::system_clock::time_point time) {
  return Rfc3339(std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count());
}

std::string Relative(std::int64_t unix_seconds, std::int64_t now_unix_seconds) {
  const std::int64_t delta = unix_seconds - now_unix_seconds;
  const std::int64_t magnitude = delta < 0 ? -delta : delta;
  std::string amount;
  if (magnitude >= 2 * 86400) {
    amount = std::to_string(magnitude / 86400) + " days";
  } else if (magnitude >= 2 * 3600) {
    amount = std::to_string(magnitude / 3600) + " hours";
  } else {
    amount = std::to_string(magnitude / 60) + " minutes";
  }
  return delta < 0 ? amount + " ago" : "in " + amount;
}

}  // namespace stx
