#include "dns/ares_channel.hpp"

#include <ares.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace stx::dns {
namespace {

void InitAresOnce() {
  static std::once_flag once;
  static int status = ARES_SUCCESS;
  // Once per process and never cleaned up: channels may live until exit.
  std::call_once(once, [] { status = ares_library_init(ARES_LIB_INIT_ALL); });
  if (status != ARES_SUCCESS) {
    throw std::runtime_error(std::string("c-ares library init: ") + ares_strerror(status));
  }
}

/// A query handed to c-ares: owns the awaiting coroutine's completion handler until c-ares
/// calls back (exactly once per ares_send, ARES_EDESTRUCTION included).
class PendingQuery {
 public:
  virtual ~PendingQuery() = default;
  virtual void Complete(RawAnswer answer) = 0;
};

template <typename Handler>
class PendingQueryFor final : public PendingQuery {
 public:
  PendingQueryFor(Handler handler, const asio::any_io_executor& fallback)
      : handler_(std::move(handler)),
        work_(asio::make_work_guard(asio::get_associated_executor(handler_, fallback))) {}

  void Complete(RawAnswer answer) override {
    // Posted, never invoked here: we are inside ares_process_fd / ares_send / ares_destroy,
    // and the resumed coroutine may send queries or destroy the resolver.
    auto executor = work_.get_executor();
    auto deliver = [handler = std::move(handler_), answer = std::move(answer)]() mutable {
      std::move(handler)(std::move(answer));
    };
    asio::post(executor, std::move(deliver));
    work_.reset();
  }

 private:
  Handler handler_;
  asio::executor_work_guard<asio::associated_executor_t<Handler, asio::any_io_executor>> work_;
};

void OnAnswer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  std::unique_ptr<PendingQuery> pending(static_cast<PendingQuery*>(arg));
  RawAnswer answer;
  answer.ares_status = status;
  try {
    if (abuf != nullptr && alen > 0) {
      answer.message.assign(abuf, abuf + static_cast<std::size_t>(alen));
    }
    pending->Complete(std::move(answer));
  } catch (...) {
    // No exception may cross c-ares. Only allocation can fail here; the handler is then
    // destroyed with `pending`, which destroys the awaiting coroutine.
  }
}

/// The channels of one execution context, shut down with it. Registered after the timer and
/// descriptor services the channels use (AresChannel's constructor creates its timer first),
/// so it shuts down before them: Shutdown() may still release descriptors and destroy the
/// timer, and the ARES_EDESTRUCTION completions it posts are destroyed with the scheduler's
/// queue, which destroys the waiting coroutines and breaks the cycle.
class ChannelRegistry : public asio::execution_context::service {
 public:
  static asio::execution_context::id id;

  explicit ChannelRegistry(asio::execution_context& context)
      : asio::execution_context::service(context) {}

  void Add(std::weak_ptr<AresChannel> channel) {
    std::erase_if(channels_, [](const auto& c) { return c.expired(); });
    channels_.push_back(std::move(channel));
  }

 private:
  void shutdown() override {
    // Shutdown() may destroy coroutines holding the last reference to another channel; take
    // the list first so that such a destruction never meets a vector being iterated.
    std::vector<std::weak_ptr<AresChannel>> channels = std::move(channels_);
    for (const auto& weak : channels) {
      if (const auto channel = weak.lock()) channel->Shutdown();
    }
  }

  std::vector<std::weak_ptr<AresChannel>> channels_;
};

asio::execution_context::id ChannelRegistry::id;

}  // namespace

/// A socket c-ares asked us to watch. Owned by `watches_` only; handlers hold weak pointers so
/// a socket c-ares closed (state callback 0,0) is forgotten even with a wait in flight.
struct AresChannel::SocketWatch {
  SocketWatch(const asio::any_io_executor& executor, int socket_fd)
      : descriptor(executor, socket_fd), fd(socket_fd) {}
  // Non-owning: c-ares owns and closes the fd, so the descriptor is release()d, never closed.
  asio::posix::stream_descriptor descriptor;
  int fd;
  bool want_read = false;
  bool want_write = false;
  bool read_pending = false;
  bool write_pending = false;
  bool closed = false;
};

