// The web endpoint's limits through the real binary: idle and half-sent connections cannot lock
// the scraper out, one peer cannot take the whole table, and /probe cannot be used to hammer a
// partner (one probe per spacing, shared and cached answers, a bounded queue, abandoned probes
// dropped). Every client here is the test process itself, on 127.0.0.0/8.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <set>
#include <thread>

#include "daemon_harness.hpp"

namespace stx::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Enough descriptors for hundreds of client sockets in this process.
void RaiseFileLimit(rlim_t wanted) {
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_cur >= wanted) return;
  limit.rlim_cur = std::min(wanted, limit.rlim_max);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &limit), 0);
  ASSERT_GE(limit.rlim_cur, wanted) << "hard RLIMIT_NOFILE too low for this test";
}

// A TCP connection from `source` (a 127.x address) to 127.0.0.1:port, non-blocking once
// connected; -1 when it could not connect.
int ConnectFrom(const std::string& source, std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, source.c_str(), &local.sin_addr);
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
  timeval bound{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &bound, sizeof bound);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
    ::close(fd);
    return -1;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

// True when the server closed (FIN) or reset the connection.
bool ClosedByServer(int fd) {
  char byte;
  const ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

// The part of a request that never ends: the request line and one field, no blank line.
constexpr std::string_view kHalfRequest = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n";

// Keeps `count` connections open from `sources` (round robin) until stopped, each sending
// `prefix` (may be empty: a silent connection); a connection the server closes is opened
// again at once, as a client bent on holding the table would.
class ConnectionHog {
 public:
  ConnectionHog(std::uint16_t port, std::vector<std::string> sources, std::size_t count,
                std::string prefix)
      : port_(port), sources_(std::move(sources)), prefix_(std::move(prefix)), fds_(count, -1) {}
  ~ConnectionHog() { Stop(); }

  void Start() {
    thread_ = std::thread([this] {
      while (!stop_) {
        for (std::size_t i = 0; i < fds_.size() && !stop_; ++i) {
          if (fds_[i] >= 0 && !ClosedByServer(fds_[i])) continue;
          if (fds_[i] >= 0) {
            ::close(fds_[i]);
            ++reopened_;
          }
          fds_[i] = ConnectFrom(sources_[i % sources_.size()], port_);
          if (fds_[i] >= 0 && !prefix_.empty()) {
            [[maybe_unused]] const ssize_t n =
                ::send(fds_[i], prefix_.data(), prefix_.size(), MSG_NOSIGNAL);
          }
        }
        std::this_thread::sleep_for(20ms);
      }
    });
  }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    for (int& fd : fds_) {
      if (fd >= 0) ::close(fd);
      fd = -1;
    }
  }
  std::size_t reopened() const { return reopened_; }

 private:
  std::uint16_t port_;
  std::vector<std::string> sources_;
  std::string prefix_;
  std::vector<int> fds_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> reopened_{0};
};

std::vector<std::string> Sources(int first, int count) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) out.push_back("127.0.0." + std::to_string(first + i));
  return out;
}

class WebLimits : public DaemonHarness {
 protected:
  void SetUp() override { RaiseFileLimit(4096); }

  // A partner that answers like a real MTA, and nothing else to probe.
  void StartWithPartner(const std::string& extra_globals = "",
                        scripted::ServerScript script = scripted::ServerScript::Compliant()) {
    partner_ = Serve(script, "mx.alpha.test", "127.0.0.61");
    // No DNS for the configured partner (static mx); ad-hoc domains ask a port nobody serves.
    Start(Globals("127.0.0.1:" + std::to_string(FreeLoopbackPort())) + extra_globals +
          StaticPartner("alpha.test", "127.0.0.61", "interval = \"1h\"\n"));
  }

  std::unique_ptr<scripted::ScriptedSmtpServer> partner_;
};

