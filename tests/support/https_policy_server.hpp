#pragma once
// A real HTTPS server for MTA-STS policies (RFC 8461 §3.3) in tests: Debian's nginx, one
// virtual host per partner domain (mta-sts.<domain>, chosen by SNI), each with its own
// certificate and its own answer at /.well-known/mta-sts.txt. Loopback only; its
// configuration, logs and pid file live in a temp dir.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/child_process.hpp"

namespace stx::test {

struct PolicySite {
  std::string domain;           ///< the partner domain: the host is mta-sts.<domain>
  std::string cert_chain_path;  ///< PEM: the certificate, then its intermediates
  std::string key_path;
  /// nginx directives inside `location = /.well-known/mta-sts.txt { ... }`, e.g.
  /// PolicyAnswer(body), "return 301 https://elsewhere.test/;", "default_type text/html;
  /// return 200 '...';".
  std::string location;
};

/// The directives that serve `body` as text/plain with status 200 (written to a file beside
/// the configuration: a body of any size and bytes).
std::string PolicyAnswer(const std::string& body, const std::string& content_type = "text/plain");

/// nginx (`nginx -p <dir> -c nginx.conf -g 'daemon off;'`) for the duration of a test, listening
/// with TLS on `address`:`port` (a loopback address; port 443 is where senders fetch policies,
/// which needs root). A host name no site names gets a 404 from a default server. The
/// constructor returns once the port accepts connections; when nginx is missing or cannot
/// start it throws std::runtime_error with its error log, so the test FAILS.
class HttpsPolicyServer {
 public:
  HttpsPolicyServer(std::string address, std::uint16_t port, std::vector<PolicySite> sites);
  ~HttpsPolicyServer();
  HttpsPolicyServer(const HttpsPolicyServer&) = delete;
  HttpsPolicyServer& operator=(const HttpsPolicyServer&) = delete;

  const std::string& address() const { return address_; }
  std::uint16_t port() const { return port_; }
  /// nginx's error and access logs so far, for failure messages.
  std::string Log() const;

 private:
  std::string address_;
  std::uint16_t port_;
  std::string dir_;
  std::unique_ptr<ChildProcess> child_;
};

}  // namespace stx::test
