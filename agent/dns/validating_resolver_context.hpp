#pragma once
// One libunbound context (a validating, caching DNS resolver) driven by an Asio executor.
// Internal to stx_dns: Resolver's pimpl.
//
// libunbound resolves on a thread of its own (ub_ctx_async(ctx, 1)) and hands results back
// through a pipe (ub_fd); a non-owning stream_descriptor watches that pipe and ub_process
// delivers the results on the caller's executor, which must be single-threaded (or a strand).
// Each lookup has a deadline of its own (a steady_timer and ub_cancel), because libunbound's
// own retries against a dead upstream can take minutes.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/asio.hpp"

#include <boost/asio/posix/stream_descriptor.hpp>

#include "common/server_spec.hpp"
#include "dns/dns_message.hpp"

struct ub_ctx;     // libunbound's context, kept out of this header
struct ub_result;  // and its answers

namespace stx::dns {

struct ValidatorSettings {
  /// The upstream the validator forwards every question to; nullopt: the servers of
  /// /etc/resolv.conf.
  std::optional<ServerSpec> server;
  /// DNSSEC trust anchors (DS or DNSKEY records in zone-file format, like Debian's
  /// /usr/share/dns/root.key); "" turns validation off: every answer reads insecure.
  std::string trust_anchor_file;
  /// How long one lookup may take, validation included.
  std::chrono::milliseconds deadline{4500};
};

class ValidatingResolverContext : public std::enable_shared_from_this<ValidatingResolverContext> {
 public:
  /// Throws std::runtime_error with libunbound's reason when it cannot be set up (a trust
  /// anchor file it cannot read or parse, no resolv.conf servers, ...).
  ValidatingResolverContext(asio::any_io_executor executor, const ValidatorSettings& settings);
  ~ValidatingResolverContext();
  ValidatingResolverContext(const ValidatingResolverContext&) = delete;
  ValidatingResolverContext& operator=(const ValidatingResolverContext&) = delete;

  /// Asks for `name` (exactly: no search list) and `type`, class IN. Completes with the
  /// answer, the deadline ("no answer within ..."), or after Shutdown a "resolver destroyed"
  /// failure; the completion is always posted, never run inside libunbound. Callers hold a
  /// shared_ptr to the context for the whole call.
  awaitable<RawAnswer> Resolve(std::string name, QueryType type);

  /// Deletes the libunbound context (its thread is joined) and completes every lookup in
  /// flight with "resolver destroyed while the query was in flight". Must be called while the
  /// io_context is alive. Idempotent.
  void Shutdown();

  /// Has Shutdown() called when the executor's execution context shuts down, if the context
  /// still lives then: a lookup in flight owns its awaiting coroutine, whose frames own this
  /// context, a cycle no Asio service knows about.
  void ShutDownWithContext();

 public:
  class Pending;  ///< defined in the .cpp; public so its implementation can derive from it

 private:
  class PipeHandler;

  static void OnResult(void* data, int error, ub_result* result);
  void Start(const std::string& name, QueryType type, std::unique_ptr<Pending> pending);
  void Finish(Pending* pending, RawAnswer answer);
  void OnDeadline(Pending* pending);
  void WatchPipe();
  void OnPipeReadable();

  asio::any_io_executor executor_;
  std::chrono::milliseconds deadline_;
  ub_ctx* ctx_ = nullptr;
  std::optional<asio::posix::stream_descriptor> pipe_;
  bool pipe_wait_pending_ = false;
  std::unordered_map<Pending*, std::unique_ptr<Pending>> pending_;
};

}  // namespace stx::dns
