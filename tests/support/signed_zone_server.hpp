#pragma once
// A real DNSSEC-signed authoritative DNS server for tests: Debian's NSD 4 serving a tree of
// zones signed per run with ldns (package ldnsutils), on 127.0.0.1 at a free high port (UDP and
// TCP). A validating resolver pointed at it (forwarding to server(), trust anchor from
// trust_anchor_file()) gets secure, bogus and insecure answers. Loopback only; nothing outside
// its temp dir is read for configuration or written.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/child_process.hpp"

namespace stx::test {

/// How a zone is served, as a validating resolver will judge it (RFC 4035 §4.3).
enum class ZoneMode {
  /// Signed, and (below the top zone) a DS for its key in the parent: answers are secure.
  kSecure,
  /// Signed with a DS in the parent, but every RRSIG expired a week ago (inception two weeks
  /// ago): answers are bogus ("signature expired"), which a validator answers SERVFAIL.
  kBogusExpired,
  /// Unsigned, and no DS in the parent, whose signed NSEC/NSEC3 proves that no DS exists: a
  /// provably insecure delegation (RFC 4035 §5.2), answers are insecure.
  kUnsigned,
};

/// One zone of the tree. Its parent is the longest other zone of the tree that it is under;
/// a zone with no parent is a top zone, whose key is the trust anchor.
struct SignedZone {
  /// "secure.dnssec.test." (the trailing dot is optional; case is folded).
  std::string name;
  ZoneMode mode = ZoneMode::kSecure;
  /// Zone-file lines, after "$ORIGIN <name>" and "$TTL <ttl>", so owners may be relative:
  ///   "@ MX 10 mx", "mx A 192.0.2.1", "mx AAAA 2001:db8::1", "@ TXT \"v=spf1 -all\"",
  ///   "_25._tcp.mx TLSA 3 1 1 <64 hex digits>".
  /// The rig adds the SOA, "@ NS ns", "ns A 127.0.0.1" and each child's delegation (NS, glue,
  /// and a DS when the child is signed): tests leave those names alone.
  std::vector<std::string> records;
  /// Denial of existence by NSEC3 (RFC 5155; 0 iterations, no salt, RFC 9276) instead of NSEC.
  bool nsec3 = false;
};

struct SignedZoneOptions {
  std::vector<SignedZone> zones;
  /// The TTL of every record the test does not give one, and the SOA's negative TTL: a
  /// resolver that cached an answer sees a replaced zone after at most this many seconds.
  std::uint32_t ttl = 10;
};

/// NSD (`nsd -d -c <temp>/nsd.conf`) run as a child for the duration of a test. Each run makes
/// fresh ECDSA P-256 keys (algorithm 13, one key per signed zone with the SEP flag, signing
/// everything), signs with ldns-signzone and derives DS records with ldns-key2ds (SHA-256).
/// NSD's configuration, zone files, pid file and transfer state all live in the temp dir (no
/// database, no remote control, no system service). As root, NSD drops to the `nsd` user after
/// binding (unless that user could not reach the temp dir); the keys stay root's alone.
///
/// The constructor returns once every zone answers a UDP SOA query authoritatively; when a tool
/// is missing, a zone does not load or NSD cannot start it throws std::runtime_error with the
/// command and its output or NSD's log, so the test FAILS (never skips). The destructor stops
/// NSD; it removes the temp dir unless the current test failed or STX_KEEP_TEST_DIRS is set.
class SignedZoneServer {
 public:
  explicit SignedZoneServer(SignedZoneOptions options);
  /// Shorthand: `zones` with the default TTL.
  explicit SignedZoneServer(std::vector<SignedZone> zones);
  ~SignedZoneServer();
  SignedZoneServer(const SignedZoneServer&) = delete;
  SignedZoneServer& operator=(const SignedZoneServer&) = delete;

  std::uint16_t port() const { return port_; }
  /// "127.0.0.1:PORT".
  std::string server() const;
  /// The DS records of the signed top zones, one zone-file line each
  /// ("dnssec.test. 3600 IN DS 12345 13 2 <hex>"), as ub_ctx_add_ta_file and unbound's
  /// trust-anchor-file read them.
  const std::string& trust_anchor_file() const { return trust_anchor_file_; }
  /// The temp dir: nsd.conf, zones/ (as written and as signed), state/ (NSD's log, pid file).
  const std::string& dir() const { return dir_; }
  /// The zone file NSD serves for `zone` (signed or not), for failure messages.
  std::string ServedZoneText(const std::string& zone) const;
  /// NSD's log and its standard output and error so far.
  std::string Log() const;

  /// Replaces the zone named `zone.name` (records, mode, NSEC3) with `zone`, re-signs the tree
  /// with the same keys and a higher SOA serial, and restarts NSD on the same port; returns
  /// once it answers (as the constructor does). A mode change updates the parent's DS.
  /// std::invalid_argument when the tree has no such zone.
  void ReplaceZone(SignedZone zone);

  /// Stops NSD (an outage); port() stays this server's. Idempotent.
  void Stop();
  /// Starts NSD again on the same port with the current zones and waits until it answers.
  void Restart();

 private:
  struct ZoneKey {
    std::string base;  ///< keys/K<name>+013+<tag>, as ldns-signzone takes it
    std::string ds;    ///< the DS record's RDATA ("12345 13 2 <hex>")
  };

  const ZoneKey& KeyFor(const std::string& zone);
  void WriteZones();
  void WriteConfig();
  bool TryStart(std::string& failure);

  SignedZoneOptions options_;
  std::string dir_;
  std::string trust_anchor_file_;
  std::map<std::string, ZoneKey> keys_;
  std::string nsd_user_;  ///< NSD's `username:` ("": it stays who it was started as)
  std::uint32_t serial_ = 0;
  std::uint16_t port_ = 0;
  std::unique_ptr<ChildProcess> child_;
};

}  // namespace stx::test
