#pragma once
// How late the event loop runs work that is due: the time between a timer's expiry and the
// moment its handler runs. Everything (probes, DNS, TLS, HTTP) shares one loop, so a handler
// that blocks it (a synchronous call, a long computation) delays every probe step and every
// request behind it, and shows up here; so does a loop with more ready work than CPU.
// (Node.js' monitorEventLoopDelay measures the same thing.)
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "common/asio.hpp"

namespace stx {

/// A histogram of event-loop lag samples, in seconds. Plain data for one thread.
struct EventLoopLag {
  /// Upper bounds of the buckets (the last, +Inf, is implicit): from well under a probe step
  /// to a second, the scale of a probe deadline.
  static constexpr std::array<double, 11> kBounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                  0.05,   0.1,   0.25,   0.5,   1.0};
  std::array<std::uint64_t, kBounds.size() + 1> counts{};  ///< per bucket, not cumulative
  double sum_seconds = 0;
  std::uint64_t samples = 0;

  void Observe(double seconds);
};

/// Samples the lag of `executor`'s loop every `period` into `lag` until the returned token is
/// destroyed (or the loop stops). `lag` must outlive the token.
std::shared_ptr<void> MonitorEventLoopLag(asio::any_io_executor executor, EventLoopLag& lag,
                                          std::chrono::milliseconds period);

}  // namespace stx