class AresChannel::ReadinessHandler {
 public:
  ReadinessHandler(std::weak_ptr<AresChannel> channel, std::weak_ptr<SocketWatch> watch, bool read)
      : channel_(std::move(channel)), watch_(std::move(watch)), read_(read) {}

  void operator()(const boost::system::error_code& ec) {
    const auto channel = channel_.lock();
    const auto watch = watch_.lock();
    if (!channel || !watch) return;  // resolver gone, or c-ares closed this socket
    (read_ ? watch->read_pending : watch->write_pending) = false;
    // operation_aborted: released because c-ares closed the socket, or Shutdown.
    if (ec == asio::error::operation_aborted || watch->closed || channel->channel_ == nullptr) {
      return;
    }
    // Any other error (EBADF, ...) is left for c-ares to meet on its next read or write.
    channel->OnReady(watch, read_);
  }

 private:
  std::weak_ptr<AresChannel> channel_;
  std::weak_ptr<SocketWatch> watch_;
  bool read_;
};

class AresChannel::TimerHandler {
 public:
  explicit TimerHandler(std::weak_ptr<AresChannel> channel) : channel_(std::move(channel)) {}

  void operator()(const boost::system::error_code& ec) {
    const auto channel = channel_.lock();
    // Aborted: re-aimed by ArmTimer (a newer wait is in flight) or destroyed by Shutdown.
    if (!channel || ec == asio::error::operation_aborted || channel->channel_ == nullptr) return;
    channel->OnTimer();
  }

 private:
  std::weak_ptr<AresChannel> channel_;
};

AresChannel::AresChannel(asio::any_io_executor executor, std::chrono::milliseconds timeout,
                         int tries, const std::optional<ServerSpec>& server)
    : executor_(std::move(executor)) {
  InitAresOnce();
  ares_options options{};
  // EDNS: accept UDP answers up to the size BuildQuery advertises instead of treating anything
  // over 512 bytes as truncated (c-ares then retries over TCP only for real truncation).
  // NOCHECKRESP: hand us SERVFAIL / REFUSED answers as they are. Without it c-ares 1.18 drops
  // them, retries, and finally reports ARES_ECONNREFUSED ("could not contact DNS servers"),
  // which would make a broken zone look like a dead resolver. The price: no fall-through to
  // the next configured server on SERVFAIL / REFUSED, which for a probe is the honest answer.
  options.flags = ARES_FLAG_EDNS | ARES_FLAG_NOCHECKRESP;
  options.ednspsz = kEdnsUdpSize;
  options.timeout = static_cast<int>(timeout.count());
  options.tries = tries;
  options.sock_state_cb = &AresChannel::OnSocketState;
  options.sock_state_cb_data = this;
  const int mask = ARES_OPT_FLAGS | ARES_OPT_EDNSPSZ | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
                   ARES_OPT_SOCK_STATE_CB;
  ares_channel channel = nullptr;
  int status = ares_init_options(&channel, &options, mask);
  if (status != ARES_SUCCESS) {
    throw std::runtime_error(std::string("c-ares init: ") + ares_strerror(status));
  }
  channel_ = channel;
  if (server) {
    const std::string csv = ToString(*server);
    status = ares_set_servers_ports_csv(channel_, csv.c_str());
    if (status != ARES_SUCCESS) {
      ares_destroy(channel_);
      channel_ = nullptr;
      throw std::runtime_error("c-ares rejected DNS server " + csv + ": " + ares_strerror(status));
    }
  }
  timer_.emplace(executor_);
}

AresChannel::~AresChannel() { Shutdown(); }

void AresChannel::ShutDownWithContext() {
  asio::execution_context& context = asio::query(executor_, asio::execution::context);
  asio::use_service<ChannelRegistry>(context).Add(weak_from_this());
}

void AresChannel::Shutdown() {
  if (channel_ == nullptr) return;
  // Calls OnAnswer(ARES_EDESTRUCTION) for every pending query (posted completions) and
  // OnSocketState(fd, 0, 0) for every open socket before closing it.
  ares_destroy(channel_);
  channel_ = nullptr;
  for (auto& [fd, watch] : watches_) {
    watch->closed = true;
    watch->descriptor.release();
  }
  watches_.clear();
  timer_.reset();
}

