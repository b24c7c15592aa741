#pragma once
// State shared by the server, its accept loop and its connections (private to http/). The
// coroutines hold it by shared_ptr, so it outlives an HttpServer destroyed while their frames
// are still queued in the io_context.
#include <cstdint>
#include <map>
#include <memory>

#include "common/asio.hpp"
#include "http/basic_authenticator.hpp"
#include "http/http_server.hpp"
#include "http/router.hpp"

namespace boost::asio::ssl {
class context;
}

namespace stx::http {

/// One served connection, plain or TLS (http_connection.cpp).
class HttpConnection {
 public:
  virtual ~HttpConnection() = default;
  /// Closes the socket now; the connection's coroutine ends at its next step.
  virtual void Abort() = 0;
};

struct ServerCore {
  ServerCore(asio::any_io_executor ex, HttpServerOptions opts)
      : executor(ex),
        options(std::move(opts)),
        acceptor(ex),
        auth(ex, BasicAuthOptions{options.max_pending_password_checks,
                                  options.password_cache_entries}) {}

  asio::any_io_executor executor;
  HttpServerOptions options;
  Router router;
  asio::ip::tcp::acceptor acceptor;
  /// The TLS context for connections accepted from now on; null: plain HTTP. A connection
  /// keeps the context it started with (certificate rotation applies to new connections).
  std::shared_ptr<boost::asio::ssl::context> tls;
  /// Basic authentication of every request; off while it has no users.
  BasicAuthenticator auth;
  /// Open connections, so that Stop() can close them; each removes itself when it ends.
  std::map<std::uint64_t, std::weak_ptr<HttpConnection>> live;
  std::uint64_t next_id = 0;
  bool started = false;
  bool stopping = false;
};

/// Serves `socket` (over TLS when core->tls is set) until the client leaves, a limit ends it or
/// AbortConnection(); registered in core->live meanwhile. Defined in http_connection.cpp, the
/// one file that sees Beast.
void SpawnConnection(asio::ip::tcp::socket socket, std::shared_ptr<ServerCore> core);

/// Closes the connection's socket now; its coroutine ends at its next step.
void AbortConnection(HttpConnection& connection);

}  // namespace stx::http
