#include "http/http_server.hpp"

#include <stdexcept>

#include <boost/asio/ip/v6_only.hpp>

#include "http/listen_address.hpp"
#include "http/server_core.hpp"

namespace stx::http {
namespace {

using tcp = asio::ip::tcp;
using boost::system::error_code;

std::string EndpointText(const tcp::endpoint& endpoint) {
  const std::string address = endpoint.address().to_string();
  return (endpoint.address().is_v6() ? "[" + address + "]" : address) + ":" +
         std::to_string(endpoint.port());
}

// Opens, binds and listens; on failure leaves the acceptor closed and returns the error.
error_code Listen(tcp::acceptor& acceptor, const tcp::endpoint& endpoint, bool dual_stack) {
  error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return ec;
  // Lets a restarted exporter bind while old connections sit in TIME_WAIT; on Linux it does
  // not let two listeners share the port.
  acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (dual_stack) acceptor.set_option(asio::ip::v6_only(false), ec);
  ec.clear();
  acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    acceptor.close(ignored);
  }
  return ec;
}

awaitable<void> AcceptLoop(std::shared_ptr<ServerCore> core) {
  while (!core->stopping) {
    error_code ec;
    tcp::socket socket =
        co_await core->acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (core->stopping || ec == asio::error::operation_aborted) break;
    if (ec) {
      // EMFILE, ENFILE, ENOBUFS: back off briefly rather than spin on the error.
      asio::steady_timer pause(core->executor, std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    const tcp::endpoint peer = socket.remote_endpoint(ec);
    if (ec) continue;  // reset before we looked: nobody to serve
    std::string key = PeerKey(peer.address());
    if (!MakeRoom(*core, key)) {
      socket.close(ec);  // every place is busy answering: the client sees the close at once
      continue;
    }
    SpawnConnection(std::move(socket), std::move(key), core);
  }
}

}  // namespace

HttpServer::HttpServer(asio::any_io_executor executor, std::string listen_address,
                       HttpServerOptions options)
    : core_(std::make_shared<ServerCore>(executor, std::move(options))) {
  const tcp::endpoint endpoint = ParseListenAddress(listen_address);
  const bool wildcard = endpoint.address() == asio::ip::address_v6::any();
  error_code ec = Listen(core_->acceptor, endpoint, wildcard);
  if (ec && wildcard &&
      (ec == asio::error::address_family_not_supported ||
       ec == boost::system::errc::address_not_available)) {
    // No IPv6 on this machine (a container, ipv6.disable=1): every IPv4 interface then.
    ec =
        Listen(core_->acceptor, tcp::endpoint(asio::ip::address_v4::any(), endpoint.port()), false);
  }
  if (ec) {
    throw std::runtime_error("listen address '" + listen_address + "': cannot listen on " +
                             EndpointText(endpoint) + ": " + ec.message());
  }
  local_endpoint_ = core_->acceptor.local_endpoint();
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Route(std::string method, std::string path, Handler handler) {
  core_->router.Add(std::move(method), std::move(path), std::move(handler));
}

void HttpServer::SetSecurity(WebSecurity security) {
  core_->tls = std::move(security.tls);
  core_->auth.SetUsers(security.users);
}

void HttpServer::Start() {
  if (core_->started || core_->stopping) return;
  core_->started = true;
  asio::co_spawn(core_->executor, AcceptLoop(core_), asio::detached);
}

void HttpServer::Stop() {
  if (core_->stopping) return;
  core_->stopping = true;
  error_code ignored;
  core_->acceptor.close(ignored);
  // Copy first: a connection may unregister itself while the others are closed.
  std::vector<std::shared_ptr<HttpConnection>> open;
  for (const auto& [id, slot] : core_->live) {
    if (auto connection = slot.connection.lock()) open.push_back(std::move(connection));
  }
  for (const auto& connection : open) AbortConnection(*connection);
  // Joins the verification thread (at most one bcrypt run): it must not post to an
  // io_context that may be gone after this server.
  core_->auth.Shutdown();
}

asio::ip::tcp::endpoint HttpServer::local_endpoint() const { return local_endpoint_; }

std::size_t HttpServer::connection_count() const { return core_->live.size(); }

std::uint64_t HttpServer::password_checks() const { return core_->auth.password_checks(); }

}  // namespace stx::http
