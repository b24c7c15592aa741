#pragma once
// What the web server's limits did, counted for /metrics: connections the server closed because
// of a limit, and how /probe requests were answered. Plain data for the one thread of the event
// loop; the HTTP server and the /probe route write it, the exposition reads it.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace stx {

struct WebCounters {
  /// Why the server closed a connection (the client closing it is not counted).
  enum class Closed : std::size_t {
    kRequestTimeout,  ///< a request (the first one: the connection) not complete in time
    kIdleTimeout,     ///< a keep-alive connection idle too long between requests
    kWriteTimeout,    ///< the client did not read the response in time
    kEvicted,         ///< idle, closed to make room for a newcomer (full table or peer share)
    kPeerLimit,       ///< refused: its peer's share was taken by connections busy with requests
    kTableFull,       ///< refused: every connection of the table was busy with a request
  };
  static constexpr std::array<std::string_view, 6> kClosedReasons{
      "request_timeout", "idle_timeout", "write_timeout", "evicted", "peer_limit", "table_full"};

  /// How a /probe request with a valid target was answered.
  enum class ProbeAnswer : std::size_t {
    kProbed,     ///< by a probe started for it
    kShared,     ///< by a probe of the same domain already under way for another request
    kCached,     ///< from a result recent enough that probing again would probe too often
    kRefused,    ///< 429: the queue of /probe probes was full
    kAbandoned,  ///< not at all: its client left before its probe could start (dropped)
  };
  static constexpr std::array<std::string_view, 5> kProbeAnswers{"probed", "shared", "cached",
                                                                 "refused", "abandoned"};

  std::array<std::uint64_t, kClosedReasons.size()> closed{};
  std::array<std::uint64_t, kProbeAnswers.size()> probe_requests{};

  void Count(Closed reason) { ++closed[static_cast<std::size_t>(reason)]; }
  void Count(ProbeAnswer answer) { ++probe_requests[static_cast<std::size_t>(answer)]; }
};

}  // namespace stx
