#include "support/postfix_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "support/child_process.hpp"
#include "support/postfix_config.hpp"

namespace stx::test {
namespace {

using postfix::FirstLineContaining;
using postfix::kMasterPath;
using postfix::MainCf;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kPortAttempts = 3;

bool IsIpv6(const std::string& address) { return address.find(':') != std::string::npos; }

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = AF_INET;
};

SocketAddress MakeSocketAddress(const std::string& address, std::uint16_t port) {
  SocketAddress result;
  if (IsIpv6(address)) {
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(port);
    if (::inet_pton(AF_INET6, address.c_str(), &in6.sin6_addr) != 1) {
      throw std::invalid_argument("PostfixServer: bad IPv6 address " + address);
    }
    std::memcpy(&result.storage, &in6, sizeof in6);
    result.length = sizeof in6;
    result.family = AF_INET6;
  } else {
    sockaddr_in in4{};
    in4.sin_family = AF_INET;
    in4.sin_port = htons(port);
    if (::inet_pton(AF_INET, address.c_str(), &in4.sin_addr) != 1) {
      throw std::invalid_argument("PostfixServer: bad IPv4 address " + address);
    }
    std::memcpy(&result.storage, &in4, sizeof in4);
    result.length = sizeof in4;
  }
  return result;
}

class Socket {
 public:
  explicit Socket(int family) : fd_(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// FreeLoopbackPort() knows 127.0.0.1 only; ::1 needs its own bind.
std::uint16_t FreePortOn(const std::string& address) {
  if (!IsIpv6(address)) return FreeLoopbackPort();
  SocketAddress addr = MakeSocketAddress(address, 0);
  Socket socket(addr.family);
  if (socket.fd() < 0 ||
      ::bind(socket.fd(), reinterpret_cast<sockaddr*>(&addr.storage), addr.length) != 0) {
    throw std::runtime_error("PostfixServer: cannot bind " + address + ": " + std::strerror(errno));
  }
  socklen_t length = sizeof addr.storage;
  ::getsockname(socket.fd(), reinterpret_cast<sockaddr*>(&addr.storage), &length);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&addr.storage)->sin6_port);
}

// True when address:port can be bound right now (with SO_REUSEADDR, as master binds).
bool PortIsFree(const std::string& address, std::uint16_t port) {
  SocketAddress addr = MakeSocketAddress(address, port);
  Socket socket(addr.family);
  const int on = 1;
  ::setsockopt(socket.fd(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  return socket.fd() >= 0 &&
         ::bind(socket.fd(), reinterpret_cast<sockaddr*>(&addr.storage), addr.length) == 0;
}

// True when the TCP socket listening on `port` is one of process `pid`'s descriptors: the
// listener inode from /proc/net/tcp{,6} (columns: sl local rem st ... uid timeout inode)
// matched against /proc/<pid>/fd/* links "socket:[inode]".
bool ListenerOwnedBy(pid_t pid, bool ipv6, std::uint16_t port) {
  char port_hex[8];
  std::snprintf(port_hex, sizeof port_hex, ":%04X", static_cast<unsigned>(port));
  std::vector<std::string> listeners;
  std::istringstream table(ReadFile(ipv6 ? "/proc/net/tcp6" : "/proc/net/tcp"));
  for (std::string line; std::getline(table, line);) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
    fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
        timeout >> inode;
    if (state == "0A" && local.ends_with(port_hex)) listeners.push_back("socket:[" + inode + "]");
  }
  if (listeners.empty()) return false;
  std::error_code ec;
  const std::string fd_dir = "/proc/" + std::to_string(pid) + "/fd";
  for (const auto& entry : std::filesystem::directory_iterator(fd_dir, ec)) {
    const std::string target = std::filesystem::read_symlink(entry.path(), ec).string();
    if (std::find(listeners.begin(), listeners.end(), target) != listeners.end()) return true;
  }
  return false;
}

// Postfix names an inet service "host:port", an IPv6 host in brackets (master(5)).
std::string ServiceName(const std::string& address, std::uint16_t port) {
  const std::string host = IsIpv6(address) ? "[" + address + "]" : address;
  return host + ":" + std::to_string(port);
}

enum class ProbeState { kNotYet, kServing, kWrong };
struct ProbeOutcome {
  ProbeState state = ProbeState::kNotYet;
  std::string detail;
};

// Reads one SMTP reply (RFC 5321 §4.2: continuation lines have '-' after the code, the last a
// space). Empty on timeout or EOF.
std::string ReadReply(int fd, std::string& buffer, Clock::time_point deadline) {
  while (Clock::now() < deadline) {
    // Complete when some line in the buffer is a final line ("ddd " or exactly "ddd").
    std::size_t start = 0;
    for (std::size_t end; (end = buffer.find("\r\n", start)) != std::string::npos;
         start = end + 2) {
      if (end - start < 4 || buffer[start + 3] == ' ') {
        std::string reply = buffer.substr(0, end + 2);
        buffer.erase(0, end + 2);
        return reply;
      }
    }
    char chunk[1024];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return "";  // EOF, error, or SO_RCVTIMEO expired
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  return "";
}

bool SendLine(int fd, const std::string& line) {
  const std::string data = line + "\r\n";
  return ::send(fd, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
}

// The readiness probe is a short SMTP session: the 220 banner and, with `want_starttls`, EHLO
// listing STARTTLS and STARTTLS answered 220. The banner alone does not prove TLS works:
// smtpd that cannot load its key or certificate still lists STARTTLS and then answers
// "454 4.7.0 TLS not available due to local problem" (seen with Postfix 3.7).
ProbeOutcome ProbeSmtp(const SocketAddress& target, Clock::time_point deadline,
                       bool want_starttls) {
  Socket socket(target.family);
  if (socket.fd() < 0) return {ProbeState::kWrong, std::string("socket: ") + std::strerror(errno)};
  // Each recv/send/connect gives up after a second; the loop around bounds the total.
  timeval tv{};
  tv.tv_sec = 1;
  ::setsockopt(socket.fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(socket.fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(socket.fd(), reinterpret_cast<const sockaddr*>(&target.storage), target.length) !=
      0) {
    return {};  // not listening yet
  }
  // master accepts nothing itself: the kernel queues the connection until smtpd has started,
  // so a connection can exist well before a banner does.
  std::string buffer;
  const std::string banner = ReadReply(socket.fd(), buffer, deadline);
  if (banner.empty()) return {};  // smtpd still starting, or it died (the log will say)
  if (banner.rfind("220 ", 0) != 0) return {ProbeState::kWrong, "banner: " + banner};
  if (want_starttls) {
    if (!SendLine(socket.fd(), "EHLO probe.postfix-server.test")) return {};
    const std::string ehlo = ReadReply(socket.fd(), buffer, deadline);
    if (ehlo.empty()) return {};
    if (ehlo.find("\r\n250-STARTTLS\r\n") == std::string::npos &&
        ehlo.find("\r\n250 STARTTLS\r\n") == std::string::npos) {
      return {ProbeState::kWrong, "TLS configured but EHLO does not offer STARTTLS:\n" + ehlo};
    }
    if (!SendLine(socket.fd(), "STARTTLS")) return {};
    const std::string starttls = ReadReply(socket.fd(), buffer, deadline);
    if (starttls.empty()) return {};
    if (starttls.rfind("220", 0) != 0) {
      return {ProbeState::kWrong, "TLS configured but STARTTLS answered: " + starttls};
    }
    // Closing instead of a handshake: smtpd logs "lost connection after STARTTLS", harmless.
    return {ProbeState::kServing, banner};
  }
  SendLine(socket.fd(), "QUIT");
  return {ProbeState::kServing, banner};
}

// master reports a configuration it cannot use only to syslog (there is no /dev/log here) and
// exits 1 silently; postfix(1) finds the same errors but prints them only when stderr is a
// terminal. So, on that failure only, ask `postfix status` (read-only) through script(1)'s pty.
std::string DiagnoseWithPostfixCommand(const std::string& config_dir, const std::string& out) {
  if (::access("/usr/bin/script", X_OK) != 0) return "(no /usr/bin/script to run postfix(1))\n";
  ChildProcess status(
      {"/usr/bin/script", "-qec", "/usr/sbin/postfix -c '" + config_dir + "' status", "/dev/null"},
      out);
  const Clock::time_point deadline = Clock::now() + milliseconds(5000);
  while (status.Running() && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  status.Stop();
  return ReadFile(out);
}

}  // namespace

PostfixServer::PostfixServer(PostfixOptions options) : options_(std::move(options)) {
  if (options_.tls_chain_path.empty() != options_.tls_key_path.empty()) {
    throw std::invalid_argument(
        "PostfixServer: give both tls_chain_path and tls_key_path, or neither");
  }
  for (const auto* path : {&options_.tls_chain_path, &options_.tls_key_path}) {
    if (!path->empty() && ::access(path->c_str(), R_OK) != 0) {
      throw std::runtime_error("PostfixServer: cannot read " + *path + ": " + std::strerror(errno));
    }
  }
  dir_ = MakeTempDir("stx-postfix");
  postfix::MakeInstanceDirs(dir_, postfix::RequireMaster("PostfixServer"));

  const Clock::time_point deadline = Clock::now() + options_.startup_timeout;
  for (int attempt = 1;; ++attempt) {
    port_ = options_.port != 0 ? options_.port : FreePortOn(options_.bind_address);
    // A port we chose may have been taken since FreePortOn() released it; master would then
    // die on bind(), reporting it only to syslog (absent here).
    const bool retry = options_.port == 0 && attempt < kPortAttempts;
    if (!PortIsFree(options_.bind_address, port_)) {
      if (retry) continue;
      Fail("port in use by another process");
    }
    WriteConfig();
    const Clock::time_point start = Clock::now();
    master_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kMasterPath, "-c", config_dir(), "-d"}, dir_ + "/master.stderr");
    const std::string why = WaitUntilServing(deadline);
    if (why.empty()) {
      startup_time_ = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
      return;
    }
    if (master_->Running() || PortIsFree(options_.bind_address, port_)) Fail(why);
    if (!retry) Fail("port taken by another process before master could bind it");
    master_.reset();
    std::filesystem::remove(maillog_path());
  }
}

PostfixServer::~PostfixServer() {
  master_.reset();  // SIGTERM to master's group: master passes it on to its children
  postfix::RemoveUnlessFailed(dir_);
}

std::string PostfixServer::Log() const { return postfix::InstanceLog(dir_); }

void PostfixServer::WriteConfig() const {
  MainCf main = postfix::BaseMainCf("PostfixServer", dir_, options_.myhostname);
  main.Set("inet_interfaces", options_.bind_address);
  main.Set("inet_protocols", IsIpv6(options_.bind_address) ? "ipv6" : "ipv4");
  main.Set("mynetworks", "127.0.0.0/8 [::1]/128");
  // Deliver nothing, relay nothing: no local or relay domains (BaseMainCf), every RCPT TO
  // rejected before any lookup (so no queue file is ever opened), and every transport is the
  // error transport (master.cf runs no qmgr that could use one anyway).
  main.Set("smtpd_relay_restrictions", "reject");
  main.Set("smtpd_recipient_restrictions", "reject");
  main.Set("default_transport", "error");
  main.Set("relay_transport", "error");
  main.Set("local_transport", "error");
  // No DNS: the sandbox may have none, and a reverse lookup of 127.0.0.1 only adds delay.
  main.Set("smtpd_peername_lookup", "no");
  if (tls()) {
    // RFC 3207 STARTTLS offered, not required. smtpd_tls_chain_files (3.4+) wants each key
    // before its certificates.
    main.Set("smtpd_tls_security_level", "may");
    main.Set("smtpd_tls_chain_files", options_.tls_key_path + ", " + options_.tls_chain_path);
    main.Set("smtpd_tls_loglevel", "1");
  } else {
    main.Set("smtpd_tls_security_level", "none");
  }
  for (const auto& line : options_.extra_main_cf) main.Add(line);
  postfix::WriteConfigFile(config_dir() + "/main.cf", main.Text());

  // Only what an SMTP session up to EHLO, STARTTLS, MAIL, RCPT and QUIT uses: smtpd and its
  // helpers. No pickup, qmgr, cleanup or delivery agents, so nothing is queued or sent.
  // chroot is off: a chroot would need copies of /etc files inside the queue dir.
  std::ostringstream master;
  master << "# Written by stx::test::PostfixServer for one test.\n"
         << "# service type       private unpriv chroot wakeup maxproc command\n"
         << ServiceName(options_.bind_address, port_)
         << " inet       n       -      n      -      -       smtpd\n"
         << "postlog   unix-dgram n       -      n      -      1       postlogd\n"
         << "anvil     unix       -       -      n      -      1       anvil\n"
         << "tlsmgr    unix       -       -      n      1000?  1       tlsmgr\n"
         << "rewrite   unix       -       -      n      -      -       trivial-rewrite\n"
         << "proxymap  unix       -       -      n      -      -       proxymap\n";
  postfix::WriteConfigFile(config_dir() + "/master.cf", master.str());
}

std::string PostfixServer::WaitUntilServing(Clock::time_point deadline) {
  const SocketAddress target = MakeSocketAddress(options_.bind_address, port_);
  while (Clock::now() < deadline) {
    if (!master_->Running()) return "master exited";
    // A daemon that cannot start is respawned by master only after service_throttle_time
    // (60 s): fail at once instead of waiting out the timeout.
    const std::string fatal = FirstLineContaining(ReadFile(maillog_path()), {"fatal:", "panic:"});
    if (!fatal.empty()) return "Postfix failed: " + fatal;
    // Until master has bound the port, an answer could come from a server that holds it
    // while our master is failing to bind.
    if (ListenerOwnedBy(master_->pid(), target.family == AF_INET6, port_)) {
      const ProbeOutcome outcome =
          ProbeSmtp(target, deadline, tls() && options_.require_working_starttls);
      if (outcome.state == ProbeState::kWrong) return outcome.detail;
      if (outcome.state == ProbeState::kServing) return "";
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  return "no SMTP banner within " + std::to_string(options_.startup_timeout.count()) + " ms";
}

void PostfixServer::Fail(const std::string& why) const {
  std::string message = "PostfixServer on " + ServiceName(options_.bind_address, port_) +
                        " did not start: " + why + "\n";
  if (master_ != nullptr) {
    // postlogd writes asynchronously: let the lines already sent (smtpd's warnings, say)
    // land before stopping everything, so that the log we quote has them.
    std::size_t size = ReadFile(maillog_path()).size();
    for (int round = 0, stable = 0; round < 25 && stable < 3; ++round) {  // <= 1 s
      std::this_thread::sleep_for(milliseconds(40));
      const std::size_t now = ReadFile(maillog_path()).size();
      stable = now == size ? stable + 1 : 0;
      size = now;
    }
    const bool exited = !master_->Running();
    master_->Stop();
    if (exited) {
      message += "--- postfix status, for what master told only syslog ---\n" +
                 DiagnoseWithPostfixCommand(config_dir(), dir_ + "/postfix-status.log");
    }
  }
  throw std::runtime_error(message + "(temp dir kept: " + dir_ + ")\n" + Log());
}

}  // namespace stx::test
