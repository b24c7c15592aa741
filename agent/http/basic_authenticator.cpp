#include "http/basic_authenticator.hpp"

#include <openssl/crypto.h>
#include <boost/asio/post.hpp>

#include "http/basic_credentials.hpp"
#include "http/password_hash.hpp"

namespace stx::http {

/// Where a check's result meets its waiting coroutine: the timer never expires by itself; the
/// completion, posted to the io_context, cancels it. Touched on the io thread only.
struct BasicAuthenticator::Waiter {
  explicit Waiter(asio::any_io_executor executor)
      : signal(executor, asio::steady_timer::time_point::max()) {}
  asio::steady_timer signal;
  bool done = false;
  bool matched = false;
};

BasicAuthenticator::BasicAuthenticator(asio::any_io_executor executor, BasicAuthOptions options)
    : executor_(std::move(executor)), options_(options), cache_(options.cache_entries) {}

BasicAuthenticator::~BasicAuthenticator() { Shutdown(); }

void BasicAuthenticator::SetUsers(const std::vector<std::pair<std::string, std::string>>& users) {
  users_ = std::map<std::string, std::string, std::less<>>(users.begin(), users.end());
  cache_.Clear();
  ++generation_;
}

awaitable<BasicAuthenticator::Verdict> BasicAuthenticator::Check(std::string authorization) {
  if (users_.empty()) co_return Verdict::kAllowed;
  std::optional<BasicCredentials> credentials = ParseBasicAuthorization(authorization);
  OPENSSL_cleanse(authorization.data(), authorization.size());
  if (!credentials) co_return Verdict::kDenied;
  const auto user = users_.find(credentials->user);
  const bool known = user != users_.end();
  // Copies: SetUsers may replace the table while this check waits.
  const std::string hash = known ? user->second : users_.begin()->second;
  const VerificationCache::Key key =
      VerificationCache::KeyOf(credentials->user, credentials->password, hash);
  if (known && cache_.Contains(key)) co_return Verdict::kAllowed;
  if (shut_down_ || pending_ >= options_.max_pending_checks) co_return Verdict::kBusy;

  const std::uint64_t generation = generation_;
  auto waiter = std::make_shared<Waiter>(executor_);
  ++pending_;
  Enqueue(Job{std::move(credentials->password), hash, waiter});
  // The completion is posted to this thread, so it cannot arrive before this wait begins.
  while (!waiter->done) {
    boost::system::error_code ec;
    co_await waiter->signal.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  --pending_;
  if (!known || !waiter->matched) co_return Verdict::kDenied;
  if (generation == generation_) cache_.Insert(key);
  co_return Verdict::kAllowed;
}

void BasicAuthenticator::Enqueue(Job job) {
  {
    const std::lock_guard lock(mutex_);
    queue_.push_back(std::move(job));
  }
  if (!worker_.joinable()) worker_ = std::thread([this] { Work(); });
  wake_.notify_one();
}

void BasicAuthenticator::Work() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    const bool matched = VerifyPassword(job.password, job.hash);
    ++checks_;
    OPENSSL_cleanse(job.password.data(), job.password.size());
    Complete(std::move(job), matched);
  }
}

void BasicAuthenticator::Complete(Job job, bool matched) {
  // The posted function owns the waiter from here on: if the io_context is destroyed before it
  // runs, the waiter goes with it, on that thread.
  const auto executor = job.waiter->signal.get_executor();
  auto deliver = [waiter = std::move(job.waiter), matched] {
    waiter->matched = matched;
    waiter->done = true;
    waiter->signal.cancel();
  };
  asio::post(executor, std::move(deliver));
}

void BasicAuthenticator::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
  std::deque<Job> abandoned;
  {
    const std::lock_guard lock(mutex_);
    abandoned.swap(queue_);
  }
  for (Job& job : abandoned) Complete(std::move(job), false);
}

}  // namespace stx::http
