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

}  // namespace stx::test
