#pragma once
// A fleet of scripted partners in one process: thousands of MX hosts, each a listener on its
// own loopback address, all served by ONE io_context on ONE thread. ScriptedSmtpServer (one
// listener, one thread) is right for a test that needs a partner or two; a benchmark or soak
// with 10,000 partners needs this.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "scripted/fleet_plan.hpp"

namespace stx::scripted {

struct FleetOptions {
  std::vector<FleetPartner> partners;
  std::uint16_t port = 2525;  ///< every listener's port (an MX host's SMTP port)
  /// Where the CA (`ca.pem`) and the leaf certificates go; a temporary directory, removed by
  /// the destructor, when empty.
  std::string pki_dir;
  /// The certificates are issued for "*.<domain_suffix>" (RFC 6125 §6.4.3 wildcard: one
  /// certificate fits every MX host of the fleet); banners and EHLO replies speak for
  /// "mx.<domain_suffix>" (one script per behaviour, shared by its listeners).
  std::string domain_suffix = "fleet.test";
  std::chrono::milliseconds slow_banner_delay{2000};  ///< the slow_banner behaviour's delay
  /// Every partner waits this long before its banner, on top of its behaviour: the greet
  /// pause of Postfix's postscreen or sendmail, and a way to keep many probes in flight.
  std::chrono::milliseconds greet_pause{0};
};

/// What the fleet served so far.
struct FleetCounts {
  std::size_t connections = 0;
  std::size_t handshakes_started = 0;    ///< TLS server handshakes begun
  std::size_t handshakes_completed = 0;  ///< and completed
  std::map<std::string, std::size_t> connections_by_behaviour;
};

/// The listeners of FleetOptions::partners, bound in the constructor (throws when one cannot
/// be), served on one thread until Stop(). Raises this process's RLIMIT_NOFILE soft limit to
/// the hard limit first: each listener and each connection is a descriptor.
class ScriptedFleet {
 public:
  explicit ScriptedFleet(FleetOptions options);
  ~ScriptedFleet();  ///< Stop()s
  ScriptedFleet(const ScriptedFleet&) = delete;
  ScriptedFleet& operator=(const ScriptedFleet&) = delete;

  const std::vector<FleetPartner>& partners() const;
  /// The CA that issued every certificate of the fleet.
  const std::string& ca_path() const;
  /// How many distinct TLS server contexts the fleet built (one per certificate kind and TLS
  /// version range, shared by every listener that needs it).
  std::size_t tls_context_count() const;

  /// Closes every listener and connection and joins the thread; idempotent, bounded (2 s).
  void Stop();
  /// Thread-safe; while running it asks the fleet's thread (bounded wait).
  FleetCounts Counts() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stx::scripted
