#include "scripted/scripted_smtp_server.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

// clang-format off
#include "scripted/scripted_session.hpp"  // first Asio include: common/asio.hpp
#include <boost/asio/post.hpp>
// clang-format on
#include "scripted/ephemeral_pki.hpp"
#include "scripted/serving_thread.hpp"

namespace stx::scripted {
namespace {

using boost::system::error_code;
using tcp = asio::ip::tcp;

// Acknowledging the server name (rather than ignoring it) is what a server with SNI
// configured does; it also keeps the name in a TLS 1.2 session.
int AcknowledgeServerName(SSL* /*ssl*/, int* /*alert*/, void* /*arg*/) { return SSL_TLSEXT_ERR_OK; }

}  // namespace

std::unique_ptr<asio::ssl::context> MakeServerTlsContext(const ServerScript& script,
                                                         const std::string& chain_path,
                                                         const std::string& key_path) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  ctx->use_certificate_chain_file(chain_path);
  ctx->use_private_key_file(key_path, asio::ssl::context::pem);
  SSL_CTX* native = ctx->native_handle();
  if (script.min_tls_version != 0 &&
      SSL_CTX_set_min_proto_version(native, script.min_tls_version) != 1)
    throw std::invalid_argument("scripted server: bad min_tls_version");
  if (script.max_tls_version != 0 &&
      SSL_CTX_set_max_proto_version(native, script.max_tls_version) != 1)
    throw std::invalid_argument("scripted server: bad max_tls_version");
  if (script.max_tls_version != 0 && script.max_tls_version < TLS1_2_VERSION) {
    // OpenSSL 3 allows TLS 1.0 and 1.1 only at security level 0 (their handshake signs with
    // SHA-1 and MD5): a legacy server must go there to speak them at all.
    SSL_CTX_set_security_level(native, 0);
    SSL_CTX_set_cipher_list(native, "ALL:@SECLEVEL=0");
  }
  if (!script.cipher_list.empty()) {
    SSL_CTX_set_security_level(native, 0);
    if (SSL_CTX_set_cipher_list(native, (script.cipher_list + ":@SECLEVEL=0").c_str()) != 1)
      throw std::invalid_argument("scripted server: bad cipher_list " + script.cipher_list);
    SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE);
  }
  // SSL_CTX_set_tlsext_servername_callback is a macro with a C cast; call what it expands to.
  SSL_CTX_callback_ctrl(native, SSL_CTRL_SET_TLSEXT_SERVERNAME_CB,
                        reinterpret_cast<void (*)()>(&AcknowledgeServerName));
  if (script.cert_chain_padding > 0) PadCertificateChain(*ctx, script.cert_chain_padding);
  return ctx;
}

void PadCertificateChain(asio::ssl::context& context, std::size_t bytes) {
  SSL_CTX* ctx = context.native_handle();
  STACK_OF(X509)* chain = nullptr;
  // The SSL_CTX_get0_chain_certs / SSL_CTX_add1_chain_cert macros hide C casts
  // (-Wold-style-cast): call what they expand to.
  SSL_CTX_ctrl(ctx, SSL_CTRL_GET_CHAIN_CERTS, 0, &chain);
  X509* copy = chain != nullptr && sk_X509_num(chain) > 0
                   ? sk_X509_value(chain, sk_X509_num(chain) - 1)
                   : SSL_CTX_get0_certificate(ctx);
  const int der = copy != nullptr ? i2d_X509(copy, nullptr) : 0;
  if (der <= 0) throw std::runtime_error("PadCertificateChain: no certificate to copy");
  for (std::size_t total = 0; total < bytes; total += static_cast<std::size_t>(der)) {
    // add1 takes a reference, not a copy: 20,000 entries cost the server little memory.
    if (SSL_CTX_ctrl(ctx, SSL_CTRL_CHAIN_CERT, 1, copy) != 1) {
      ERR_clear_error();
      throw std::runtime_error("PadCertificateChain: cannot add a chain certificate");
    }
  }
}

std::vector<std::string> ConnectionRecord::PlaintextLines() const {
  const std::size_t end = std::min(first_tls_line, lines.size());
  return {lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(end)};
}

std::vector<std::string> ConnectionRecord::TlsLines() const {
  if (first_tls_line >= lines.size()) return {};
  return {lines.begin() + static_cast<std::ptrdiff_t>(first_tls_line), lines.end()};
}

bool ConnectionRecord::HasCommand(std::string_view verb) const {
  const auto same = [](char a, char b) {
    return std::toupper(static_cast<unsigned char>(a)) ==
           std::toupper(static_cast<unsigned char>(b));
  };
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) {
    const std::string_view first = std::string_view(line).substr(0, line.find(' '));
    return first.size() == verb.size() &&
           std::equal(first.begin(), first.end(), verb.begin(), same);
  });
}

