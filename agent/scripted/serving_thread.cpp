#include "scripted/serving_thread.hpp"

#include <boost/asio/post.hpp>

#include <exception>
#include <utility>

namespace stx::scripted {

ServingThread::~ServingThread() {
  if (thread_.joinable()) thread_.join();
}

void ServingThread::Start(asio::io_context& io) {
  thread_ = std::thread([this, &io] {
    try {
      io.run();
    } catch (const std::exception&) {
      // A handler threw: nothing sensible is left to serve; Stop() still joins.
    }
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    done_cv_.notify_all();
  });
}

void ServingThread::Stop(asio::io_context& io, std::function<void()> close_all,
                         std::chrono::milliseconds grace) {
  if (!thread_.joinable()) return;
  asio::post(io, std::move(close_all));
  // Closing everything lets run() return by itself; if a handler is stuck, stop it hard.
  {
    std::unique_lock lock(mutex_);
    done_cv_.wait_for(lock, grace, [this] { return done_; });
  }
  io.stop();
  thread_.join();
}

}  // namespace stx::scripted
