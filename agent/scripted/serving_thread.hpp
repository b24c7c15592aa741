#pragma once
// The thread a scripted server (one listener, or a fleet of them) serves on, and its bounded
// stop: tests drive clients on their own thread while the server's io_context runs here.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "common/asio.hpp"

namespace stx::scripted {

class ServingThread {
 public:
  ServingThread() = default;
  ~ServingThread();  ///< joins; call Stop() first
  ServingThread(const ServingThread&) = delete;
  ServingThread& operator=(const ServingThread&) = delete;

  /// Runs `io` on a new thread until it runs out of work or is stopped. A handler that
  /// throws ends the run: nothing sensible is left to serve, and Stop() still joins.
  void Start(asio::io_context& io);

  /// Posts `close_all` (close the listeners, abort the sessions) to `io`, lets run() return by
  /// itself for up to `grace`, then stops `io` hard (coroutine frames left in it are destroyed
  /// with it) and joins. Idempotent; does nothing when not started.
  void Stop(asio::io_context& io, std::function<void()> close_all,
            std::chrono::milliseconds grace = std::chrono::seconds(2));

  bool running() const { return thread_.joinable(); }

 private:
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
};

}  // namespace stx::scripted
