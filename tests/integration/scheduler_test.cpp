// The real Scheduler on an io_context, probing scripted partners on loopback.
#include <gtest/gtest.h>

#include <boost/asio/ssl/context.hpp>

#include <algorithm>
#include <stdexcept>

#include "common/asio.hpp"
#include "config/config_values.hpp"
#include "dns/resolver.hpp"
#include "scheduler/scheduler.hpp"
#include "scripted/ephemeral_pki.hpp"
#include "scripted/scripted_smtp_server.hpp"
#include "support/child_process.hpp"
#include "support/run_bounded.hpp"
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
    env->resolver = std::make_shared<dns::Resolver>(
        io_.get_executor(), dns::ResolverOptions{"127.0.0.1:1", 200ms, 1, ""});
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
  // A probe may be under way at the cut (a misordered reply waits out the trailing-line grace):
  // once it ends, no connection may be left counted as in flight.
  scheduler.Stop();
  for (int i = 0; i < 40 && state_.probes_in_flight > 0; ++i) RunFor(50ms);
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

// A probe that throws (a bug, memory exhausted) is a failed probe like any other: the partner
// shows an error whose detail is the exception's message, and its schedule goes on.
awaitable<probe::TargetProbeResult> ThrowingProber(
    config::Partner, std::shared_ptr<const scheduler::ProbeEnvironment>, scheduler::AdmitAddress) {
  throw std::runtime_error("resolver state corrupted");
  co_return probe::TargetProbeResult{};
}

TEST_F(SchedulerTest, APartnerProbeThatThrowsIsRecordedAsAnErrorWithItsReason) {
  ScriptedSmtpServer unused(ServerScript::Compliant(), "127.0.0.1");
  config::ExporterConfig config;
  config.partners = {PartnerAt("thrown.test", unused, 500ms)};
  state_.ApplyConfig(config);
  std::vector<probe::TargetProbeResult> probed;
  scheduler::Scheduler::Hooks hooks;
  hooks.probed = [&](const std::string&, const probe::TargetProbeResult& r) {
    EXPECT_FALSE(state_.Find("thrown.test")->probe_in_flight);
    probed.push_back(r);
  };
  scheduler::Scheduler scheduler(io_.get_executor(), state_, hooks, ThrowingProber);
  scheduler.Apply(config, Environment(config));
  RunFor(1600ms);

  const state::PartnerState& partner = *state_.Find("thrown.test");
  EXPECT_FALSE(partner.probe_in_flight);
  EXPECT_GE(partner.probes_error, 2u);  // the schedule went on after the first
  EXPECT_EQ(partner.probes_success, 0u);
  EXPECT_EQ(probed.size(), partner.probes_error);
  ASSERT_TRUE(partner.last.has_value());
  ASSERT_TRUE(partner.last->error.has_value());
  EXPECT_EQ(partner.last->domain, "thrown.test");
  EXPECT_EQ(partner.last->error->Reason(), "dns_failed");
  EXPECT_NE(partner.last->error->detail.find("resolver state corrupted"), std::string::npos)
      << partner.last->error->detail;
  EXPECT_EQ(unused.ConnectionCount(), 0u);

  // /probe and `check --config.file` take the same way through the scheduler. (Stopped first:
  // its loops' timers would keep the io_context busy for RunBounded's whole limit.)
  scheduler.Stop();
  const auto once = RunBounded(io_, scheduler.ProbeOnce(config.partners.front()));
  ASSERT_TRUE(once.has_value());
  ASSERT_TRUE(once->error.has_value());
  EXPECT_NE(once->error->detail.find("resolver state corrupted"), std::string::npos);
}

// The admission of an address (the daemon's concurrency limits) is the one step of a partner's
// probe that runs outside the SMTP dialogue's own error handling: when it throws, the address
// is an error with the exception's message, and the other addresses are still probed.
TEST_F(SchedulerTest, AnAddressWhoseAdmissionThrowsIsAnErrorWithItsReason) {
  ScriptedSmtpServer compliant(ServerScript::Compliant(), "127.0.0.1");
  config::ExporterConfig config;
  config::Partner partner = PartnerAt("pinned.test", compliant, 10s);
  partner.static_mx = {*config::CheckStaticMx("127.0.0.1", compliant.port()).value,
                       *config::CheckStaticMx("127.0.0.9:2525", 25).value};
  config.partners = {partner};
  auto admit = [](const probe::AddressTarget& target) -> awaitable<std::shared_ptr<void>> {
    if (target.address.to_string() == "127.0.0.9")
      throw std::runtime_error("admission queue corrupted");
    co_return nullptr;
  };
  const auto result = RunBounded(io_, scheduler::ProbePartner(partner, Environment(config), admit));
  ASSERT_TRUE(result.has_value());
  ASSERT_EQ(result->results.size(), 2u);
  EXPECT_EQ(result->results[0].ehlo_class, smtp::EhloClass::kCompliant);
  const probe::AddressProbeResult& failed = result->results[1];
  EXPECT_EQ(failed.ehlo_class, smtp::EhloClass::kError);
  EXPECT_EQ(failed.mx_host, "127.0.0.9");
  EXPECT_EQ(failed.address.to_string(), "127.0.0.9");
  EXPECT_EQ(failed.port, 2525);
  EXPECT_EQ(failed.mx_preference, 1);  // the pinned list's order
  ASSERT_TRUE(failed.error.has_value());
  EXPECT_EQ(failed.error->Reason(), "connect_failed");
  EXPECT_NE(failed.error->detail.find("admission queue corrupted"), std::string::npos)
      << failed.error->detail;
}

}  // namespace
}  // namespace stx::test
