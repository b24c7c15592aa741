#pragma once
// One c-ares channel driven by an Asio executor. Internal to stx_dns: Resolver's pimpl.
//
// c-ares tells us which sockets it wants watched (ARES_OPT_SOCK_STATE_CB); each one is wrapped
// in a non-owning posix::stream_descriptor whose readiness waits call ares_process_fd, and a
// steady_timer follows ares_timeout. Nothing blocks: everything runs on the caller's executor,
// which must be single-threaded (or a strand) — c-ares channels are not thread-safe.
#include <chrono>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "common/asio.hpp"
#include "common/server_spec.hpp"
#include "dns/dns_message.hpp"

struct ares_channeldata;  // c-ares's channel, kept out of this header

namespace stx::dns {

class AresChannel : public std::enable_shared_from_this<AresChannel> {
 public:
  /// `server` empty: servers from /etc/resolv.conf. `timeout` is c-ares's first-try timeout
  /// (it doubles on each round over the servers); `tries` rounds in all.
  /// Throws std::runtime_error when c-ares cannot be initialised.
  AresChannel(asio::any_io_executor executor, std::chrono::milliseconds timeout, int tries,
              const std::optional<ServerSpec>& server);
  ~AresChannel();
  AresChannel(const AresChannel&) = delete;
  AresChannel& operator=(const AresChannel&) = delete;

  /// Sends one query (from BuildQuery) and completes with c-ares's result. The completion is
  /// always posted, never run inside c-ares, so the awaiting coroutine may do anything next.
  /// After Shutdown it completes at once with ARES_EDESTRUCTION. Callers hold a shared_ptr to
  /// the channel for the whole call.
  awaitable<RawAnswer> Send(std::vector<unsigned char> query);

  /// Destroys the c-ares channel: pending queries complete with ARES_EDESTRUCTION; sockets are
  /// released from Asio (c-ares closes them) and the timer is destroyed, so nothing of the
  /// io_context is used afterwards. Must be called while the io_context is alive. Idempotent.
  void Shutdown();

  /// Has Shutdown() called when the executor's execution context shuts down (its destructor),
  /// if the channel still lives then. A query waiting in c-ares owns its awaiting coroutine,
  /// whose frames own this channel: a cycle no Asio service knows about, so without this the
  /// coroutines of lookups in flight at exit (SIGTERM mid-probe) would never be destroyed.
  void ShutDownWithContext();

 private:
  struct SocketWatch;
  class ReadinessHandler;
  class TimerHandler;

  static void OnSocketState(void* data, int fd, int readable, int writable);
  void UpdateWatch(int fd, bool readable, bool writable);
  void Arm(const std::shared_ptr<SocketWatch>& watch);
  void OnReady(const std::shared_ptr<SocketWatch>& watch, bool read);
  void OnTimer();
  /// Re-aims the timer at c-ares's next deadline (or stops it when nothing is pending).
  void ArmTimer();
  void StartSend(const std::vector<unsigned char>& query, void* pending);

  asio::any_io_executor executor_;
  ares_channeldata* channel_ = nullptr;
  std::optional<asio::steady_timer> timer_;
  std::unordered_map<int, std::shared_ptr<SocketWatch>> watches_;
};

}  // namespace stx::dns
