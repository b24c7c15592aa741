// The event-loop lag monitor: buckets, and that a handler blocking the loop is seen.
#include <gtest/gtest.h>

#include <chrono>
#include <numeric>
#include <thread>

#include "common/event_loop_lag.hpp"

namespace stx {
namespace {

using namespace std::chrono_literals;

std::size_t BucketOf(double seconds) {
  EventLoopLag lag;
  lag.Observe(seconds);
  for (std::size_t i = 0; i < lag.counts.size(); ++i) {
    if (lag.counts[i] == 1) return i;
  }
  return lag.counts.size();
}

TEST(EventLoopLag, BucketsAreLessOrEqualUpperBounds) {
  EXPECT_EQ(BucketOf(0), 0u);
  EXPECT_EQ(BucketOf(-0.001), 0u);  // a timer run early counts as no lag
  EXPECT_EQ(BucketOf(0.0005), 0u);  // le: the bound itself is inside
  EXPECT_EQ(BucketOf(0.00051), 1u);
  EXPECT_EQ(BucketOf(0.3), 9u);  // (0.25, 0.5]
  EXPECT_EQ(BucketOf(1.0), 10u);
  EXPECT_EQ(BucketOf(7.0), 11u);  // +Inf
}

TEST(EventLoopLag, SumAndCountFollowTheSamples) {
  EventLoopLag lag;
  lag.Observe(0.002);
  lag.Observe(0.004);
  EXPECT_EQ(lag.samples, 2u);
  EXPECT_DOUBLE_EQ(lag.sum_seconds, 0.006);
  EXPECT_EQ(std::accumulate(lag.counts.begin(), lag.counts.end(), std::uint64_t{0}), 2u);
}

// A handler that holds the loop for 150 ms (a blocking call) must show as one sample of at
// least 0.1 s; an idle loop shows nothing above 25 ms.
TEST(EventLoopLag, MonitorSeesAHandlerThatBlocksTheLoop) {
  asio::io_context io(1);
  EventLoopLag lag;
  auto token = MonitorEventLoopLag(io.get_executor(), lag, 10ms);
  io.run_for(200ms);
  ASSERT_GE(lag.samples, 5u) << "the monitor did not sample an idle loop";
  const auto slow = [&] {
    return std::accumulate(lag.counts.begin() + 6, lag.counts.end(), std::uint64_t{0});
  };
  EXPECT_EQ(slow(), 0u) << "an idle loop lagged over 25 ms";
  asio::post(io, [] { std::this_thread::sleep_for(150ms); });
  io.run_for(300ms);
  EXPECT_GE(std::accumulate(lag.counts.begin() + 8, lag.counts.end(), std::uint64_t{0}), 1u)
      << "no sample over 0.1 s after a 150 ms block";
  // Destroying the token stops the sampling.
  token.reset();
  const auto before = lag.samples;
  io.restart();
  io.run_for(100ms);
  EXPECT_EQ(lag.samples, before);
}

}  // namespace
}  // namespace stx
