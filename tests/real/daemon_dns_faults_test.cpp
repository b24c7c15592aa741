// The exporter daemon when its DNS server is down, slow or lying: the real binary,
// a real dnsmasq, and a FaultyDnsProxy in front of it that delays, drops or corrupts answers.
//
// What "no partner's state is lost" means through a DNS outage, as these tests hold it:
// - the exporter keeps serving /metrics promptly, and keeps probing partners that need no DNS
//   (static `mx`);
// - the partner's counters (starttls_probes_total, starttls_status_changes_total) neither go
//   backwards nor vanish, and the partner stays configured;
// - the per-address series show the latest probe, as blackbox_exporter does: while DNS fails,
//   the partner has one row (mx="", address="") with status `error` and a `dns_*` reason, and
//   no TLS or certificate facts from an older probe. StarttlsPartnerUnreachable (error for 1 h)
//   covers an outage; certificate alerts pause rather than fire on stale facts;
// - what the exporter knew of the addresses stays: once DNS answers again, a status that
//   changed meanwhile counts as a status change, against the status seen before the outage.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include <cmath>

#include "daemon_harness.hpp"
#include "support/dnsmasq_server.hpp"
#include "support/faulty_dns_proxy.hpp"

namespace stx::test {
namespace {

using namespace std::chrono_literals;
using namespace stx::scripted;  // NOLINT(google-build-using-namespace): test code

class DaemonDnsFaults : public DaemonHarness {
 protected:
  /// The partner's latest probe from /api/v1/targets (transcripts and error details).
  nlohmann::json LastProbe(const std::string& domain) {
    const HttpReply api = HttpGet(web_port_, "/api/v1/targets");
    EXPECT_EQ(api.status, 200);
    const auto targets = nlohmann::json::parse(api.body);  // a named object: the loop refers
    for (const auto& p : targets.at("partners")) {         // into it
      if (p.at("domain") == domain) return p.at("last_probe");
    }
    ADD_FAILURE() << domain << " not in " << api.body.substr(0, 500);
    return nullptr;
  }

