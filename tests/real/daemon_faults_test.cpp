// The exporter daemon under operational faults: a reload storm while probes run,
// SIGTERM in the middle of a probe, and configuration files that cannot be used, at start and
// at reload. The real binary, scripted partners on loopback, no DNS (static MX hosts).
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>
#include <thread>

#include "daemon_harness.hpp"

namespace stx::test {
namespace {

using namespace std::chrono_literals;
using namespace stx::scripted;  // NOLINT(google-build-using-namespace): test code

// No DNS server is ever asked in these tests: every partner has static MX hosts.
constexpr const char* kNoDns = "127.0.0.1:1";

/// Samples a scripted server's open connections every few milliseconds, so a test can tell
/// whether two probes of one address overlapped. A connection counts as open from the first
/// sample that saw it open to the last one.
class OverlapWatch {
 public:
  explicit OverlapWatch(const ScriptedSmtpServer& server) : server_(server) {
    thread_ = std::thread([this] {
      while (!stop_) {
        const auto connections = server_.Connections();
        const auto now = std::chrono::steady_clock::now();
        {
          const std::lock_guard<std::mutex> lock(mutex_);
          for (std::size_t i = 0; i < connections.size(); ++i) {
            if (connections[i].closed) continue;
            auto [it, fresh] = open_.try_emplace(i, Span{now, now});
            if (!fresh) it->second.last = now;
          }
        }
        std::this_thread::sleep_for(5ms);
      }
    });
  }
  ~OverlapWatch() { Stop(); }
  OverlapWatch(const OverlapWatch&) = delete;
  OverlapWatch& operator=(const OverlapWatch&) = delete;

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  /// Connections seen open.
  std::size_t Seen() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return open_.size();
  }
  /// The longest time two connections were seen open together. The server marks a closed
  /// connection a moment after the client's close, so a few milliseconds are a hand-over,
  /// not an overlap; two probes at once would overlap by the whole slow banner.
  std::chrono::milliseconds LongestOverlap() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    std::chrono::steady_clock::duration longest{0};
    for (auto a = open_.begin(); a != open_.end(); ++a) {
      for (auto b = std::next(a); b != open_.end(); ++b) {
        const auto from = std::max(a->second.first, b->second.first);
        const auto to = std::min(a->second.last, b->second.last);
        longest = std::max(longest, to - from);
      }
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(longest);
  }

