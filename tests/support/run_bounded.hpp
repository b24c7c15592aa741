#pragma once
// Runs one coroutine on a test's io_context for at most `limit`.
#include <chrono>
#include <exception>
#include <optional>

#include "common/asio.hpp"

namespace stx::test {

/// The coroutine's result, or nullopt when it did not complete within `limit` (every wait in
/// a test is bounded). An exception from the coroutine is rethrown.
template <typename T>
std::optional<T> RunBounded(asio::io_context& io, awaitable<T> op,
                            std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  std::optional<T> result;
  std::exception_ptr error;
  auto done = [&result, &error](std::exception_ptr e, T value) {
    error = e;
    if (!e) result = std::move(value);
  };
  asio::co_spawn(io, std::move(op), done);
  io.restart();
  io.run_for(limit);
  if (error) std::rethrow_exception(error);
  return result;
}

}  // namespace stx::test
