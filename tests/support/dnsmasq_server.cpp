#include "support/dnsmasq_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "support/dns_query.hpp"

namespace stx::test {
namespace {

constexpr const char* kDnsmasq = "/usr/sbin/dnsmasq";
constexpr auto kStartTimeout = std::chrono::seconds(5);
constexpr int kPortAttempts = 3;

/// Throws when `arg` would make dnsmasq forward to anything but a loopback address.
void CheckLoopbackOnly(const std::string& arg) {
  const bool forwards = arg.rfind("--server=", 0) == 0 || arg.rfind("--rev-server=", 0) == 0 ||
                        arg.rfind("-S", 0) == 0 || arg.rfind("--resolv-file", 0) == 0;
  if (!forwards) return;
  if (arg.rfind("--resolv-file", 0) == 0) {
    throw std::invalid_argument("DnsmasqServer: " + arg +
                                ": upstream servers come only from "
                                "--server with a loopback address");
  }
  // --server=[/domain/...]/ADDR[#PORT][@source]: the address follows the last '/' or '='.
  const auto eq = arg.find('=');
  std::string value = eq == std::string::npos ? arg.substr(2) : arg.substr(eq + 1);
  if (const auto slash = value.rfind('/'); slash != std::string::npos) {
    value = value.substr(slash + 1);
  }
  const std::string address = value.substr(0, value.find_first_of("#@"));
  const bool loopback =
      address.empty() /* "local only" */ || address.rfind("127.", 0) == 0 || address == "::1";
  if (!loopback) {
    throw std::invalid_argument("DnsmasqServer: " + arg +
                                ": tests may forward only to loopback servers");
  }
}

/// ". SOA" with RD: any reply at all means dnsmasq serves on `port`.
bool Answers(std::uint16_t port) { return AskLoopbackUdp(port, SoaQuery(".", true)).has_value(); }

std::string Join(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& a : argv) line += (line.empty() ? "" : " ") + a;
  return line;
}

}  // namespace

DnsmasqServer::DnsmasqServer(std::vector<std::string> args)
    : DnsmasqServer(DnsmasqOptions{std::move(args), {"test"}, false}) {}

DnsmasqServer::DnsmasqServer(DnsmasqOptions options) : options_(std::move(options)) {
  for (const auto& arg : options_.args) CheckLoopbackOnly(arg);
  dir_ = MakeTempDir("stx-dnsmasq");
  std::string failure;
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    port_ = FreeLoopbackPort();
    if (TryStart(failure)) return;
    // The free port may have been taken between FreeLoopbackPort and dnsmasq's bind: retry
    // on another one; any other failure is final.
    if (failure.find("Address already in use") == std::string::npos) break;
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
  throw std::runtime_error(failure);
}

bool DnsmasqServer::TryStart(std::string& failure) {
  const DnsmasqOptions& options = options_;
  std::vector<std::string> argv = {
      kDnsmasq,
      // In the foreground but not in debug mode (--no-daemon): TCP connections get a process
      // each, so one a resolver keeps open (RFC 7766 §6.2.1) does not stall every UDP query.
      "--keep-in-foreground",
      "--conf-file=/dev/null",  // not /etc/dnsmasq.conf
      "--no-resolv",            // no upstream from /etc/resolv.conf: nothing leaves loopback
      "--no-hosts",             // not /etc/hosts
      "--bind-interfaces",
      "--listen-address=127.0.0.1",
      "--port=" + std::to_string(port_),
      "--pid-file=" + dir_ + "/dnsmasq.pid",
      "--log-facility=-",  // stderr, which ChildProcess sends to the log file
      "--log-queries",
  };
  if (options.listen_ipv6) argv.push_back("--listen-address=::1");
  // dnsmasq drops root to "nobody" by default; as root, stay root so it can read our files.
  if (::geteuid() == 0) {
    argv.push_back("--user=root");
    argv.push_back("--group=root");
  }
  for (const auto& zone : options.local_zones) argv.push_back("--local=/" + zone + "/");
  argv.insert(argv.end(), options.args.begin(), options.args.end());

  const std::string log_path = dir_ + "/dnsmasq.log";
  child_ = std::make_unique<ChildProcess>(argv, log_path);
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!child_->Running()) break;
    if (Answers(port_)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const bool exited = !child_->Running();
  child_->Stop();
  failure = std::string("dnsmasq ") +
            (exited ? "exited before answering" : "did not answer within 5 s") +
            "\ncommand: " + Join(argv) + "\nlog:\n" + ReadFile(log_path);
  child_.reset();
  return false;
}

DnsmasqServer::~DnsmasqServer() {
  if (child_) child_->Stop();
  child_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void DnsmasqServer::Stop() {
  if (child_) child_->Stop();
  child_.reset();
}

void DnsmasqServer::Restart() {
  Stop();
  std::string failure;
  if (!TryStart(failure))
    throw std::runtime_error("restart on port " + std::to_string(port_) + ": " + failure);
}

std::string DnsmasqServer::server() const { return "127.0.0.1:" + std::to_string(port_); }

std::string DnsmasqServer::server_v6() const { return "[::1]:" + std::to_string(port_); }

std::string DnsmasqServer::Log() const { return child_ ? child_->Log() : std::string(); }

std::vector<std::string> DnsmasqServer::ServFailZoneArgs(const std::string& zone,
                                                         std::uint16_t upstream_port) {
  return {
      "--server=/" + zone + "/127.0.0.1#" + std::to_string(upstream_port),
      "--dnssec",
      // dnsmasq insists on a root anchor once DNSSEC is on; this is the real root KSK-2017
      // (RFC 7958 format, from IANA's root-anchors.xml). Local zones are never validated.
      "--trust-anchor=.,20326,8,2,E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
      // A DS for the zone that matches no key: the unsigned upstream answers are BOGUS.
      "--trust-anchor=" + zone + ",12345,8,2," + std::string(64, '0'),
  };
}

}  // namespace stx::test