struct ScriptedSmtpServer::Impl {
  ServerScript script;
  std::string address;
  std::uint16_t port = 0;
  std::string ca_path;
  std::string own_pki_dir;  // removed at destruction when the server made it
  ConnectionLog log;
  std::unique_ptr<asio::ssl::context> tls;
  // Reset in Stop(): coroutine frames still queued in it die before the members above that
  // sessions refer to.
  std::unique_ptr<asio::io_context> io;
  std::optional<tcp::acceptor> acceptor;
  // Touched only on the server thread.
  std::map<std::uint64_t, std::weak_ptr<ScriptedSession>> live;
  std::uint64_t next_id = 0;
  bool stopping = false;

  ServingThread serving;

  awaitable<void> Accept();
  awaitable<void> Serve(std::shared_ptr<ScriptedSession> session, std::uint64_t id);
};

awaitable<void> ScriptedSmtpServer::Impl::Accept() {
  for (;;) {
    error_code ec;
    tcp::socket socket =
        co_await acceptor->async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (stopping || !acceptor->is_open()) co_return;
    if (ec) {
      // EMFILE and friends: back off briefly rather than spin.
      asio::steady_timer pause(*io, std::chrono::milliseconds(10));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    // Without Nagle every scripted write leaves as written, so chunked replies really arrive
    // in pieces and "one write" really is one segment.
    socket.set_option(tcp::no_delay(true), ec);
    const std::uint64_t id = next_id++;
    auto session = std::make_shared<ScriptedSession>(std::move(socket), script, *tls, log);
    live.emplace(id, session);
    asio::co_spawn(*io, Serve(std::move(session), id), asio::detached);
  }
}

awaitable<void> ScriptedSmtpServer::Impl::Serve(std::shared_ptr<ScriptedSession> session,
                                                std::uint64_t id) {
  co_await session->Run();
  live.erase(id);
}

ScriptedSmtpServer::ScriptedSmtpServer(ServerScript script, std::string address, std::uint16_t port)
    : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.script = std::move(script);
  s.address = std::move(address);
  const asio::ip::address ip = asio::ip::make_address(s.address);
  if (!ip.is_loopback())
    throw std::invalid_argument("ScriptedSmtpServer: refusing non-loopback " + s.address);

  std::string chain = s.script.cert_chain_path;
  std::string key = s.script.key_path;
  try {
    if (chain.empty() && key.empty()) {
      s.own_pki_dir = MakePkiDirectory("stx-smtp-pki");
      EphemeralPki pki(s.own_pki_dir);
      const CertFiles files = pki.Issue(CertSpec::Valid(s.script.tls_host));
      s.ca_path = pki.ca_path();
      chain = files.cert_chain_pem_path;
      key = files.key_path;
    }
    s.tls = MakeServerTlsContext(s.script, chain, key);

    s.io = std::make_unique<asio::io_context>(1);
    s.acceptor.emplace(*s.io);
    const tcp::endpoint endpoint(ip, port);
    s.acceptor->open(endpoint.protocol());
    s.acceptor->set_option(tcp::acceptor::reuse_address(true));
    s.acceptor->bind(endpoint);
    s.acceptor->listen();
    s.port = s.acceptor->local_endpoint().port();
  } catch (...) {
    // No destructor runs for a throwing constructor: drop what was made so far here.
    s.acceptor.reset();
    if (!s.own_pki_dir.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(s.own_pki_dir, ignored);
    }
    throw;
  }

  asio::co_spawn(*s.io, s.Accept(), asio::detached);
  s.serving.Start(*s.io);
}

ScriptedSmtpServer::~ScriptedSmtpServer() {
  Stop();
  if (!impl_->own_pki_dir.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(impl_->own_pki_dir, ignored);
  }
}

void ScriptedSmtpServer::Stop() {
  Impl& s = *impl_;
  if (s.serving.running()) {
    s.serving.Stop(*s.io, [&s] {
      s.stopping = true;
      error_code ignored;
      s.acceptor->close(ignored);
      for (auto& [id, weak] : s.live) {
        if (const auto session = weak.lock()) session->Abort();
      }
    });
  }
  s.acceptor.reset();
  s.io.reset();
}

std::uint16_t ScriptedSmtpServer::port() const { return impl_->port; }
const std::string& ScriptedSmtpServer::address() const { return impl_->address; }
const ServerScript& ScriptedSmtpServer::script() const { return impl_->script; }
const std::string& ScriptedSmtpServer::ca_path() const { return impl_->ca_path; }

std::vector<ConnectionRecord> ScriptedSmtpServer::Connections() const {
  return impl_->log.Snapshot();
}

std::size_t ScriptedSmtpServer::ConnectionCount() const { return impl_->log.Count(); }

bool ScriptedSmtpServer::WaitForClosed(std::size_t count, std::chrono::milliseconds timeout) const {
  return impl_->log.WaitForClosed(count, timeout);
}

}  // namespace stx::scripted
