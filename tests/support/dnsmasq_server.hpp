#pragma once
// The real dnsmasq (Debian's dnsmasq-base) as a test DNS server on 127.0.0.1 at a free high
// port. It answers only from the records the test gives it and never forwards anywhere but
// loopback servers the test started itself.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/child_process.hpp"

namespace stx::test {

struct DnsmasqOptions {
  /// Extra dnsmasq options, typically records:
  ///   "--mx-host=example.test,mx1.example.test,10"         MX (preference defaults to 1)
  ///   "--host-record=mx1.example.test,192.0.2.1,2001:db8::1"  A and/or AAAA
  ///   "--dns-rr=nullmx.test,15,000000"                       raw RR (here MX "0 .")
  ///   "--txt-record=nodata.test,x"                           a name with no MX/A/AAAA
  ///   "--server=/zone.test/127.0.0.1#PORT"                   forward a zone to a local server
  /// A --server / -S / --rev-server that names a non-loopback address is rejected
  /// (std::invalid_argument): tests never send DNS off the machine.
  std::vector<std::string> args;
  /// Zones answered only from `args` (--local=/zone/): unknown names get NXDOMAIN, known names
  /// without the asked type get NOERROR/no data. Any other name gets REFUSED (no upstream).
  std::vector<std::string> local_zones = {"test"};
  /// Also listen on [::1] (same port).
  bool listen_ipv6 = false;
};

class DnsmasqServer {
 public:
  /// Starts dnsmasq and waits (at most 5 s) until it answers a UDP query. Throws
  /// std::runtime_error with the command line and dnsmasq's log when it cannot start; a test
  /// that constructs one therefore FAILS (never skips) without dnsmasq.
  explicit DnsmasqServer(DnsmasqOptions options);
  /// Shorthand: `args` with the default local zone "test".
  explicit DnsmasqServer(std::vector<std::string> args);
  ~DnsmasqServer();
  DnsmasqServer(const DnsmasqServer&) = delete;
  DnsmasqServer& operator=(const DnsmasqServer&) = delete;

  std::uint16_t port() const { return port_; }
  /// "127.0.0.1:PORT": for ResolverOptions::server and --dns-server.
  std::string server() const;
  /// "[::1]:PORT" (only when listen_ipv6).
  std::string server_v6() const;
  /// dnsmasq's log so far (every query is logged: --log-queries).
  std::string Log() const;

  /// Stops dnsmasq (a DNS outage); port() stays this server's. Idempotent.
  void Stop();
  /// Starts dnsmasq again on the same port with the same options and waits (at most 5 s)
  /// until it answers; throws std::runtime_error like the constructor when it cannot.
  void Restart();

  /// Options that make a dnsmasq answer SERVFAIL for names under `zone`: the zone is forwarded
  /// to `upstream_port` (another DnsmasqServer serving it unsigned) and DNSSEC validation is
  /// on with a made-up trust anchor for the zone, so every answer from it is BOGUS, which a
  /// validating resolver reports as SERVFAIL (RFC 4035 §5.5). dnsmasq has no simpler way: a
  /// SERVFAIL or REFUSED from upstream is passed on as is, a dead upstream is a timeout.
  static std::vector<std::string> ServFailZoneArgs(const std::string& zone,
                                                   std::uint16_t upstream_port);

 private:
  bool TryStart(std::string& failure);

  DnsmasqOptions options_;
  std::string dir_;
  std::uint16_t port_ = 0;
  std::unique_ptr<ChildProcess> child_;
};

}  // namespace stx::test