  static double Status(const std::string& m, const std::string& domain, const std::string& s) {
    return MetricValue(m, "starttls_ehlo_status", {{"domain", domain}, {"status", s}});
  }
  static double Probes(const std::string& m, const std::string& domain, const std::string& r) {
    return MetricValue(m, "starttls_probes_total", {{"domain", domain}, {"result", r}});
  }
};

// A DNS server that cannot be contacted at all (nothing listens: ICMP port unreachable on
// loopback) is one that does not answer: the validating resolver tries again until the
// lookup's deadline (1.5 s + 3 s), and the partner's reason is dns_timeout.
constexpr const char* kUnreachableDnsReason = "dns_timeout";
constexpr const char* kUnreachableDnsDetail = "no answer from the DNS server within 4500 ms";

TEST_F(DaemonDnsFaults, DnsOutageKeepsStateAndThePartnerRecoversWhenDnsReturns) {
  auto alpha = Serve(ServerScript::Compliant(), "alpha.test", "127.0.0.41");
  auto viadns = Serve(ServerScript::Compliant(), "mx.viadns.test", "127.0.0.43");
  DnsmasqServer dns(
      {"--mx-host=viadns.test,mx.viadns.test,10", "--host-record=mx.viadns.test,127.0.0.43"});
  Start(Globals(dns.server()) + StaticPartner("alpha.test", "127.0.0.41") +
        DnsPartner("viadns.test"));
  ScrapeWatch watch(web_port_, {"alpha.test", "viadns.test"});
  std::string m;
  ASSERT_TRUE(WaitUntil(10s,
                        [&] {
                          m = watch.Scrape();
                          return Status(m, "viadns.test", "compliant") == 1 &&
                                 Status(m, "alpha.test", "compliant") == 1;
                        }))
      << m << daemon_->Log();
  const double alpha_before = Probes(m, "alpha.test", "success");
  const double viadns_errors_before = Probes(m, "viadns.test", "error");

  // The outage: no DNS server. Meanwhile the partner turns misordered, which the exporter
  // must notice as a change once it can resolve the partner again.
  dns.Stop();
  viadns.reset();  // its port first, then the new behaviour on it
  viadns = Serve(ServerScript::Misordered(), "mx.viadns.test", "127.0.0.43");
  std::string reason;
  // The next slot (10 s) and the lookup's deadline (4.5 s), with room for a busy machine.
  ASSERT_TRUE(WaitUntil(25s,
                        [&] {
                          m = watch.Scrape();
                          reason = FailureReason(m, "viadns.test", "", "");
                          return !reason.empty();
                        }))
      << m << daemon_->Log();
  EXPECT_EQ(reason, kUnreachableDnsReason);
  EXPECT_EQ(MetricValue(m, "starttls_ehlo_status",
                        {{"domain", "viadns.test"}, {"mx", ""}, {"status", "error"}}),
            1);
  // Blackbox-style: no facts from an older probe while the partner cannot be resolved.
  EXPECT_EQ(CountSeries(m, "starttls_ehlo_status", {{"address", Label("127.0.0.43")}}), 0u) << m;
  EXPECT_EQ(
      CountSeries(m, "starttls_tls_cert_not_after_timestamp_seconds", {{"domain", "viadns.test"}}),
      0u);
  EXPECT_EQ(Probes(m, "viadns.test", "error"), viadns_errors_before + 1);
  EXPECT_EQ(MetricValue(m, "starttls_partner_info", {{"domain", "viadns.test"}}), 1);
  const auto failed = LastProbe("viadns.test");
  ASSERT_TRUE(failed.is_object());
  EXPECT_NE(failed.at("error").at("detail").get<std::string>().find(kUnreachableDnsDetail),
            std::string::npos)
      << failed.at("error");
  // A partner with static MX hosts needs no DNS: probed as usual through the outage.
  ASSERT_TRUE(WaitUntil(NextRoundWithin(10s, 3s), [&] {
    m = watch.Scrape();
    return Probes(m, "alpha.test", "success") > alpha_before;
  })) << m;
  EXPECT_EQ(Status(m, "alpha.test", "compliant"), 1);

  // DNS is back on the same port: the partner recovers, and its change is counted.
  dns.Restart();
  // A probe that began in the outage first runs out its lookup's deadline (4.5 s).
  ASSERT_TRUE(WaitUntil(NextRoundWithin(10s, 3s) + 4500ms,
                        [&] {
                          m = watch.Scrape();
                          return Status(m, "viadns.test", "misordered") == 1;
                        }))
      << m << daemon_->Log();
  EXPECT_EQ(CountSeries(m, "starttls_ehlo_status", {{"domain", "viadns.test"}, {"mx", ""}}), 0u);
  EXPECT_EQ(MetricValue(m, "starttls_status_changes_total",
                        {{"domain", "viadns.test"},
                         {"mx", "mx.viadns.test"},
                         {"address", Label("127.0.0.43")},
                         {"from", "compliant"},
                         {"to", "misordered"}}),
            1)
      << m;
  EXPECT_EQ(MetricValue(m, "starttls_ehlo_status_consecutive_probes", {{"domain", "viadns.test"}}),
            1);
  EXPECT_NE(daemon_->Log().find("domain=viadns.test mx=mx.viadns.test address=" +
                                Label("127.0.0.43") + " from=compliant to=misordered"),
            std::string::npos)
      << daemon_->Log();
  EXPECT_GT(watch.scrapes(), 10);
  std::cout << "scrapes: " << watch.scrapes() << ", slowest " << watch.slowest().count() << " ms\n";
}

TEST_F(DaemonDnsFaults, NoDnsServerFromTheStartIsAPartnerErrorNotAStartFailure) {
  auto alpha = Serve(ServerScript::Compliant(), "alpha.test", "127.0.0.41");
  // A loopback address and port where nothing listens. Not 127.0.0.1: the tests running
  // beside this one start their dnsmasq there, on ports that were free a moment ago too.
  const std::string nowhere = "127.0.0.253:" + std::to_string(FreeLoopbackPort());
  Start(Globals(nowhere) + StaticPartner("alpha.test", "127.0.0.41") + DnsPartner("viadns.test"));
  ScrapeWatch watch(web_port_, {"alpha.test", "viadns.test"});
  std::string m, reason;
  ASSERT_TRUE(WaitUntil(15s,  // the first round (5 s) and the deadline (4.5 s)
                        [&] {
                          m = watch.Scrape();
                          reason = FailureReason(m, "viadns.test", "", "");
                          return !reason.empty() && Status(m, "alpha.test", "compliant") == 1;
                        }))
      << m << daemon_->Log();
  EXPECT_EQ(reason, kUnreachableDnsReason);
  EXPECT_EQ(MetricValue(m, "starttls_exporter_config_last_reload_successful"), 1);
  EXPECT_TRUE(daemon_->Running());
}

TEST_F(DaemonDnsFaults, SlowDnsUnderTheTimeoutSucceedsAndOverItTimesOut) {
  auto alpha = Serve(ServerScript::Compliant(), "alpha.test", "127.0.0.41");
  auto slow = Serve(ServerScript::Compliant(), "mx.slow.test", "127.0.0.44");
  DnsmasqServer dns({"--mx-host=slow.test,mx.slow.test,10", "--host-record=mx.slow.test,127.0.0.44",
                     "--mx-host=veryslow.test,mx.veryslow.test,10",
                     "--host-record=mx.veryslow.test,127.0.0.45"});
  // The resolver's first try waits 1.5 s and the second 3 s (dns::ResolverOptions): 400 ms
  // per answer is slow but in time; 6 s is never in time.
  FaultyDnsProxy proxy(dns.port(), {{"veryslow.test", DnsFault::kNone, 6000ms},
                                    {"slow.test", DnsFault::kNone, 400ms}});
  Start(Globals(proxy.server()) + StaticPartner("alpha.test", "127.0.0.41") +
        DnsPartner("slow.test") + DnsPartner("veryslow.test"));
  ScrapeWatch watch(web_port_, {"alpha.test", "slow.test", "veryslow.test"});
  std::string m;
  ASSERT_TRUE(WaitUntil(15s,
                        [&] {
                          m = watch.Scrape();
                          return Status(m, "slow.test", "compliant") == 1 &&
                                 !FailureReason(m, "veryslow.test", "", "").empty();
                        }))
      << m << daemon_->Log();
  EXPECT_EQ(FailureReason(m, "veryslow.test", "", ""), "dns_timeout");
  EXPECT_EQ(Status(m, "alpha.test", "compliant"), 1);

  // The MX and the A answer each took 400 ms: the partner's probe shows it, its SMTP dialogue
  // does not (DNS time is not dialogue time).
  const auto slow_probe = LastProbe("slow.test");
  EXPECT_GE(slow_probe.at("duration_seconds").get<double>(), 0.8) << slow_probe;
  EXPECT_LT(MetricValue(m, "starttls_probe_duration_seconds",
                        {{"domain", "slow.test"}, {"phase", "total"}}),
            0.8);
  // The resolver asked again after its first try and gave up after both (1.5 s + 3 s).
  const auto timed_out = LastProbe("veryslow.test");
  EXPECT_GE(timed_out.at("duration_seconds").get<double>(), 4.0) << timed_out;
  EXPECT_LT(timed_out.at("duration_seconds").get<double>(), 6.0) << timed_out;
  EXPECT_GE(proxy.Hits("veryslow.test"), 2u);
  EXPECT_LT(watch.slowest(), 500ms);
}

TEST_F(DaemonDnsFaults, LyingDnsGivesASpecificReasonForEachLie) {
  auto alpha = Serve(ServerScript::Compliant(), "alpha.test", "127.0.0.41");
  std::vector<std::string> records = {
      // An MX host with no address at all (NXDOMAIN for its A record).
      "--mx-host=nxaddr.test,ghost.nxaddr.test,10",
      // An address where no SMTP server listens.
      "--mx-host=refused.test,mx.refused.test,10", "--host-record=mx.refused.test,127.0.0.47",
      // A partner whose SMTP server lives behind the proxy's black hole.
      "--mx-host=blackhole.test,mx.blackhole.test,10",
      "--host-record=mx.blackhole.test,127.0.0.48"};
  for (const char* lie : {"wrongid.test", "wrongq.test", "garbage.test", "malformed.test"}) {
    records.push_back(std::string("--mx-host=") + lie + ",mx." + lie + ",10");
    records.push_back(std::string("--host-record=mx.") + lie + ",127.0.0.46");
  }
  DnsmasqServer dns(records);
  FaultyDnsProxy proxy(dns.port(), {{"wrongid.test", DnsFault::kWrongId, 0ms},
                                    {"wrongq.test", DnsFault::kWrongQuestion, 0ms},
                                    {"garbage.test", DnsFault::kShortGarbage, 0ms},
                                    {"malformed.test", DnsFault::kTruncatedRecords, 0ms},
                                    {"blackhole.test", DnsFault::kDrop, 0ms}});
  std::string config = Globals(proxy.server()) + StaticPartner("alpha.test", "127.0.0.41");
  for (const char* domain : {"nxaddr.test", "refused.test", "wrongid.test", "wrongq.test",
                             "garbage.test", "malformed.test", "blackhole.test"}) {
    config += DnsPartner(domain);
  }
  Start(config);
  ScrapeWatch watch(web_port_, {"alpha.test", "nxaddr.test", "refused.test", "wrongid.test",
                                "wrongq.test", "garbage.test", "malformed.test"});

  // Expected reason per partner row (domain, mx, address).
  const std::vector<std::vector<std::string>> expected = {
      {"nxaddr.test", "ghost.nxaddr.test", "", "dns_nxdomain"},
      {"refused.test", "mx.refused.test", Label("127.0.0.47"), "connect_refused"},
      // The validating resolver drops an answer whose ID or question does not match its
      // query, one shorter than a header and one whose records are cut short, asks again,
      // and gives up when every try was such: SERVFAIL, as any recursive resolver says.
      {"wrongid.test", "", "", "dns_servfail"},
      {"wrongq.test", "", "", "dns_servfail"},
      {"garbage.test", "", "", "dns_servfail"},
      {"malformed.test", "", "", "dns_servfail"},
  };
  std::string m;
  const bool all_reported = WaitUntil(15s, [&] {
    m = watch.Scrape();
    for (const auto& e : expected) {
      if (FailureReason(m, e[0], e[1], e[2]).empty()) return false;
    }
    return Status(m, "alpha.test", "compliant") == 1;
  });
  for (const auto& e : expected) {
    EXPECT_EQ(FailureReason(m, e[0], e[1], e[2]), e[3]) << e[0];
    EXPECT_EQ(MetricValue(m, "starttls_ehlo_status",
                          {{"domain", e[0]}, {"mx", e[1]}, {"address", e[2]}, {"status", "error"}}),
              1)
        << e[0];
  }
  ASSERT_TRUE(all_reported) << m << daemon_->Log();
  EXPECT_NE(LastProbe("malformed.test")
                .at("error")
                .at("detail")
                .get<std::string>()
                .find("no usable answer"),
            std::string::npos);
  for (const char* lie : {"wrongid.test", "wrongq.test", "garbage.test"}) {
    EXPECT_GE(proxy.Hits(lie), 2u) << lie << ": the resolver retried the ignored answer";
  }
  EXPECT_EQ(Status(m, "alpha.test", "compliant"), 1);

  // SIGTERM while a lookup is surely pending (the black hole was just asked): the resolver's
  // outstanding queries must not stall or crash the shutdown.
  const std::size_t asked = proxy.Hits("blackhole.test");
  ASSERT_TRUE(WaitUntil(12s, [&] { return proxy.Hits("blackhole.test") > asked; }));
  std::chrono::milliseconds took{};
  EXPECT_EQ(Terminate(3s, &took), 0) << daemon_->Log();
  EXPECT_LT(took, 3s);
}

}  // namespace
}  // namespace stx::test
