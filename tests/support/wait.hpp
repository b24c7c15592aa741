#pragma once
#include <chrono>
#include <thread>

namespace stx::test {

/// Polls `condition` every 100 ms until it holds or `timeout` passes; returns its last value.
/// Every wait in a test is bounded.
template <class Condition>
bool WaitUntil(std::chrono::milliseconds timeout, Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return condition();
}

/// How long a wait for a partner's next probe to finish must allow. The scheduler starts it on
/// the partner's phase slot at least half an interval after the last start (NextSlot), so up to
/// 1.5 intervals after it, give or take 1 % jitter; then the probe runs up to its deadline. The
/// margin is for a busy machine (sanitizers, two cores).
constexpr std::chrono::milliseconds NextRoundWithin(std::chrono::milliseconds interval,
                                                    std::chrono::milliseconds probe_deadline) {
  return interval * 3 / 2 + interval / 100 + probe_deadline + std::chrono::seconds(2);
}

}  // namespace stx::test
