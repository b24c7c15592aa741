#pragma once
#include <cstddef>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "common/asio.hpp"

namespace stx {

/// The message of a caught exception, for the error result it becomes: what() of a
/// std::exception, else "unknown exception".
inline std::string ExceptionMessage(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

/// Runs `tasks` concurrently on the current executor and returns their results in order.
/// A task that throws gets `on_exception(index, exception)` in its slot: what its failure reads
/// as (an error result with a reason). A default T would pass for a probe that found nothing
/// wrong. T must be default-constructible.
/// Boost 1.74 has neither awaitable operators nor parallel_group, so a timer serves as the
/// "all done" event; everything runs on one thread, so the counter needs no lock.
template <class T, class OnException>
awaitable<std::vector<T>> WhenAll(std::vector<awaitable<T>> tasks, OnException on_exception) {
  auto executor = co_await asio::this_coro::executor;
  std::vector<T> results(tasks.size());
  std::size_t remaining = tasks.size();
  asio::steady_timer all_done(executor, asio::steady_timer::time_point::max());
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    auto on_done = [&results, &remaining, &all_done, &on_exception, i](std::exception_ptr error,
                                                                       T value) {
      results[i] = error ? on_exception(i, error) : std::move(value);
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
