#include "scheduler/schedule.hpp"

#include <algorithm>

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
  return Millis(PhaseOf(domain, interval).count() * window.count() / interval.count());
}

std::chrono::system_clock::time_point NextSlot(std::string_view domain, Millis interval,
                                               std::chrono::system_clock::time_point last_start) {
  using std::chrono::duration_cast;
  const std::int64_t period = std::max<std::int64_t>(interval.count(), 1);
  const std::int64_t earliest =
      duration_cast<Millis>(last_start.time_since_epoch()).count() + period / 2;
  const std::int64_t phase = PhaseOf(domain, interval).count();
  std::int64_t slot = (earliest / period) * period + phase;
  if (slot <= earliest) slot += period;
  return std::chrono::system_clock::time_point(
      duration_cast<std::chrono::system_clock::duration>(Millis(slot)));
}

Millis MaxJitter(Millis interval) { return std::min(Millis(1000), interval / 100); }

}  // namespace stx::scheduler
