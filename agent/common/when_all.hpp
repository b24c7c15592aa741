#pragma once
#include <cstddef>
#include <exception>
#include <vector>

#include "common/asio.hpp"

namespace stx {

/// Runs `tasks` concurrently on the current executor and returns their results in order.
/// Boost 1.74 has neither awaitable operators nor parallel_group, so a timer serves as the
/// "all done" event; everything runs on one thread, so the counter needs no lock.
/// T must be default-constructible; a task that throws leaves T{} in its slot.
template <class T>
awaitable<std::vector<T>> WhenAll(std::vector<awaitable<T>> tasks) {
  auto executor = co_await asio::this_coro::executor;
  std::vector<T> results(tasks.size());
  std::size_t remaining = tasks.size();
  asio::steady_timer all_done(executor, asio::steady_timer::time_point::max());
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    auto on_done = [&results, &remaining, &all_done, i](std::exception_ptr, T value) {
      results[i] = std::move(value);
      if (--remaining == 0) all_done.cancel();
    };
    asio::co_spawn(executor, std::move(tasks[i]), std::move(on_done));
  }
  while (remaining > 0) {
    boost::system::error_code ignored;
    co_await all_done.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  co_return results;
}

}  // namespace stx
