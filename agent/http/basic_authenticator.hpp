#pragma once
// HTTP basic authentication against bcrypt hashes, for a server whose every connection runs on
// one io_context thread. bcrypt is slow on purpose (tens of milliseconds), so it never runs on
// that thread: checks go to one verification thread through a bounded queue, and successes are
// cached. A flood of wrong passwords therefore costs that thread's time, a bounded queue and
// immediate refusals, never the event loop that answers the scrapes.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/asio.hpp"
#include "http/verification_cache.hpp"

namespace stx::http {

struct BasicAuthOptions {
  /// bcrypt checks waiting or running at most; one more is refused at once (kBusy). At cost
  /// 10 four checks take about a quarter of a second.
  std::size_t max_pending_checks = 4;
  /// Successful checks remembered (one per user and password in use).
  std::size_t cache_entries = 64;
};

class BasicAuthenticator {
 public:
  enum class Verdict {
    kAllowed,
    kDenied,  ///< no, wrong or malformed credentials: 401
    kBusy,    ///< not checked: max_pending_checks are queued already: 429
  };

  /// Completions are delivered on `executor` (the server's io_context); Check must be called
  /// there too. The verification thread starts with the first check.
  BasicAuthenticator(asio::any_io_executor executor, BasicAuthOptions options);
  ~BasicAuthenticator();  ///< Shutdown()s
  BasicAuthenticator(const BasicAuthenticator&) = delete;
  BasicAuthenticator& operator=(const BasicAuthenticator&) = delete;

  /// Replaces the users (name -> bcrypt hash); none: authentication off. Empties the cache.
  /// Checks already queued finish against the hash they started with, and are not cached.
  void SetUsers(const std::vector<std::pair<std::string, std::string>>& users);
  bool enabled() const { return !users_.empty(); }

  /// The verdict on an Authorization field value. A cached success answers at once; anything
  /// else waits for a bcrypt run on the verification thread, or is kBusy when the queue is
  /// full. An unknown user is checked against a configured hash all the same (and denied), so
  /// the time taken does not tell which user names exist.
  awaitable<Verdict> Check(std::string authorization);

  /// Stops the verification thread (joins it: at most the check in progress finishes) and
  /// denies the queued checks. Later checks are kBusy. Idempotent. Call it on the executor's
  /// thread, or while the io_context is not running.
  void Shutdown();

  /// bcrypt runs so far (for tests: a cached success does not add one).
  std::uint64_t password_checks() const { return checks_.load(); }

 private:
  struct Waiter;
  struct Job {
    std::string password;
    std::string hash;
    std::shared_ptr<Waiter> waiter;
  };

  void Enqueue(Job job);
  void Work();
  static void Complete(Job job, bool matched);

  asio::any_io_executor executor_;
  BasicAuthOptions options_;
  std::map<std::string, std::string, std::less<>> users_;
  VerificationCache cache_;
  std::uint64_t generation_ = 0;  ///< bumped by SetUsers: late results of old users not cached
  std::size_t pending_ = 0;       ///< checks queued or running (io thread only)
  bool shut_down_ = false;        ///< io thread only
  std::atomic<std::uint64_t> checks_{0};

  // Shared with the verification thread.
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace stx::http
