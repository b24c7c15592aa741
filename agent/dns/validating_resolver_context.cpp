#include "dns/validating_resolver_context.hpp"

#include <unbound.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <cstdio>
#include <stdexcept>
#include <vector>

namespace stx::dns {
namespace {

constexpr int kClassIn = 1;

std::string UnboundError(std::string_view what, int code) {
  return std::string(what) + ": " + ub_strerror(code);
}

/// Copies what the probe keeps from libunbound's answer.
RawAnswer ReadResult(const ub_result& result) {
  RawAnswer answer;
  answer.rcode = result.rcode;
  answer.have_data = result.havedata != 0;
  if (result.secure != 0) {
    answer.dnssec = DnssecStatus::kSecure;
  } else if (result.bogus != 0) {
    answer.dnssec = DnssecStatus::kBogus;
    answer.why_bogus = result.why_bogus != nullptr ? result.why_bogus : "validation failed";
  }
  if (answer.have_data && result.data != nullptr) {
    for (int i = 0; result.data[i] != nullptr; ++i) {
      answer.records.emplace_back(result.data[i], static_cast<std::size_t>(result.len[i]));
    }
  }
  return answer;
}

/// The contexts of one execution context, shut down with it. Registered after the timer and
/// descriptor services the contexts use (the constructor creates its descriptor first), so it
/// shuts down before them.
class ContextRegistry : public asio::execution_context::service {
 public:
  static asio::execution_context::id id;

  explicit ContextRegistry(asio::execution_context& context)
      : asio::execution_context::service(context) {}

  void Add(std::weak_ptr<ValidatingResolverContext> context) {
    std::erase_if(contexts_, [](const auto& c) { return c.expired(); });
    contexts_.push_back(std::move(context));
  }

 private:
  void shutdown() override {
    // Shutdown() may destroy coroutines holding the last reference to another context; take
    // the list first so that such a destruction never meets a vector being iterated.
    std::vector<std::weak_ptr<ValidatingResolverContext>> contexts = std::move(contexts_);
    for (const auto& weak : contexts) {
      if (const auto context = weak.lock()) context->Shutdown();
    }
  }

  std::vector<std::weak_ptr<ValidatingResolverContext>> contexts_;
};

asio::execution_context::id ContextRegistry::id;

}  // namespace

/// One lookup handed to libunbound: owns the awaiting coroutine's completion handler and the
/// lookup's deadline until it completes, exactly once.
class ValidatingResolverContext::Pending {
 public:
  Pending(ValidatingResolverContext* context, const asio::any_io_executor& executor)
      : owner(context), deadline(executor) {}
  virtual ~Pending() = default;
  virtual void Complete(RawAnswer answer) = 0;

  ValidatingResolverContext* owner;  ///< alive whenever libunbound may call back
  asio::steady_timer deadline;
  int async_id = 0;
  bool started = false;  ///< libunbound has it (async_id is valid)
};

namespace {

template <typename Handler>
class PendingFor final : public ValidatingResolverContext::Pending {
 public:
  PendingFor(ValidatingResolverContext* context, Handler handler,
             const asio::any_io_executor& executor)
      : Pending(context, executor),
        handler_(std::move(handler)),
        work_(asio::make_work_guard(asio::get_associated_executor(handler_, executor))) {}

  void Complete(RawAnswer answer) override {
    // Posted, never invoked here: we may be inside ub_process or Shutdown, and the resumed
    // coroutine may start lookups or destroy the resolver.
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

}  // namespace

class ValidatingResolverContext::PipeHandler {
 public:
  explicit PipeHandler(std::weak_ptr<ValidatingResolverContext> context)
      : context_(std::move(context)) {}

  void operator()(const boost::system::error_code& ec) {
    const auto context = context_.lock();
    if (!context) return;
    context->pipe_wait_pending_ = false;
    if (context->ctx_ == nullptr) return;
    if (ec) {
      // Cancelled by Finish when the last lookup ended; a lookup started since needs a wait.
      context->WatchPipe();
      return;
    }
    context->OnPipeReadable();
  }

