#include "scripted/scripted_fleet.hpp"

#include <openssl/ssl.h>
#include <sys/resource.h>

#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <unordered_map>

// clang-format off
#include "scripted/scripted_session.hpp"  // first Asio include: common/asio.hpp
#include <boost/asio/post.hpp>
// clang-format on
#include "scripted/behaviours.hpp"
#include "scripted/ephemeral_pki.hpp"
#include "scripted/serving_thread.hpp"

namespace stx::scripted {
namespace {

using boost::system::error_code;
using tcp = asio::ip::tcp;

void RaiseDescriptorLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);  // best effort: binding fails later with a clear error
}

// What distinguishes one TLS server context from another: the certificate (by kind, or the
// files a script names), the chain's padding and the protocol range. Listeners with equal
// keys share a context.
using TlsKey = std::tuple<int, std::string, std::string, std::size_t, int, int>;

TlsKey KeyOf(const Behaviour& b) {
  return {static_cast<int>(b.cert),    b.script.cert_chain_path, b.script.key_path,
          b.script.cert_chain_padding, b.script.min_tls_version, b.script.max_tls_version};
}

}  // namespace

struct ScriptedFleet::Impl {
  // What every partner of one behaviour shares: the script (so a 100,000-line EHLO reply is
  // held once, not once per listener), the TLS context and the connection counter.
  struct Role {
    ServerScript script;
    asio::ssl::context* tls = nullptr;
    ConnectionLog log{/*keep_records=*/false};  // counts only: a fleet serves for hours
  };
  struct Listener {
    Listener(asio::io_context& io, Role& r) : acceptor(io), role(&r) {}
    tcp::acceptor acceptor;
    Role* role;
  };

  FleetOptions options;
  bool own_pki_dir = false;
  std::optional<EphemeralPki> pki;
  std::map<TlsKey, std::unique_ptr<asio::ssl::context>> tls;
  std::map<std::string, std::unique_ptr<Role>, std::less<>> roles;
  std::vector<std::unique_ptr<Listener>> listeners;
  // Reset in Stop() before the members above: coroutine frames left in it refer to them.
  std::unique_ptr<asio::io_context> io;
  // Touched only on the fleet thread.
  std::unordered_map<std::uint64_t, std::weak_ptr<ScriptedSession>> live;
  std::uint64_t next_id = 0;
  bool stopping = false;

  ServingThread serving;

  asio::ssl::context& TlsFor(const Behaviour& behaviour);
  Role& RoleFor(const std::string& behaviour);
  void Listen(const FleetPartner& partner);
  awaitable<void> Accept(Listener& listener);
  awaitable<void> Serve(std::shared_ptr<ScriptedSession> session, std::uint64_t id);
  FleetCounts CountNow() const;
};

asio::ssl::context& ScriptedFleet::Impl::TlsFor(const Behaviour& behaviour) {
  const TlsKey key = KeyOf(behaviour);
  auto& slot = tls[key];
  if (slot) return *slot;
  std::string chain = behaviour.script.cert_chain_path;
  std::string private_key = behaviour.script.key_path;
  if (chain.empty()) {
    CertSpec spec = CertSpecFor(behaviour.cert, "*." + options.domain_suffix);
    spec.name = "fleet-" + std::to_string(tls.size());
    const CertFiles files = pki->Issue(spec);
    chain = files.cert_chain_pem_path;
    private_key = files.key_path;
  }
  auto ctx = MakeServerTlsContext(behaviour.script, chain, private_key);
  slot = std::move(ctx);
  return *slot;
}

ScriptedFleet::Impl::Role& ScriptedFleet::Impl::RoleFor(const std::string& name) {
  if (const auto known = roles.find(name); known != roles.end()) return *known->second;
  // The partners of one behaviour speak for one name: MX hosts of one provider often greet
  // with the provider's name, and a script per listener would cost megabytes each for some.
  BehaviourOptions behaviour_options;
  behaviour_options.host = "mx." + options.domain_suffix;
  behaviour_options.delay = options.slow_banner_delay;
  std::optional<Behaviour> behaviour = FindBehaviour(name, behaviour_options);
  if (!behaviour) throw std::invalid_argument("ScriptedFleet: unknown behaviour " + name);
  auto role = std::make_unique<Role>();
  role->tls = &TlsFor(*behaviour);
  role->script = std::move(behaviour->script);
  role->script.banner_delay += options.greet_pause;
  return *roles.emplace(name, std::move(role)).first->second;
}

void ScriptedFleet::Impl::Listen(const FleetPartner& partner) {
  const asio::ip::address ip = asio::ip::make_address(partner.address);
  if (!ip.is_loopback())
    throw std::invalid_argument("ScriptedFleet: refusing non-loopback " + partner.address);
  auto listener = std::make_unique<Listener>(*io, RoleFor(partner.behaviour));
  const tcp::endpoint endpoint(ip, options.port);
  error_code ec;
  listener->acceptor.open(endpoint.protocol(), ec);
  if (!ec) listener->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) listener->acceptor.bind(endpoint, ec);
  if (!ec) listener->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("ScriptedFleet: cannot listen on " + partner.address + ":" +
                             std::to_string(options.port) + " (" + partner.mx_host +
                             "): " + ec.message());
  }
  listeners.push_back(std::move(listener));
}

