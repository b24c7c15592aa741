#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "scheduler/schedule.hpp"

namespace stx::scheduler {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

TEST(Schedule, PhaseIsStableAndWithinTheInterval) {
  EXPECT_EQ(PhaseOf("bank.example", 5min), PhaseOf("bank.example", 5min));
  for (const char* d : {"a.test", "b.test", "bank.example", "x"}) {
    EXPECT_GE(PhaseOf(d, 5min).count(), 0);
    EXPECT_LT(PhaseOf(d, 5min), Millis(5min));
  }
}

TEST(Schedule, PhasesSpreadPartnersOverTheInterval) {
  // 1000 partners over 10 buckets of a 5-minute interval: none empty, none crowded.
  std::vector<int> buckets(10);
  for (int i = 0; i < 1000; ++i) {
    const auto phase = PhaseOf("partner" + std::to_string(i) + ".example", 5min);
    ++buckets[static_cast<std::size_t>(phase.count() * 10 / Millis(5min).count())];
  }
  for (int n : buckets) {
    EXPECT_GT(n, 50);
    EXPECT_LT(n, 150);
  }
}

TEST(Schedule, FirstRoundFinishesWithinTheSpread) {
  for (int i = 0; i < 100; ++i) {
    const std::string d = "p" + std::to_string(i) + ".test";
    EXPECT_LT(FirstProbeDelay(d, 5min, 5s), Millis(5s));
    EXPECT_LT(FirstProbeDelay(d, 2s, 5s), Millis(2s));  // short interval: within the interval
  }
}

TEST(Schedule, FirstRoundSpreadGrowsWithThePartnersBeyondTheProbeRate) {
  // Up to 2,500 partners (5 s at kFirstRoundProbesPerSecond): kMinFirstRoundSpread.
  EXPECT_EQ(FirstRoundSpread(0), Millis(5s));
  EXPECT_EQ(FirstRoundSpread(1), Millis(5s));
  EXPECT_EQ(FirstRoundSpread(1000), Millis(5s));
  EXPECT_EQ(FirstRoundSpread(2500), Millis(5s));
  // Beyond, one second per kFirstRoundProbesPerSecond partners.
  EXPECT_EQ(FirstRoundSpread(2501), Millis(5002));
  EXPECT_EQ(FirstRoundSpread(10000), Millis(20s));
  EXPECT_EQ(FirstRoundSpread(100000), Millis(200s));
  for (std::size_t n = 0; n < 30000; n += 7)
    EXPECT_LE(FirstRoundSpread(n), FirstRoundSpread(n + 1));
}

// How many first probes fall in the busiest second of a first round of `n` partners.
std::size_t BusiestSecond(std::size_t n, Millis interval) {
  std::vector<std::size_t> per_second;
  const Millis spread = FirstRoundSpread(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::string number = std::to_string(i + 1);
    const std::string domain = "p" + std::string(5 - std::min<std::size_t>(5, number.size()), '0') +
                               number + ".fleet.test";
    const Millis delay = FirstProbeDelay(domain, interval, spread);
    EXPECT_LT(delay, std::min(spread, interval)) << domain;
    const auto second = static_cast<std::size_t>(delay.count() / 1000);
    if (second >= per_second.size()) per_second.resize(second + 1);
    ++per_second[second];
  }
  return *std::max_element(per_second.begin(), per_second.end());
}

TEST(Schedule, FirstRoundOfTenThousandPartnersStartsAtMostAboutTheProbeRatePerSecond) {
  // The domains of scripts/bench's fleet. The phases are a hash, so a second holds about the
  // mean, never a burst.
  EXPECT_LE(BusiestSecond(10000, 1h), kFirstRoundProbesPerSecond * 5 / 4);
  EXPECT_LE(BusiestSecond(1000, 1h), 1000 / 5 * 5 / 4);  // 1,000 partners: still over 5 s
  // An interval shorter than the spread caps it: every first probe within the interval.
  for (int i = 0; i < 100; ++i) {
    const std::string d = "p" + std::to_string(i) + ".test";
    EXPECT_LT(FirstProbeDelay(d, 10s, FirstRoundSpread(10000)), Millis(10s));
  }
}

TEST(Schedule, NextSlotIsOnThePartnersGridAboutOneIntervalLater) {
  const Clock::time_point start = Clock::time_point(std::chrono::hours(500000));
  const Millis interval = 5min;
  for (const Millis after : {Millis(0), Millis(1), Millis(100s), Millis(4min)}) {
    const Clock::time_point last = start + after;
    const Clock::time_point next = NextSlot("bank.example", interval, last);
    EXPECT_GT(next - last, interval / 2);
    EXPECT_LE(next - last, interval * 3 / 2);
    const auto on_grid =
        std::chrono::duration_cast<Millis>(next.time_since_epoch()).count() % interval.count();
    EXPECT_EQ(on_grid, PhaseOf("bank.example", interval).count());
  }
}

// An interval near the clocks' limits (the configuration bounds it far below) must not wrap
// the slot into the past, where the timer fires at once, probe after probe.
TEST(Schedule, NextSlotOfAHugeIntervalIsInTheFutureNotThePast) {
  const Clock::time_point last = Clock::now();
  for (const Millis interval :
       {Millis(std::chrono::hours(24 * 110000)), Millis(std::chrono::hours(24 * 365 * 300)),
        Millis::max()}) {
    const Clock::time_point next = NextSlot("bank.example", interval, last);
    EXPECT_GT(next, last + std::chrono::hours(24 * 365)) << interval.count() << " ms";
    EXPECT_LT(FirstProbeDelay("bank.example", interval, 5s), Millis(5s)) << interval.count();
    EXPECT_GE(FirstProbeDelay("bank.example", interval, 5s), Millis(0)) << interval.count();
  }
}

TEST(Schedule, JitterIsSmall) {
  EXPECT_EQ(MaxJitter(5min), 1000ms);
  EXPECT_EQ(MaxJitter(15s), 150ms);
}

}  // namespace
}  // namespace stx::scheduler
