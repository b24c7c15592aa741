#pragma once
// The exporter's one web server: HTTP/1.1 on the probes' io_context (single thread), handlers
// are coroutines. Beast stays behind this header (it is slow to compile): only Asio's
// awaitable and plain data show here.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/asio.hpp"
#include "http/http_message.hpp"
#include "http/web_security.hpp"

namespace stx::http {

struct ServerCore;

/// Bounds that keep a slow or hostile client from holding the server's memory or connections.
struct HttpServerOptions {
  std::size_t max_header_bytes = 8 * 1024;  ///< request line + fields; over it: 431
  std::size_t max_body_bytes = 64 * 1024;   ///< over it: 413
  /// From the first byte of a request to its last, and again for writing the response; also
  /// how long a new connection may stay silent. A client that stalls mid-request is closed.
  std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};
  /// How long a keep-alive connection may sit idle between requests.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  /// Open connections at most; a connection accepted beyond it is closed at once.
  std::size_t max_connections = 256;
  /// Compressible bodies shorter than this go uncompressed: gzip would not pay for itself.
  std::size_t gzip_min_bytes = 1024;
  /// Basic authentication: bcrypt checks queued or running at most (one more: 429 at once),
  /// and successful checks remembered. See BasicAuthOptions.
  std::size_t max_pending_password_checks = 4;
  std::size_t password_cache_entries = 64;
  /// Told about handler exceptions (the client gets a 500); empty: silent.
  std::function<void(const std::string& message)> log_error;
};

class HttpServer {
 public:
  /// Binds and listens on `listen_address` (":9725", "127.0.0.1:0", "[::1]:9725",
  /// "localhost:9725"); serving starts with Start(). Throws std::runtime_error with a message
  /// naming the address and the cause (malformed address, address in use, permission).
  HttpServer(asio::any_io_executor executor, std::string listen_address,
             HttpServerOptions options = {});
  ~HttpServer();  ///< Stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Serves `path` (exact match, query excluded) for `method` with `handler`. A known path
  /// asked with another method gets 405 with Allow; an unknown path 404. A GET route also
  /// answers HEAD (same header fields, no body). Call before or after Start().
  void Route(std::string method, std::string path, Handler handler);

  /// TLS and basic authentication from now on: connections accepted later use `security.tls`
  /// (null: plain HTTP; a connection keeps the context it started with, so a rotated
  /// certificate serves new connections), and every request from now on, on any connection,
  /// needs one of `security.users` (none: no authentication). Clears the cache of successful
  /// password checks. Call it on the io_context's thread.
  void SetSecurity(WebSecurity security);

  /// Begins accepting connections. Idempotent; does nothing after Stop().
  void Start();

  /// Stops accepting, closes the listening socket and every open connection (idle keep-alive
  /// connections and those whose handler still runs: its response is dropped). Idempotent.
  /// Call it on the io_context's thread, or while the io_context is not running.
  void Stop();

  /// The bound address; port 0 in the listen address is resolved to the port chosen.
  asio::ip::tcp::endpoint local_endpoint() const;

  /// Connections open now.
  std::size_t connection_count() const;

  /// bcrypt computations so far: a request answered from the cache of successful checks does
  /// not add one.
  std::uint64_t password_checks() const;

 private:
  std::shared_ptr<ServerCore> core_;
  asio::ip::tcp::endpoint local_endpoint_;
};

}  // namespace stx::http