// Scraping through 300 silent and 300 half-sent connections (from ten addresses, each within
// its share: together they exceed the table) that are reopened as soon as the server closes
// them. Before the fix, the first 256 held every place for 30 s and each scrape was closed at
// once.
TEST_F(WebLimits, IdleAndHalfSentConnectionsDoNotLockScrapesOut) {
  StartWithPartner();
  ConnectionHog idle(web_port_, Sources(10, 10), 300, "");
  ConnectionHog half(web_port_, Sources(20, 10), 300, std::string(kHalfRequest));
  idle.Start();
  half.Start();
  std::this_thread::sleep_for(1s);  // the table is full of them by now

  int answered = 0;
  std::chrono::milliseconds slowest{0};
  const auto end = Clock::now() + 10s;
  for (int scrape = 0; Clock::now() < end; ++scrape) {
    const auto start = Clock::now();
    const HttpReply reply = HttpRequest("GET", web_port_, "/metrics", "", 3s);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    slowest = std::max(slowest, took);
    EXPECT_EQ(reply.status, 200) << "scrape " << scrape << ": " << reply.error;
    EXPECT_LT(took, 1000ms) << "scrape " << scrape;
    answered += reply.status == 200;
    std::this_thread::sleep_until(start + 1s);
  }
  idle.Stop();
  half.Stop();
  std::printf(
      "scrapes answered: %d, slowest %lld ms; hog connections reopened: %zu idle, %zu "
      "half-sent\n",
      answered, static_cast<long long>(slowest.count()), idle.reopened(), half.reopened());
  const std::string metrics = HttpGet(web_port_, "/metrics").body;
  EXPECT_GT(MetricValue(metrics, "starttls_exporter_http_connections_closed_total",
                        {{"reason", "evicted"}}),
            0)
      << metrics;
  EXPECT_TRUE(daemon_->Running());
}

// A connection that never sends a complete request is closed within the first-request
// deadline (5 s), not the 30 s a stalled request used to get.
TEST_F(WebLimits, SilentConnectionIsClosedWithinFirstRequestDeadline) {
  StartWithPartner();
  const int silent = ConnectFrom("127.0.0.5", web_port_);
  const int half = ConnectFrom("127.0.0.5", web_port_);
  ASSERT_GE(silent, 0);
  ASSERT_GE(half, 0);
  ASSERT_EQ(::send(half, kHalfRequest.data(), kHalfRequest.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(kHalfRequest.size()));
  const auto start = Clock::now();
  EXPECT_TRUE(WaitUntil(8s, [&] { return ClosedByServer(silent) && ClosedByServer(half); }));
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  std::printf("silent and half-sent connections closed after %lld ms\n",
              static_cast<long long>(took.count()));
  EXPECT_GE(took, 4000ms);
  ::close(silent);
  ::close(half);
  EXPECT_GE(MetricValue(HttpGet(web_port_, "/metrics").body,
                        "starttls_exporter_http_connections_closed_total",
                        {{"reason", "request_timeout"}}),
            2);
}

// One peer opening 200 connections holds at most its share (a quarter of 256) of them; a
// second peer's 60 connections (within its share) all stay open, and a third peer still
// scrapes. Before the fix one peer could hold all 256 places and the others were closed at once.
TEST_F(WebLimits, OnePeerCannotTakeTheWholeTable) {
  StartWithPartner();
  std::vector<int> greedy;
  for (int i = 0; i < 200; ++i) greedy.push_back(ConnectFrom("127.0.0.2", web_port_));
  std::this_thread::sleep_for(500ms);
  std::vector<int> other;
  for (int i = 0; i < 60; ++i) other.push_back(ConnectFrom("127.0.0.3", web_port_));
  std::this_thread::sleep_for(1s);

  const auto open = [](const std::vector<int>& fds) {
    return std::count_if(fds.begin(), fds.end(),
                         [](int fd) { return fd >= 0 && !ClosedByServer(fd); });
  };
  const auto greedy_open = open(greedy);
  const auto other_open = open(other);
  const HttpReply scrape = HttpRequest("GET", web_port_, "/metrics", "", 3s);
  std::printf("open after 1.5 s: %ld of 200 from 127.0.0.2, %ld of 60 from 127.0.0.3\n",
              static_cast<long>(greedy_open), static_cast<long>(other_open));
  EXPECT_LE(greedy_open, 64);
  EXPECT_EQ(other_open, 60);
  EXPECT_EQ(scrape.status, 200) << scrape.error;
  for (int fd : greedy) ::close(fd);
  for (int fd : other) ::close(fd);
}

}  // namespace
}  // namespace stx::test
