// The real Scheduler on an io_context, probing scripted partners on loopback.
#include <gtest/gtest.h>

#include <boost/asio/ssl/context.hpp>

#include <algorithm>

#include "common/asio.hpp"
#include "config/config_values.hpp"
#include "dns/resolver.hpp"
#include "scheduler/scheduler.hpp"
#include "scripted/ephemeral_pki.hpp"
#include "scripted/scripted_smtp_server.hpp"
#include "support/child_process.hpp"
#include "tls/client_context.hpp"

namespace stx::test {
namespace {

using namespace std::chrono_literals;
using namespace stx::scripted;  // NOLINT(google-build-using-namespace): test code

config::Partner PartnerAt(const std::string& domain, const ScriptedSmtpServer& server,
                          std::chrono::milliseconds interval) {
  config::Partner p;
  p.domain = p.name = domain;
  p.interval = interval;
  p.timeout = 5s;
  p.static_mx = {*config::CheckStaticMx(server.address(), server.port()).value};
  return p;
}

class SchedulerTest : public ::testing::Test {
 protected:
  std::shared_ptr<const scheduler::ProbeEnvironment> Environment(const config::ExporterConfig& c) {
    auto env = std::make_shared<scheduler::ProbeEnvironment>();
    env->resolver = std::make_shared<dns::Resolver>(io_.get_executor(),
                                                    dns::ResolverOptions{"127.0.0.1:1", 200ms, 1});
    env->tls_context = tls::MakeClientContext({"", false});
    env->global = c.global;
    env->ehlo_name = "probe.test";
    return env;
  }
  void RunFor(std::chrono::milliseconds d) {
    io_.run_for(d);
    io_.restart();
  }

  asio::io_context io_{1};
  state::ExporterState state_;
};

// [start, end] of every address probe a partner recorded so far is only the last one, so the
// test collects them through the `probed` hook.
struct Interval {
  std::chrono::system_clock::time_point start, end;
};
bool Overlap(const Interval& a, const Interval& b) { return a.start < b.end && b.start < a.end; }

void AddIntervals(const probe::TargetProbeResult& r, std::vector<Interval>& intervals) {
  for (const auto& a : r.results) {
    intervals.push_back(
        {a.started_at,
         a.started_at + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                            std::chrono::duration<double>(a.duration_seconds))});
  }
}

void ExpectNoOverlap(const std::vector<Interval>& intervals) {
  for (std::size_t i = 0; i < intervals.size(); ++i)
    for (std::size_t j = i + 1; j < intervals.size(); ++j)
      EXPECT_FALSE(Overlap(intervals[i], intervals[j]));
}

TEST_F(SchedulerTest, ProbesEveryPartnerOnItsIntervalAndRecordsResults) {
  ScriptedSmtpServer compliant(ServerScript::Compliant(), "127.0.0.1");
  ScriptedSmtpServer misordered(ServerScript::Misordered(), "127.0.0.1");
  config::ExporterConfig config;
  config.partners = {PartnerAt("a.test", compliant, 600ms), PartnerAt("b.test", misordered, 600ms)};
  state_.ApplyConfig(config);
  scheduler::Scheduler scheduler(io_.get_executor(), state_, {});
  scheduler.Apply(config, Environment(config));
  RunFor(2500ms);

  const state::PartnerState& a = *state_.Find("a.test");
  const state::PartnerState& b = *state_.Find("b.test");
  EXPECT_GE(a.probes_success, 3u);
  EXPECT_LE(a.probes_success, 5u);  // once per ~600 ms, not more
  ASSERT_TRUE(a.last && b.last);
  EXPECT_EQ(a.last->results.at(0).ehlo_class, smtp::EhloClass::kCompliant);
  EXPECT_EQ(b.last->results.at(0).ehlo_class, smtp::EhloClass::kMisordered);
  EXPECT_EQ(state_.probes_in_flight, 0u);
}

TEST_F(SchedulerTest, OneConnectionAtATimePerMxAddress) {
  // Three partners share one MX address whose banner takes 300 ms: their probes must not
  // overlap, although the global limit would allow all three at once.
  ScriptedSmtpServer shared(ServerScript::SlowBanner(300ms), "127.0.0.1");
  config::ExporterConfig config;
  config.global.concurrency = 8;
  config.partners = {PartnerAt("a.test", shared, 10s), PartnerAt("b.test", shared, 10s),
                     PartnerAt("c.test", shared, 10s)};
  state_.ApplyConfig(config);
  std::vector<Interval> intervals;
  scheduler::Scheduler::Hooks hooks;
  hooks.probed = [&](const std::string&, const probe::TargetProbeResult& r) {
    AddIntervals(r, intervals);
  };
  scheduler::Scheduler scheduler(io_.get_executor(), state_, hooks);
  scheduler.Apply(config, Environment(config));
  RunFor(6000ms);
  ASSERT_EQ(intervals.size(), 3u);
  ExpectNoOverlap(intervals);
}

TEST_F(SchedulerTest, GlobalConcurrencyLimitHoldsAcrossAddresses) {
  std::vector<std::unique_ptr<ScriptedSmtpServer>> servers;
  config::ExporterConfig config;
  config.global.concurrency = 1;
  for (int i = 0; i < 3; ++i) {
    servers.push_back(std::make_unique<ScriptedSmtpServer>(ServerScript::SlowBanner(300ms),
                                                           "127.0.0." + std::to_string(20 + i)));
    config.partners.push_back(PartnerAt("p" + std::to_string(i) + ".test", *servers.back(), 10s));
  }
  state_.ApplyConfig(config);
  std::vector<Interval> intervals;
  std::size_t max_in_flight = 0;
  scheduler::Scheduler::Hooks hooks;
  hooks.probed = [&](const std::string&, const probe::TargetProbeResult& r) {
    max_in_flight = std::max(max_in_flight, state_.probes_in_flight);
    AddIntervals(r, intervals);
  };
  scheduler::Scheduler scheduler(io_.get_executor(), state_, hooks);
  scheduler.Apply(config, Environment(config));
  RunFor(6000ms);
  ASSERT_EQ(intervals.size(), 3u);
  ExpectNoOverlap(intervals);
  EXPECT_LE(max_in_flight, 1u);
}

TEST_F(SchedulerTest, ReloadStopsRemovedPartnersAndKeepsTheOthersState) {
  ScriptedSmtpServer a_server(ServerScript::Compliant(), "127.0.0.1");
  ScriptedSmtpServer b_server(ServerScript::Compliant(), "127.0.0.1");
  config::ExporterConfig config;
  config.partners = {PartnerAt("a.test", a_server, 500ms), PartnerAt("b.test", b_server, 500ms)};
  state_.ApplyConfig(config);
  scheduler::Scheduler scheduler(io_.get_executor(), state_, {});
  scheduler.Apply(config, Environment(config));
  RunFor(1500ms);
  const std::uint64_t a_before = state_.Find("a.test")->probes_success;
  ASSERT_GE(a_before, 1u);

  config::ExporterConfig next = config;
  next.partners.pop_back();  // b.test removed
  state_.ApplyConfig(next);
  scheduler.Apply(next, Environment(next));
  const std::size_t b_connections = b_server.ConnectionCount();
  RunFor(1500ms);
  EXPECT_EQ(state_.Find("b.test"), nullptr);
  EXPECT_LE(b_server.ConnectionCount(), b_connections + 1);  // at most the probe in flight
  EXPECT_GT(state_.Find("a.test")->probes_success, a_before);
}

}  // namespace
}  // namespace stx::test
