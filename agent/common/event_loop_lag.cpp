#include "common/event_loop_lag.hpp"

#include <algorithm>
#include <functional>
#include <utility>

namespace stx {

void EventLoopLag::Observe(double seconds) {
  seconds = std::max(seconds, 0.0);
  const auto bucket = std::lower_bound(kBounds.begin(), kBounds.end(), seconds) - kBounds.begin();
  ++counts[static_cast<std::size_t>(bucket)];
  sum_seconds += seconds;
  ++samples;
}

namespace {

// A timer chain rather than a coroutine: its state is one small object, and cancelling the
// timer (the token's destruction) ends it.
struct LagMonitor : std::enable_shared_from_this<LagMonitor> {
  LagMonitor(asio::any_io_executor executor, EventLoopLag& into, std::chrono::milliseconds every)
      : timer(std::move(executor)), lag(&into), period(every) {}

  void Arm() {
    timer.expires_after(period);
    timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      const auto self = weak.lock();
      if (ec || !self) return;
      const auto late = asio::steady_timer::clock_type::now() - self->timer.expiry();
      self->lag->Observe(std::chrono::duration<double>(late).count());
      self->Arm();
    });
  }

  asio::steady_timer timer;
  EventLoopLag* lag;
  std::chrono::milliseconds period;
};

}  // namespace

std::shared_ptr<void> MonitorEventLoopLag(asio::any_io_executor executor, EventLoopLag& lag,
                                          std::chrono::milliseconds period) {
  auto monitor = std::make_shared<LagMonitor>(std::move(executor), lag, period);
  monitor->Arm();
  // The token owns the monitor; the pending wait holds it only weakly.
  return std::shared_ptr<void>(monitor.get(), [monitor](void*) mutable {
    monitor->timer.cancel();
    monitor.reset();
  });
}

}  // namespace stx
