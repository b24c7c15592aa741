#pragma once
// State shared by the server, its accept loop and its connections (private to http/). The
// coroutines hold it by shared_ptr, so it outlives an HttpServer destroyed while their frames
// are still queued in the io_context.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

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
  /// One open connection as the table sees it.
  struct Slot {
    std::weak_ptr<HttpConnection> connection;
    std::string peer;     ///< PeerKey of its remote address
    bool busy = false;    ///< a request of it is being answered: not to be evicted
    bool served = false;  ///< it completed a request before (a keep-alive client)
    std::chrono::steady_clock::time_point idle_since{};
  };
  /// Open connections by id, in accept order (oldest first), so that Stop() can close them and
  /// a newcomer can take an idle one's place; each removes itself when it ends.
  std::map<std::uint64_t, Slot> live;
  /// Open connections per PeerKey.
  std::map<std::string, std::size_t> per_peer;
  std::uint64_t next_id = 0;

  void Count(WebCounters::Closed reason) {
    if (options.counters != nullptr) options.counters->Count(reason);
  }
  /// Forgets connection `id` (idempotent: an evicted connection is forgotten at once, and
  /// again when its coroutine ends).
  void Unregister(std::uint64_t id);
  /// Marks connection `id` busy (a request of it is being answered) or idle.
  void SetBusy(std::uint64_t id, bool busy);
  bool started = false;
  bool stopping = false;
};

/// The key under which connections from `address` share a peer's share: the IPv4 address, or
/// the /64 of an IPv6 address (one host usually owns a whole /64, RFC 4291 §2.5.4).
std::string PeerKey(const asio::ip::address& address);

/// Makes room for a connection from `peer` if the table or that peer's share is full: closes
/// the oldest idle connection (of that peer when its share is full). Returns false when there
/// is no room to make (every candidate is busy): the newcomer must be refused.
bool MakeRoom(ServerCore& core, const std::string& peer);

/// Serves `socket` (over TLS when core->tls is set) until the client leaves, a limit ends it or
/// AbortConnection(); registered in core->live meanwhile. Defined in http_connection.cpp, the
/// one file that sees Beast.
void SpawnConnection(asio::ip::tcp::socket socket, std::string peer,
                     std::shared_ptr<ServerCore> core);

/// Closes the connection's socket now; its coroutine ends at its next step.
void AbortConnection(HttpConnection& connection);

}  // namespace stx::http
