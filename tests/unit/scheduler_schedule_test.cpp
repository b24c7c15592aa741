#include <gtest/gtest.h>

#include <set>
#include <string>

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

TEST(Schedule, JitterIsSmall) {
  EXPECT_EQ(MaxJitter(5min), 1000ms);
  EXPECT_EQ(MaxJitter(15s), 150ms);
}

}  // namespace
}  // namespace stx::scheduler
