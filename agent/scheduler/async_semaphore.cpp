#include "scheduler/async_semaphore.hpp"

namespace stx::scheduler {

AsyncSemaphore::AsyncSemaphore(asio::any_io_executor executor, std::size_t capacity)
    : executor_(std::move(executor)),
      capacity_(capacity),
      available_(static_cast<std::ptrdiff_t>(capacity)) {}

awaitable<void> AsyncSemaphore::Acquire() {
  if (available_ > 0 && waiters_.empty()) {
    --available_;
    co_return;
  }
  auto waiter = std::make_shared<Waiter>(executor_);
  waiter->wake.expires_at(asio::steady_timer::time_point::max());
  waiters_.push_back(waiter);
  while (!waiter->granted) {
    boost::system::error_code ignored;  // operation_aborted is the wake-up
    co_await waiter->wake.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

void AsyncSemaphore::Release() {
  ++available_;
  WakeWaiters();
}

void AsyncSemaphore::SetCapacity(std::size_t capacity) {
  available_ += static_cast<std::ptrdiff_t>(capacity) - static_cast<std::ptrdiff_t>(capacity_);
  capacity_ = capacity;
  WakeWaiters();
}

void AsyncSemaphore::WakeWaiters() {
  while (available_ > 0 && !waiters_.empty()) {
    --available_;
    auto waiter = std::move(waiters_.front());
    waiters_.pop_front();
    waiter->granted = true;
    waiter->wake.cancel();
  }
}

}  // namespace stx::scheduler