 private:
  struct Span {
    std::chrono::steady_clock::time_point first, last;
  };
  const ScriptedSmtpServer& server_;
  mutable std::mutex mutex_;
  std::map<std::size_t, Span> open_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class DaemonFaults : public DaemonHarness {};

// A partner whose first probe comes 90 ms after start (scheduler::FirstProbeDelay).
constexpr const char* kSilent = "silent21.test";

// Three partners whose first probes fall within 60 ms of each other (their slots are a
// function of the domain: scheduler::FirstProbeDelay gives 1234, 1240 and 1288 ms) and whose
// MX host is one address: the per-address lock must serialize them.
constexpr std::array<const char*, 3> kShared = {"shared50.test", "shared132.test", "shared24.test"};

TEST_F(DaemonFaults, ReloadStormWhileProbesRunKeepsStateLimitsAndTheLastGoodConfig) {
  // Each dialogue takes 1.5 s before the banner: probes are in flight during the storm.
  auto shared = Serve(ServerScript::SlowBanner(1500ms), "mx.shared.test", "127.0.0.51");
  auto p2 = Serve(ServerScript::SlowBanner(1500ms), "mx.p2.test", "127.0.0.52");
  auto p3 = Serve(ServerScript::SlowBanner(1500ms), "mx.p3.test", "127.0.0.53");
  auto p5 = Serve(ServerScript::SlowBanner(1500ms), "mx.p5.test", "127.0.0.55");
  auto p6 = Serve(ServerScript::SlowBanner(1500ms), "mx.p6.test", "127.0.0.56");
  std::string common;
  for (const char* domain : kShared) common += StaticPartner(domain, "127.0.0.51");
  common += StaticPartner("p3.test", "127.0.0.53");
  // A: p2 every 10 s, p5 present; B: p2 every 20 s (a rescheduled loop), p5 gone, p6 new,
  // one more connection allowed.
  const std::string config_a = Globals(kNoDns, 2) + common +
                               StaticPartner("p2.test", "127.0.0.52") +
                               StaticPartner("p5.test", "127.0.0.55");
  const std::string config_b = Globals(kNoDns, 3) + common +
                               StaticPartner("p2.test", "127.0.0.52", "interval = \"20s\"\n") +
                               StaticPartner("p6.test", "127.0.0.56");
  // Half-written: cut inside the last partner's domain string.
  const std::string config_bad = config_a.substr(0, config_a.rfind("p5.te"));

  OverlapWatch overlap(*shared);
  Start(config_a);
  ScrapeWatch watch(web_port_, {kShared[0], kShared[1], kShared[2], "p2.test", "p3.test"});
  std::atomic<bool> storming{true};
  std::atomic<double> most_in_flight{0};
  std::thread sampler([&] {
    while (storming) {
      const std::string m = watch.Scrape();
      const double in_flight = MetricValue(m, "starttls_exporter_probes_in_flight");
      if (in_flight > most_in_flight) most_in_flight = in_flight;
      std::this_thread::sleep_for(50ms);
    }
  });

  ASSERT_TRUE(WaitUntil(5s, [&] {
    return MetricValue(HttpGet(web_port_, "/metrics").body, "starttls_exporter_probes_in_flight") >=
           1;
  }));
  int rejected = 0;
  for (int i = 0; i < 51; ++i) {
    const int kind = i % 3;
    // Not atomic on purpose: a SIGHUP may meet a file being written, which is a bad file too.
    WriteFile(ConfigPath(), kind == 0 ? config_a : kind == 1 ? config_b : config_bad);
    if (i % 2 == 0) {
      const HttpReply reply = HttpRequest("POST", web_port_, "/-/reload");
      EXPECT_EQ(reply.status, kind == 2 ? 500 : 200) << reply.body;
      if (kind == 2) {
        ++rejected;
        EXPECT_NE(reply.body.find(ConfigPath() + ":"), std::string::npos) << reply.body;
      }
      // The metric follows the outcome of the reload just made.
      EXPECT_EQ(MetricValue(HttpGet(web_port_, "/metrics").body,
                            "starttls_exporter_config_last_reload_successful"),
                kind == 2 ? 0 : 1);
    } else {
      ::kill(daemon_->pid(), SIGHUP);
    }
    std::this_thread::sleep_for(80ms);
  }
  EXPECT_GT(rejected, 0);
  // The last word: config A, whole.
  std::this_thread::sleep_for(200ms);  // let the last SIGHUP be handled first
  WriteConfigAtomically(config_a);
  const HttpReply last = HttpRequest("POST", web_port_, "/-/reload");
  EXPECT_EQ(last.status, 200) << last.body;

  std::string m = HttpGet(web_port_, "/metrics").body;
  EXPECT_EQ(MetricValue(m, "starttls_exporter_config_last_reload_successful"), 1);
  EXPECT_EQ(MetricValue(m, "starttls_exporter_partners"), 6);
  EXPECT_EQ(CountSeries(m, "starttls_partner_info", {{"domain", "p5.test"}}), 1u);
  EXPECT_EQ(CountSeries(m, "starttls_partner_info", {{"domain", "p6.test"}}), 0u);
  EXPECT_EQ(MetricValue(m, "starttls_probe_interval_seconds", {{"domain", "p2.test"}}), 10);

  // Every partner of every config is probed, the three on one address one at a time, and
  // nothing is left holding a connection slot: in flight drops to 0 between rounds.
  ASSERT_TRUE(WaitUntil(15s,
                        [&] {
                          m = HttpGet(web_port_, "/metrics").body;
                          for (const char* domain : kShared) {
                            if (MetricValue(m, "starttls_ehlo_status",
                                            {{"domain", domain}, {"status", "compliant"}}) != 1)
                              return false;
                          }
                          return MetricValue(m, "starttls_ehlo_status",
                                             {{"domain", "p3.test"}, {"status", "compliant"}}) ==
                                     1 &&
                                 MetricValue(m, "starttls_exporter_probes_in_flight") == 0;
                        }))
      << m << daemon_->Log();
  storming = false;
  sampler.join();
  overlap.Stop();
  EXPECT_LE(most_in_flight.load(), 3);  // the larger concurrency of A and B
  EXPECT_GE(most_in_flight.load(), 1);
  EXPECT_GE(overlap.Seen(), 3u);
  EXPECT_LT(overlap.LongestOverlap(), 100ms) << "two probes of 127.0.0.51 at once";
  EXPECT_TRUE(daemon_->Running());
  EXPECT_EQ(HttpGet(web_port_, "/-/healthy").status, 200);
  std::cout << "scrapes during the storm: " << watch.scrapes() << ", slowest "
            << watch.slowest().count() << " ms, most in flight " << most_in_flight.load()
            << ", connections to the shared address " << overlap.Seen() << "\n";
}

TEST_F(DaemonFaults, SigtermMidProbeExitsCleanlyAndPromptly) {
  auto silent = Serve(ServerScript::Silent(), "mx.silent.test", "127.0.0.61");
  Start(Globals(kNoDns) + StaticPartner(kSilent, "127.0.0.61"));
  // The probe waits for a banner that never comes (the timeout is 3 s).
  ASSERT_TRUE(WaitUntil(8s, [&] {
    return silent->ConnectionCount() >= 1 && MetricValue(HttpGet(web_port_, "/metrics").body,
                                                         "starttls_exporter_probes_in_flight") == 1;
  })) << daemon_->Log();
  std::chrono::milliseconds took{};
  EXPECT_EQ(Terminate(3s, &took), 0) << daemon_->Log();
  EXPECT_LT(took, 3s);
  std::cout << "exited " << took.count() << " ms after SIGTERM\n";
  EXPECT_NE(daemon_->Log().find("msg=\"shutting down\" signal=SIGTERM"), std::string::npos)
      << daemon_->Log();
}

TEST_F(DaemonFaults, SigtermRightAfterSighupExitsCleanly) {
  auto silent = Serve(ServerScript::Silent(), "mx.silent.test", "127.0.0.61");
  Start(Globals(kNoDns) + StaticPartner(kSilent, "127.0.0.61"));
  ASSERT_TRUE(WaitUntil(8s, [&] { return silent->ConnectionCount() >= 1; }));
  WriteConfigAtomically(Globals(kNoDns) + StaticPartner(kSilent, "127.0.0.61") +
                        StaticPartner("other.test", "127.0.0.62"));
  ::kill(daemon_->pid(), SIGHUP);
  std::chrono::milliseconds took{};
  EXPECT_EQ(Terminate(3s, &took), 0) << daemon_->Log();
  EXPECT_LT(took, 3s);
  std::cout << "exited " << took.count() << " ms after SIGTERM\n";
  EXPECT_NE(daemon_->Log().find("msg=\"shutting down\""), std::string::npos) << daemon_->Log();
}

TEST_F(DaemonFaults, HalfWrittenConfigAtReloadIsRejectedAndTheOldOneKeepsProbing) {
  auto alpha = Serve(ServerScript::Compliant(), "alpha.test", "127.0.0.41");
  auto beta = Serve(ServerScript::Misordered(), "beta.test", "127.0.0.42");
  const std::string good = Globals(kNoDns) + StaticPartner("alpha.test", "127.0.0.41");
  Start(good);
  ScrapeWatch watch(web_port_, {"alpha.test"});
  std::string m;
  ASSERT_TRUE(WaitUntil(8s, [&] {
    m = watch.Scrape();
    return MetricValue(m, "starttls_probes_total",
                       {{"domain", "alpha.test"}, {"result", "success"}}) == 1;
  })) << m;

  // What a reader sees while an editor writes the file in place: cut inside a table header.
  const std::string next = good + StaticPartner("beta.test", "127.0.0.42");
  const std::string half = next.substr(0, next.rfind("[[partner]]") + 5);
  WriteFile(ConfigPath(), half);
  const HttpReply rejected = HttpRequest("POST", web_port_, "/-/reload");
  EXPECT_EQ(rejected.status, 500);
  const std::size_t line = static_cast<std::size_t>(std::count(half.begin(), half.end(), '\n')) + 1;
  EXPECT_NE(rejected.body.find(ConfigPath() + ":" + std::to_string(line) + ":"), std::string::npos)
      << rejected.body;
  m = watch.Scrape();
  EXPECT_EQ(MetricValue(m, "starttls_exporter_config_last_reload_successful"), 0);
  EXPECT_EQ(MetricValue(m, "starttls_exporter_partners"), 1);
  // The running configuration keeps probing: alpha's next round.
  ASSERT_TRUE(WaitUntil(NextRoundWithin(10s, 3s),
                        [&] {
                          m = watch.Scrape();
                          return MetricValue(m, "starttls_probes_total",
                                             {{"domain", "alpha.test"}, {"result", "success"}}) ==
                                 2;
                        }))
      << m << daemon_->Log();

  // The whole file, renamed into place: accepted.
  WriteConfigAtomically(next);
  const HttpReply accepted = HttpRequest("POST", web_port_, "/-/reload");
  EXPECT_EQ(accepted.status, 200) << accepted.body;
  ASSERT_TRUE(WaitUntil(8s, [&] {
    m = watch.Scrape();
    return MetricValue(m, "starttls_ehlo_status",
                       {{"domain", "beta.test"}, {"status", "misordered"}}) == 1;
  })) << m;
  EXPECT_EQ(MetricValue(m, "starttls_exporter_config_last_reload_successful"), 1);
  EXPECT_GE(
      MetricValue(m, "starttls_probes_total", {{"domain", "alpha.test"}, {"result", "success"}}),
      2);
}

}  // namespace
}  // namespace stx::test
