#pragma once
// A UDP DNS forwarder for fault tests: it relays each query to a loopback DNS server (a
// DnsmasqServer) and delays, drops or corrupts the answer according to the query name.
// dnsmasq itself always answers at once and always answers well: this is how a test gets a
// slow resolver, a resolver that never answers, and a resolver that lies.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace stx::test {

/// What the proxy does to the answer of a query.
enum class DnsFault {
  kNone,             ///< relay the answer unchanged (after the rule's delay)
  kDrop,             ///< never answer (the query is not even forwarded)
  kWrongId,          ///< the answer with another transaction ID (RFC 1035 §4.1.1)
  kWrongQuestion,    ///< the answer with a different name in its question section
  kShortGarbage,     ///< 7 bytes, the query's ID then junk: shorter than a DNS header
  kTruncatedRecords  ///< header and question intact, the answer cut inside its first record
};

/// Applies to a query whose name equals `suffix` or ends in "." + `suffix` (case-insensitive).
struct DnsFaultRule {
  std::string suffix;
  DnsFault fault = DnsFault::kNone;
  std::chrono::milliseconds delay{0};  ///< before the (possibly corrupted) answer is sent
};

class FaultyDnsProxy {
 public:
  /// Listens on 127.0.0.1 at a free port and forwards to 127.0.0.1:`upstream_port`. Queries
  /// matching no rule are relayed unchanged at once. Throws std::runtime_error when it cannot
  /// bind.
  FaultyDnsProxy(std::uint16_t upstream_port, std::vector<DnsFaultRule> rules);
  ~FaultyDnsProxy();  ///< stops and joins the thread; answers still delayed are dropped
  FaultyDnsProxy(const FaultyDnsProxy&) = delete;
  FaultyDnsProxy& operator=(const FaultyDnsProxy&) = delete;

  std::uint16_t port() const { return port_; }
  /// "127.0.0.1:PORT": for the exporter's dns_server.
  std::string server() const;
  /// Queries received so far for names matching `suffix`'s rule (each retry counts).
  std::size_t Hits(const std::string& suffix) const;

 private:
  struct Pending {
    std::chrono::steady_clock::time_point due;
    std::vector<unsigned char> message;
    std::vector<unsigned char> client;  ///< the client's sockaddr_in, as bytes
  };
  void Serve();
  void HandleQuery(const std::vector<unsigned char>& query,
                   const std::vector<unsigned char>& client);
  void SendDue();

  std::uint16_t upstream_port_;
  std::vector<DnsFaultRule> rules_;
  int socket_ = -1;
  std::uint16_t port_ = 0;
  std::vector<Pending> pending_;  ///< owned by the proxy thread
  mutable std::mutex mutex_;
  std::map<std::string, std::size_t> hits_;  ///< by rule suffix, under mutex_
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace stx::test