awaitable<void> ScriptedFleet::Impl::Accept(Listener& listener) {
  for (;;) {
    error_code ec;
    tcp::socket socket =
        co_await listener.acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (stopping || !listener.acceptor.is_open()) co_return;
    if (ec) {
      // EMFILE and friends: back off briefly rather than spin.
      asio::steady_timer pause(*io, std::chrono::milliseconds(10));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    // As in ScriptedSmtpServer: every scripted write leaves as written.
    socket.set_option(tcp::no_delay(true), ec);
    const std::uint64_t id = next_id++;
    Role& role = *listener.role;
    auto session =
        std::make_shared<ScriptedSession>(std::move(socket), role.script, *role.tls, role.log);
    live.emplace(id, session);
    asio::co_spawn(*io, Serve(std::move(session), id), asio::detached);
  }
}

awaitable<void> ScriptedFleet::Impl::Serve(std::shared_ptr<ScriptedSession> session,
                                           std::uint64_t id) {
  co_await session->Run();
  live.erase(id);
}

FleetCounts ScriptedFleet::Impl::CountNow() const {
  FleetCounts counts;
  for (const auto& [name, role] : roles) {
    counts.connections_by_behaviour[name] = role->log.Count();
    counts.connections += role->log.Count();
  }
  // OpenSSL counts server handshakes per SSL_CTX (SSL_CTX_sess_accept[_good] are macros with
  // a C-style NULL; call what they expand to).
  for (const auto& [key, ctx] : tls) {
    SSL_CTX* native = ctx->native_handle();
    counts.handshakes_started +=
        static_cast<std::size_t>(SSL_CTX_ctrl(native, SSL_CTRL_SESS_ACCEPT, 0, nullptr));
    counts.handshakes_completed +=
        static_cast<std::size_t>(SSL_CTX_ctrl(native, SSL_CTRL_SESS_ACCEPT_GOOD, 0, nullptr));
  }
  return counts;
}

ScriptedFleet::ScriptedFleet(FleetOptions options) : impl_(std::make_unique<Impl>()) {
  Impl& f = *impl_;
  f.options = std::move(options);
  RaiseDescriptorLimit();
  try {
    if (f.options.pki_dir.empty()) {
      f.options.pki_dir = MakePkiDirectory("stx-fleet-pki");
      f.own_pki_dir = true;
    }
    f.pki.emplace(f.options.pki_dir);
    f.io = std::make_unique<asio::io_context>(1);
    f.listeners.reserve(f.options.partners.size());
    for (const FleetPartner& partner : f.options.partners) f.Listen(partner);
  } catch (...) {
    // No destructor runs for a throwing constructor: close what was opened here.
    f.listeners.clear();
    f.io.reset();
    if (f.own_pki_dir) {
      std::error_code ignored;
      std::filesystem::remove_all(f.options.pki_dir, ignored);
    }
    throw;
  }
  for (const auto& listener : f.listeners) {
    asio::co_spawn(*f.io, f.Accept(*listener), asio::detached);
  }
  f.serving.Start(*f.io);
}

ScriptedFleet::~ScriptedFleet() {
  Stop();
  if (impl_->own_pki_dir) {
    std::error_code ignored;
    std::filesystem::remove_all(impl_->options.pki_dir, ignored);
  }
}

void ScriptedFleet::Stop() {
  Impl& f = *impl_;
  if (f.serving.running()) {
    f.serving.Stop(*f.io, [&f] {
      f.stopping = true;
      error_code ignored;
      for (const auto& listener : f.listeners) listener->acceptor.close(ignored);
      for (auto& [id, weak] : f.live) {
        if (const auto session = weak.lock()) session->Abort();
      }
    });
  }
  // Acceptors before their io_context (their destructors deregister from its reactor).
  f.listeners.clear();
  f.io.reset();
}

const std::vector<FleetPartner>& ScriptedFleet::partners() const { return impl_->options.partners; }

const std::string& ScriptedFleet::ca_path() const { return impl_->pki->ca_path(); }

std::size_t ScriptedFleet::tls_context_count() const { return impl_->tls.size(); }

FleetCounts ScriptedFleet::Counts() const {
  Impl& f = *impl_;
  if (!f.serving.running()) return f.CountNow();
  // The SSL_CTX statistics belong to the fleet thread: read them there.
  auto promise = std::make_shared<std::promise<FleetCounts>>();
  std::future<FleetCounts> result = promise->get_future();
  asio::post(*f.io, [&f, promise] { promise->set_value(f.CountNow()); });
  if (result.wait_for(std::chrono::seconds(2)) != std::future_status::ready) return {};
  return result.get();
}

}  // namespace stx::scripted
