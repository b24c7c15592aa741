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
#include "common/web_counters.hpp"
#include "http/http_message.hpp"
#include "http/web_security.hpp"

namespace stx::http {

struct ServerCore;

/// Bounds that keep a slow or hostile client from holding the server's memory or connections.
struct HttpServerOptions {
  std::size_t max_header_bytes = 8 * 1024;  ///< request line + fields; over it: 431
  std::size_t max_body_bytes = 64 * 1024;   ///< over it: 413
  /// From the first byte of a later request on a keep-alive connection to its last, and for
  /// writing each response (per chunk of a streamed one). A client that stalls is closed.
  std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};
  /// A new connection must have sent its first complete request (TLS handshake included)
  /// within this of being accepted, else it is closed: a scraper sends its request at once,
  /// and a client that connects and stays silent, or sends part of a request, holds a place
  /// in the table for no one.
  std::chrono::milliseconds first_request_timeout{std::chrono::seconds(5)};
  /// How long a keep-alive connection may sit idle between requests.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  /// Open connections at most. A newcomer to a full table takes the place of the oldest idle
  /// connection (no request being answered; one that never completed a request goes first); it
  /// is refused only when every connection is busy answering a request.
  std::size_t max_connections = 256;
  /// Open connections at most from one peer (an IPv4 address, an IPv6 /64): a quarter of the
  /// table, so that one client busy with slow requests (/probe, a scrape it does not read)
  /// cannot take every place. A peer at its share makes room the same way, among its own
  /// connections.
  std::size_t max_connections_per_peer = 64;
  /// Compressible bodies shorter than this go uncompressed: gzip would not pay for itself.
  std::size_t gzip_min_bytes = 1024;
  /// Basic authentication: bcrypt checks queued or running at most (one more: 429 at once),
  /// and successful checks remembered. See BasicAuthOptions.
  std::size_t max_pending_password_checks = 4;
  std::size_t password_cache_entries = 64;
  /// Where the limits count what they did (connections closed, by reason); null: nowhere.
  /// Must outlive the server.
  WebCounters* counters = nullptr;
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