 private:
  std::weak_ptr<ValidatingResolverContext> context_;
};

ValidatingResolverContext::ValidatingResolverContext(asio::any_io_executor executor,
                                                     const ValidatorSettings& settings)
    : executor_(std::move(executor)), deadline_(settings.deadline) {
  ctx_ = ub_ctx_create();
  if (ctx_ == nullptr) throw std::runtime_error("libunbound: cannot create a resolver context");
  auto fail = [this](const std::string& why) {
    ub_ctx_delete(ctx_);
    ctx_ = nullptr;
    throw std::runtime_error(why);
  };
  auto option = [&](const char* name, const std::string& value) {
    if (const int code = ub_ctx_set_option(ctx_, name, value.c_str()); code != 0) {
      fail(UnboundError(std::string("libunbound option ") + name + " " + value, code));
    }
  };
  // The upstream is often a resolver on this machine (systemd-resolved, a local unbound):
  // libunbound refuses to query loopback unless told.
  option("do-not-query-localhost:", "no");
  // A forwarder that stopped answering is marked down for infra-host-ttl (15 min by default)
  // and questions for it then fail at once; probing it again keeps an outage as long as the
  // outage, not a quarter hour longer.
  option("infra-keep-probing:", "yes");
  // No try waits longer than the lookup may take in all.
  option("infra-cache-max-rtt:",
         std::to_string(std::max<long long>(settings.deadline.count(), 50)));
  // Small caches: answers are asked again once per probe interval, and the exporter's memory
  // per partner matters more than a second saved on a lookup.
  option("msg-cache-size:", "1m");
  option("rrset-cache-size:", "2m");
  option("key-cache-size:", "1m");
  option("neg-cache-size:", "256k");
  if (int code = ub_ctx_async(ctx_, 1); code != 0) fail(UnboundError("libunbound async", code));
  if (settings.server) {
    const std::string upstream =
        settings.server->address.to_string() + "@" + std::to_string(settings.server->port);
    if (int code = ub_ctx_set_fwd(ctx_, upstream.c_str()); code != 0) {
      fail(UnboundError("libunbound rejected DNS server " + ToString(*settings.server), code));
    }
  } else if (ub_ctx_resolvconf(ctx_, nullptr) != 0) {
    // No readable /etc/resolv.conf: the resolver on this machine, as glibc's resolver assumes
    // (resolv.conf(5): "the default is to use the name server on the local machine").
    if (int code = ub_ctx_set_fwd(ctx_, "127.0.0.1"); code != 0) {
      fail(UnboundError("libunbound rejected the local DNS server 127.0.0.1", code));
    }
  }
  if (!settings.trust_anchor_file.empty()) {
    if (std::FILE* file = std::fopen(settings.trust_anchor_file.c_str(), "r")) {
      std::fclose(file);
    } else {
      fail("cannot read the DNSSEC trust anchor file " + settings.trust_anchor_file);
    }
    if (int code = ub_ctx_add_ta_file(ctx_, settings.trust_anchor_file.c_str()); code != 0) {
      fail(UnboundError("DNSSEC trust anchor file " + settings.trust_anchor_file, code));
    }
  }
  // RFC 6761 §6.2 has resolvers answer NXDOMAIN for "test." names unless configured otherwise;
  // test rigs and lab zones use them, so they go to the upstream like any name. Adding the zone
  // also sets the context up now (trust anchors read), so a bad anchor file fails here, not
  // at the first lookup.
  if (int code = ub_ctx_zone_add(ctx_, "test.", "transparent"); code != 0) {
    fail(UnboundError(settings.trust_anchor_file.empty()
                          ? std::string("libunbound set-up")
                          : "libunbound set-up (is " + settings.trust_anchor_file +
                                " a file of DS or DNSKEY records?)",
                      code));
  }
  pipe_.emplace(executor_, ub_fd(ctx_));
}

ValidatingResolverContext::~ValidatingResolverContext() { Shutdown(); }

void ValidatingResolverContext::ShutDownWithContext() {
  asio::execution_context& context = asio::query(executor_, asio::execution::context);
  asio::use_service<ContextRegistry>(context).Add(weak_from_this());
}

void ValidatingResolverContext::Shutdown() {
  if (ctx_ == nullptr) return;
  // Non-owning: libunbound closes its pipe in ub_ctx_delete.
  pipe_->release();
  pipe_.reset();
  // Joins libunbound's thread; callbacks of lookups still inside are never called.
  ub_ctx_delete(ctx_);
  ctx_ = nullptr;
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [raw, owned] : pending) {
    owned->deadline.cancel();
    RawAnswer answer;
    answer.failure = "resolver destroyed while the query was in flight";
    owned->Complete(std::move(answer));
  }
}

awaitable<RawAnswer> ValidatingResolverContext::Resolve(std::string name, QueryType type) {
  if (ctx_ == nullptr) {
    RawAnswer answer;
    answer.failure = "resolver destroyed before the query was sent";
    co_return answer;
  }
  // Named, not written inside the co_await expression (GCC 12 coroutine bug, see STYLE.md).
  auto initiation = [this](auto handler, std::string n, QueryType t) {
    using Handler = std::decay_t<decltype(handler)>;
    Start(n, t, std::make_unique<PendingFor<Handler>>(this, std::move(handler), executor_));
  };
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(RawAnswer)>(
      initiation, asio::use_awaitable, std::move(name), type);
}

void ValidatingResolverContext::Start(const std::string& name, QueryType type,
                                      std::unique_ptr<Pending> pending) {
  Pending* raw = pending.get();
  pending_.emplace(raw, std::move(pending));
  const int code = ub_resolve_async(ctx_, name.c_str(), static_cast<int>(type), kClassIn, raw,
                                    &ValidatingResolverContext::OnResult, &raw->async_id);
  if (code != 0) {
    RawAnswer answer;
    answer.failure = UnboundError("cannot ask for " + name, code);
    Finish(raw, std::move(answer));
    return;
  }
  raw->started = true;
  raw->deadline.expires_after(deadline_);
  raw->deadline.async_wait([weak = weak_from_this(), raw](const boost::system::error_code& ec) {
    const auto self = weak.lock();
    if (!self || ec == asio::error::operation_aborted || self->ctx_ == nullptr) return;
    self->OnDeadline(raw);
  });
  WatchPipe();
}

void ValidatingResolverContext::OnDeadline(Pending* pending) {
  if (!pending_.contains(pending)) return;  // answered while the timer's handler was queued
  // After ub_cancel libunbound never calls back for this lookup; its work inside may go on.
  ub_cancel(ctx_, pending->async_id);
  RawAnswer answer;
  answer.timed_out = true;
  answer.failure =
      "no answer from the DNS server within " + std::to_string(deadline_.count()) + " ms";
  Finish(pending, std::move(answer));
}

void ValidatingResolverContext::Finish(Pending* pending, RawAnswer answer) {
  const auto it = pending_.find(pending);
  if (it == pending_.end()) return;
  std::unique_ptr<Pending> owned = std::move(it->second);
  pending_.erase(it);
  owned->deadline.cancel();
  owned->Complete(std::move(answer));
  // Nothing left to wait for: an idle resolver holds no pending operation, so a caller's
  // io_context runs out of work when its lookups are done.
  if (pending_.empty() && pipe_wait_pending_) pipe_->cancel();
}

void ValidatingResolverContext::OnResult(void* data, int error, ub_result* result) {
  // Called inside ub_process, on the executor's thread. No exception may cross libunbound.
  auto* pending = static_cast<Pending*>(data);
  try {
    RawAnswer answer;
    if (error != 0) {
      answer.failure = UnboundError("resolver", error);
    } else if (result != nullptr) {
      answer = ReadResult(*result);
    } else {
      answer.failure = "resolver: no result";
    }
    ub_resolve_free(result);
    result = nullptr;
    pending->owner->Finish(pending, std::move(answer));
  } catch (...) {
    ub_resolve_free(result);
  }
}

void ValidatingResolverContext::WatchPipe() {
  if (ctx_ == nullptr || pipe_wait_pending_ || pending_.empty()) return;
  pipe_wait_pending_ = true;
  pipe_->async_wait(asio::posix::stream_descriptor::wait_read, PipeHandler(weak_from_this()));
}

void ValidatingResolverContext::OnPipeReadable() {
  const auto self = shared_from_this();  // a completion may drop the last other owner
  // An error reading the pipe leaves the lookups to their deadlines.
  [[maybe_unused]] const int code = ub_process(ctx_);
  WatchPipe();
}

}  // namespace stx::dns
