#pragma once
// State shared by the server, its accept loop and its connections (private to http/). The
// coroutines hold it by shared_ptr, so it outlives an HttpServer destroyed while their frames
// are still queued in the io_context.
#include <cstdint>
#include <map>
#include <memory>

#include "common/asio.hpp"
#include "http/http_server.hpp"
#include "http/router.hpp"

namespace stx::http {

class HttpConnection;

struct ServerCore {
  ServerCore(asio::any_io_executor ex, HttpServerOptions opts)
      : executor(ex), options(std::move(opts)), acceptor(ex) {}

  asio::any_io_executor executor;
  HttpServerOptions options;
  Router router;
  asio::ip::tcp::acceptor acceptor;
  /// Open connections, so that Stop() can close them; each removes itself when it ends.
  std::map<std::uint64_t, std::weak_ptr<HttpConnection>> live;
  std::uint64_t next_id = 0;
  bool started = false;
  bool stopping = false;
};

/// Serves `socket` until the client leaves, a limit ends it or AbortConnection(); registered
/// in core->live meanwhile. Defined in http_connection.cpp, the one file that sees Beast.
void SpawnConnection(asio::ip::tcp::socket socket, std::shared_ptr<ServerCore> core);

/// Closes the connection's socket now; its coroutine ends at its next step.
void AbortConnection(HttpConnection& connection);

}  // namespace stx::http
