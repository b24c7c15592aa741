#pragma once
// A minimal blocking HTTP/1.1 client for tests: one request per connection, loopback only,
// every read and write bounded by a timeout.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace stx::test {

struct HttpReply {
  int status = 0;  ///< 0 when no reply could be read (connection refused, timeout)
  std::map<std::string, std::string> headers;  ///< lower-case names
  std::string body;
  std::string error;  ///< why status is 0
};

HttpReply HttpRequest(const std::string& method, std::uint16_t port, const std::string& target,
                      const std::string& extra_headers = "",
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));
/// The body of a `Transfer-Encoding: chunked` message, decoded; `error` says what was wrong
/// when it is malformed or cut off (then the body so far is returned).
std::string DecodeChunked(std::string_view body, std::string& error);

inline HttpReply HttpGet(std::uint16_t port, const std::string& target) {
  return HttpRequest("GET", port, target);
}

/// The value of the first sample of metric `name` whose labels include every pair of
/// `labels` (in any order); NaN when there is none.
double MetricValue(const std::string& exposition, const std::string& name,
                   const std::map<std::string, std::string>& labels = {});
/// How many samples of metric `name` carry every pair of `labels`.
std::size_t CountSeries(const std::string& exposition, const std::string& name,
                        const std::map<std::string, std::string>& labels = {});

}  // namespace stx::test
