#pragma once
// A blocking HTTP/1.1 client that keeps its connection alive, for the benchmark's load tools.
// The test support client (tests/support/http_client.hpp) opens a connection per request;
// here a connection per request would load the measured server with TCP set-up that
// Prometheus, which keeps connections alive, never causes. Loopback only; every connect, read
// and write is bounded by the timeout.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace stx::bench {

/// "http://127.0.0.1:9725/metrics" split up. Only http:// and IPv4 literals: the benchmark
/// talks to loopback servers it started.
struct Url {
  std::string host;
  std::uint16_t port = 0;
  std::string target = "/";  ///< path and query
};
/// Throws std::invalid_argument naming what is wrong.
Url ParseUrl(std::string_view text);

struct HttpReply {
  unsigned status = 0;
  std::string body;  ///< as received (still compressed when content_encoding is set)
  std::string content_encoding;
  std::chrono::nanoseconds latency{0};  ///< from the first byte written to the last byte read
};

class KeepAliveHttpClient {
 public:
  KeepAliveHttpClient(std::string host, std::uint16_t port, std::chrono::milliseconds timeout);
  ~KeepAliveHttpClient();
  KeepAliveHttpClient(const KeepAliveHttpClient&) = delete;
  KeepAliveHttpClient& operator=(const KeepAliveHttpClient&) = delete;

  /// GET `target` (with `accept_gzip`, "Accept-Encoding: gzip"). Reuses the connection; opens
  /// a new one when there is none or the server closed the old one between requests. Throws
  /// std::runtime_error on a timeout, a refused connection or a malformed reply.
  HttpReply Get(const std::string& target, bool accept_gzip = false);

 private:
  void Connect();
  void Close();
  void SendAll(std::string_view bytes);
  /// Reads more bytes into buffer_; false on orderly close by the peer.
  bool ReadSome();
  HttpReply ReadReply();
  std::string ReadChunked();

  std::string host_;
  std::uint16_t port_;
  std::chrono::milliseconds timeout_;
  int fd_ = -1;
  std::string buffer_;  ///< received, not yet consumed
};

}  // namespace stx::bench
