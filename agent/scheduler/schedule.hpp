#pragma once
// When to probe a partner. Pure functions of the domain, the interval and the clock.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace stx::scheduler {

using Millis = std::chrono::milliseconds;

/// The partner's stable offset within its interval (FNV-1a of the domain): partners spread
/// evenly over the interval, and keep their slot across restarts and reloads, so neither a
/// start nor a reload makes every partner's MX hosts see us at once.
Millis PhaseOf(std::string_view domain, Millis interval);

/// The shortest spread of a first round: a small configuration has every first result within
/// seconds of start.
inline constexpr Millis kMinFirstRoundSpread{5000};

/// First probes started per second at most, however many partners start at once: a first
/// round of thousands of partners squeezed into kMinFirstRoundSpread asks the single event
/// loop for more work than it can do in that time, so every timer, scrape and request waits
/// behind the probes; at this rate a first round leaves the loop most of its time.
inline constexpr std::size_t kFirstRoundProbesPerSecond = 500;

/// How long the first probes of `partners` partners that start at once (at start, or added by
/// one reload) are spread over: kMinFirstRoundSpread, or longer with more partners than
/// kFirstRoundProbesPerSecond start in it. FirstProbeDelay caps it by each partner's interval.
Millis FirstRoundSpread(std::size_t partners);

/// Delay of a partner's first probe after start (or after it joins by a reload): its phase
/// scaled into min(interval, spread), so first results come within `spread`, still spread out.
Millis FirstProbeDelay(std::string_view domain, Millis interval, Millis spread);

/// The start of the next probe after one that started at `last_start`: the partner's slot on
/// the wall-clock grid of its interval, at least half an interval after `last_start`.
std::chrono::system_clock::time_point NextSlot(std::string_view domain, Millis interval,
                                               std::chrono::system_clock::time_point last_start);

/// Largest jitter added to a slot: 1% of the interval, at most 1 s.
Millis MaxJitter(Millis interval);

}  // namespace stx::scheduler
