#pragma once
#include <cstddef>
#include <deque>
#include <memory>

#include "common/asio.hpp"

namespace stx::scheduler {

/// A counting semaphore for coroutines on one strand-less, single-threaded io_context
/// (Boost 1.74 has no channels). Waiters are served in FIFO order; the capacity may change at
/// run time (a reload), never revoking what was already granted.
class AsyncSemaphore {
 public:
  AsyncSemaphore(asio::any_io_executor executor, std::size_t capacity);

  /// Completes once a unit is granted.
  awaitable<void> Acquire();
  void Release();
  void SetCapacity(std::size_t capacity);

  std::size_t capacity() const { return capacity_; }
  std::size_t waiting() const { return waiters_.size(); }
  /// Nothing granted and nobody waiting.
  bool Idle() const {
    return waiters_.empty() && available_ == static_cast<std::ptrdiff_t>(capacity_);
  }

 private:
  struct Waiter {
    explicit Waiter(const asio::any_io_executor& ex) : wake(ex) {}
    asio::steady_timer wake;
    bool granted = false;
  };
  void WakeWaiters();

  asio::any_io_executor executor_;
  std::size_t capacity_;
  std::ptrdiff_t available_;  // negative after a capacity cut, until enough units return
  std::deque<std::shared_ptr<Waiter>> waiters_;
};

}  // namespace stx::scheduler
