#include "support/validating_resolver.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "support/dns_query.hpp"

namespace stx::test {
namespace {

// Absolute path: root's PATH has /usr/sbin, an ordinary user's may not.
constexpr const char* kUnbound = "/usr/sbin/unbound";
constexpr const char* kPackage = "(Debian package unbound: scripts/install-deps)";
constexpr auto kStartTimeout = std::chrono::seconds(10);

/// What the resolver said to "<name> SOA" asked with RD and AD (RFC 6840 §5.7: a query with
/// AD set asks for the AD bit in the answer, without EDNS0 DO): "" when nothing came.
std::string SoaVerdict(const std::string& address, const std::string& name) {
  std::vector<unsigned char> query = SoaQuery(name, true);
  query[3] |= 0x20;  // AD
  const auto reply = AskUdp(address, 53, query);
  if (!reply) return "";
  const std::vector<unsigned char>& r = *reply;
  const int rcode = r[3] & 0x0f;
  if (rcode != 0) return "rcode " + std::to_string(rcode);
  if (r[6] == 0 && r[7] == 0) return "no answer";
  return (r[3] & 0x20) != 0 ? "secure" : "answered without the AD bit";
}

}  // namespace

ValidatingResolver::ValidatingResolver(ValidatingResolverOptions options)
    : options_(std::move(options)) {
  if (::access(kUnbound, X_OK) != 0) {
    throw std::runtime_error(std::string("ValidatingResolver: ") + kUnbound + " missing " +
                             kPackage);
  }
  if (::geteuid() != 0) {
    throw std::runtime_error("ValidatingResolver: port 53 (" + options_.address +
                             ") needs root: libc's resolver asks no other port");
  }
  dir_ = MakeTempDir("stx-unbound");
  // The client reads it through a bind mount on /etc/resolv.conf as an unprivileged user
  // (Postfix's smtp runs as `postfix`): the file is world-readable, the temp dir need not be.
  // trust-ad: glibc 2.36 clears the AD bit of answers unless told that the name server is
  // trusted (Postfix also sets RES_TRUSTAD itself when it asks for DNSSEC).
  WriteFile(resolv_conf_path(), "nameserver " + options_.address + "\noptions trust-ad\n");
  ::chmod(resolv_conf_path().c_str(), 0644);
  std::string conf = "# Written by stx::test::ValidatingResolver for one test.\nserver:\n";
  conf += "  interface: " + options_.address + "\n";
  conf += "  port: 53\n  do-ip6: no\n  access-control: 127.0.0.0/8 allow\n";
  // Stays the user it was started as, in its temp dir: no chroot, no pid file, no syslog (the
  // log is its stderr, which ChildProcess keeps).
  conf += "  username: \"\"\n  chroot: \"\"\n  directory: \"" + dir_ + "\"\n";
  conf += "  pidfile: \"\"\n  use-syslog: no\n  logfile: \"\"\n  num-threads: 1\n";
  conf += "  module-config: \"validator iterator\"\n";
  // Validation failures ("signature expired ... while building chain of trust") in the log,
  // for the failure messages of the tests that expect them or do not; and each query received
  // ("info: 127.0.0.1 <name> <type> IN"): what the client looked up.
  conf += "  verbosity: 1\n  val-log-level: 2\n  log-queries: yes\n";
  // The rig is on 127.0.0.1, which unbound would not query by default.
  conf += "  do-not-query-localhost: no\n";
  // RFC 6761 names (test.) are answered from built-in empty zones unless told otherwise.
  conf += "  local-zone: \"test.\" nodefault\n";
  conf += "  trust-anchor-file: \"" + options_.trust_anchor_file + "\"\n";
  // No RFC 8145 key-tag queries in the rig's log.
  conf += "  trust-anchor-signaling: no\n  qname-minimisation: no\n";
  conf += "remote-control:\n  control-enable: no\n";
  // Everything to the rig, nothing to the root servers: the rig answers REFUSED for names
  // outside its zones, which unbound turns into SERVFAIL.
  conf += "forward-zone:\n  name: \".\"\n";
  conf += "  forward-addr: 127.0.0.1@" + std::to_string(options_.forward_port) + "\n";
  WriteFile(dir_ + "/unbound.conf", conf);

  const std::vector<std::string> argv = {kUnbound, "-d", "-c", dir_ + "/unbound.conf"};
  child_ = std::make_unique<ChildProcess>(argv, dir_ + "/unbound.log");
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  std::string verdict;
  while (std::chrono::steady_clock::now() < deadline && child_->Running()) {
    verdict = SoaVerdict(options_.address, options_.secure_name);
    if (verdict == "secure") return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const bool exited = !child_->Running();
  child_->Stop();
  const std::string log = Log();
  child_.reset();
  throw std::runtime_error(
      "ValidatingResolver: unbound on " + options_.address + ":53 " +
      (exited ? "exited (see its log: port 53 of that address taken, a bad anchor?)"
              : "did not answer " + options_.secure_name + " SOA as secure within 10 s (last: " +
                    (verdict.empty() ? "no reply" : verdict) + ")") +
      "\ntemp dir kept: " + dir_ + "\nlog:\n" + log);
}

ValidatingResolver::~ValidatingResolver() {
  child_.reset();
  if (!::testing::Test::HasFailure() && std::getenv("STX_KEEP_TEST_DIRS") == nullptr) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

std::string ValidatingResolver::Log() const { return ReadFile(dir_ + "/unbound.log"); }

bool ValidatingResolver::WasAsked(const std::string& name, const std::string& type) const {
  return Log().find(" " + name + " " + type + " IN\n") != std::string::npos;
}

}  // namespace stx::test
