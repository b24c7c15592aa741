#include "scheduler/schedule.hpp"

#include <algorithm>
#include <limits>

namespace stx::scheduler {
namespace {

std::uint64_t Fnv1a(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

// a + b, held at the int64 limits instead of wrapping: an interval anywhere near them
// (the configuration bounds it far below) must give a slot far in the future, not one in
// the past that fires at once, again and again.
std::int64_t SaturatingAdd(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
}

// Milliseconds since the epoch as a time point, held within the clock's range (its
// nanoseconds overflow some 292 years after the epoch).
std::chrono::system_clock::time_point AtMillis(std::int64_t ms) {
  using std::chrono::system_clock;
  constexpr std::int64_t kLast =
      std::chrono::duration_cast<Millis>(system_clock::time_point::max().time_since_epoch())
          .count();
  return system_clock::time_point(
      std::chrono::duration_cast<system_clock::duration>(Millis(std::min(ms, kLast))));
}

}  // namespace

Millis PhaseOf(std::string_view domain, Millis interval) {
  if (interval.count() <= 0) return Millis(0);
  return Millis(
      static_cast<std::int64_t>(Fnv1a(domain) % static_cast<std::uint64_t>(interval.count())));
}

Millis FirstRoundSpread(std::size_t partners) {
  const auto at_rate = Millis(static_cast<std::int64_t>(
      (partners * 1000 + kFirstRoundProbesPerSecond - 1) / kFirstRoundProbesPerSecond));
  return std::max(kMinFirstRoundSpread, at_rate);
}

Millis FirstProbeDelay(std::string_view domain, Millis interval, Millis spread) {
  if (interval.count() <= 0) return Millis(0);
  const Millis window = std::min(interval, spread);
  // phase / interval is below 1: the product, in floating point, cannot overflow.
  return Millis(static_cast<std::int64_t>(static_cast<double>(PhaseOf(domain, interval).count()) /
                                          static_cast<double>(interval.count()) *
                                          static_cast<double>(window.count())));
}

std::chrono::system_clock::time_point NextSlot(std::string_view domain, Millis interval,
                                               std::chrono::system_clock::time_point last_start) {
  using std::chrono::duration_cast;
  const std::int64_t period = std::max<std::int64_t>(interval.count(), 1);
  const std::int64_t earliest =
      SaturatingAdd(duration_cast<Millis>(last_start.time_since_epoch()).count(), period / 2);
  const std::int64_t phase = PhaseOf(domain, interval).count();
  std::int64_t slot = SaturatingAdd((earliest / period) * period, phase);
  if (slot <= earliest) slot = SaturatingAdd(slot, period);
  return AtMillis(slot);
}

Millis MaxJitter(Millis interval) { return std::min(Millis(1000), interval / 100); }

}  // namespace stx::scheduler