awaitable<RawAnswer> AresChannel::Send(std::vector<unsigned char> query) {
  if (channel_ == nullptr) co_return RawAnswer{ARES_EDESTRUCTION, {}};
  // Named, not written inside the co_await expression (GCC 12 coroutine bug, see STYLE.md).
  auto initiation = [this](auto handler, std::vector<unsigned char> q) {
    using Handler = std::decay_t<decltype(handler)>;
    StartSend(q, new PendingQueryFor<Handler>(std::move(handler), executor_));
  };
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(RawAnswer)>(
      initiation, asio::use_awaitable, std::move(query));
}

void AresChannel::StartSend(const std::vector<unsigned char>& query, void* pending) {
  // ares_send copies the query. It may call OnAnswer before returning (e.g. ENOMEM); that only
  // posts, so it is harmless here.
  ares_send(channel_, query.data(), static_cast<int>(query.size()), &OnAnswer, pending);
  ArmTimer();
}

void AresChannel::OnSocketState(void* data, int fd, int readable, int writable) {
  try {
    static_cast<AresChannel*>(data)->UpdateWatch(fd, readable != 0, writable != 0);
  } catch (...) {
    // Registering with the reactor failed: the query then ends by c-ares's own timeout.
  }
}

void AresChannel::UpdateWatch(int fd, bool readable, bool writable) {
  auto it = watches_.find(fd);
  if (!readable && !writable) {
    // c-ares is about to close fd (it may be inside ares_process_fd, and a wait on this fd may
    // be in flight). Release first: this removes the fd from epoll while it is still open and
    // aborts pending waits; their handlers find the watch gone.
    if (it != watches_.end()) {
      it->second->closed = true;
      it->second->descriptor.release();
      watches_.erase(it);
    }
    return;
  }
  if (it == watches_.end()) {
    it = watches_.emplace(fd, std::make_shared<SocketWatch>(executor_, fd)).first;
  }
  it->second->want_read = readable;
  it->second->want_write = writable;
  Arm(it->second);
}

void AresChannel::Arm(const std::shared_ptr<SocketWatch>& watch) {
  if (watch->closed) return;
  if (watch->want_read && !watch->read_pending) {
    watch->read_pending = true;
    watch->descriptor.async_wait(asio::posix::stream_descriptor::wait_read,
                                 ReadinessHandler(weak_from_this(), watch, true));
  }
  if (watch->want_write && !watch->write_pending) {
    watch->write_pending = true;
    watch->descriptor.async_wait(asio::posix::stream_descriptor::wait_write,
                                 ReadinessHandler(weak_from_this(), watch, false));
  }
}

void AresChannel::OnReady(const std::shared_ptr<SocketWatch>& watch, bool read) {
  // c-ares may have stopped wanting this direction since the wait began.
  if (read ? watch->want_read : watch->want_write) {
    const ares_socket_t fd = watch->fd;
    // May call OnSocketState (closing this fd, opening others) and OnAnswer (posting).
    ares_process_fd(channel_, read ? fd : ARES_SOCKET_BAD, read ? ARES_SOCKET_BAD : fd);
  }
  if (channel_ == nullptr) return;
  Arm(watch);  // no-op when the socket was closed meanwhile
  ArmTimer();
}

void AresChannel::OnTimer() {
  // Lets c-ares expire queries and retry them on the next server / try.
  ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  ArmTimer();
}

void AresChannel::ArmTimer() {
  if (channel_ == nullptr || !timer_) return;
  timeval next{};
  if (ares_timeout(channel_, nullptr, &next) == nullptr) {
    timer_->cancel();  // no query pending
    return;
  }
  // Round up so the timer never fires before c-ares considers the deadline reached.
  const auto delay =
      std::chrono::milliseconds(static_cast<std::int64_t>(next.tv_sec) * 1000 +
                                (static_cast<std::int64_t>(next.tv_usec) + 999) / 1000);
  timer_->expires_after(delay);
  timer_->async_wait(TimerHandler(weak_from_this()));
}

}  // namespace stx::dns
