#pragma once
// A real validating recursive resolver for tests whose client resolves through libc, which
// asks only port 53 of the name servers in resolv.conf and takes DNSSEC's verdict from the AD
// bit (RFC 4035 §3.2.3; RFC 7672 §2.1.3: a DANE SMTP client trusts the AD bit of a validating
// resolver it is configured to trust). Debian's unbound, run as a child on port 53 of one
// loopback address, forwards every query to a SignedZoneServer and validates from its trust
// anchor. Nothing outside its temp dir is read for configuration or written; the machine's
// /etc/resolv.conf is never touched (resolv_conf_path() is for a client run in a mount
// namespace of its own, see PostfixSenderOptions::resolv_conf).
#include <cstdint>
#include <memory>
#include <string>

#include "support/child_process.hpp"

namespace stx::test {

struct ValidatingResolverOptions {
  /// The loopback address unbound listens on, port 53 (UDP and TCP). One test at a time per
  /// address: tests that may run in parallel each take their own.
  std::string address;
  /// Where every query goes: the authoritative rig on 127.0.0.1:`forward_port`.
  std::uint16_t forward_port = 0;
  /// The DS records of the rig's top zones (SignedZoneServer::trust_anchor_file()).
  std::string trust_anchor_file;
  /// A name whose SOA must be answered NOERROR with the AD bit before the constructor returns
  /// (the rig's top zone): the resolver is up and validates from the anchor.
  std::string secure_name;
};

/// `unbound -d -c <temp>/unbound.conf`: no system service, no remote control, no chroot, no
/// user change (it stays root, for port 53), every query logged, no root hints (a forward zone for
/// "." sends every query to the rig, so nothing leaves loopback). The constructor returns once
/// `secure_name` is answered as secure; when unbound is missing, cannot bind its address or does
/// not validate it throws std::runtime_error with unbound's log, so the test FAILS (never skips).
/// The destructor stops unbound and removes the temp dir unless the current test failed or
/// STX_KEEP_TEST_DIRS is set.
class ValidatingResolver {
 public:
  explicit ValidatingResolver(ValidatingResolverOptions options);
  ~ValidatingResolver();
  ValidatingResolver(const ValidatingResolver&) = delete;
  ValidatingResolver& operator=(const ValidatingResolver&) = delete;

  const std::string& address() const { return options_.address; }
  /// A resolv.conf naming this resolver alone ("nameserver <address>", "options trust-ad"),
  /// readable by everyone.
  std::string resolv_conf_path() const { return dir_ + "/resolv.conf"; }
  /// unbound's log so far (every query received, validation failures), for failure messages.
  std::string Log() const;
  /// True when a client asked "<name> <type>" ("_25._tcp.mx.example.test.", "TLSA"; the
  /// name absolute, in lower case) since the start: what a client looked up, from unbound's
  /// log of queries.
  bool WasAsked(const std::string& name, const std::string& type) const;

 private:
  ValidatingResolverOptions options_;
  std::string dir_;
  std::unique_ptr<ChildProcess> child_;
};

}  // namespace stx::test
