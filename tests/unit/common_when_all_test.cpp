// WhenAll: tasks run concurrently, results come back in order, and a task that throws gets what
// on_exception makes of its exception, never a default value that could pass for a result.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "common/when_all.hpp"
#include "support/run_bounded.hpp"

namespace stx::test {
namespace {

using namespace std::chrono_literals;

awaitable<int> After(std::chrono::milliseconds delay, int value) {
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(asio::use_awaitable);
  co_return value;
}

awaitable<int> Throwing(std::chrono::milliseconds delay) {
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(asio::use_awaitable);
  throw std::runtime_error("resolver state corrupted");
}

awaitable<int> ThrowingSomethingElse() {
  throw 42;
  co_return 0;
}

TEST(WhenAll, AThrowingTaskGetsWhatOnExceptionMakesOfItsException) {
  asio::io_context io;
  std::vector<awaitable<int>> tasks;
  tasks.push_back(After(30ms, 1));
  tasks.push_back(Throwing(10ms));
  tasks.push_back(After(0ms, 3));
  tasks.push_back(ThrowingSomethingElse());
  std::vector<std::string> failures;
  auto on_exception = [&failures](std::size_t index, const std::exception_ptr& error) {
    failures.push_back(std::to_string(index) + ": " + ExceptionMessage(error));
    return -1;
  };
  const auto results = RunBounded(io, WhenAll(std::move(tasks), on_exception), 5s);
  ASSERT_TRUE(results.has_value());
  EXPECT_EQ(*results, (std::vector<int>{1, -1, 3, -1}));
  EXPECT_EQ(failures,
            (std::vector<std::string>{"3: unknown exception", "1: resolver state corrupted"}));
}

TEST(WhenAll, NoTasksIsNoResults) {
  asio::io_context io;
  auto never = [](std::size_t, const std::exception_ptr&) { return 0; };
  const auto results = RunBounded(io, WhenAll(std::vector<awaitable<int>>{}, never), 5s);
  ASSERT_TRUE(results.has_value());
  EXPECT_TRUE(results->empty());
}

}  // namespace
}  // namespace stx::test
