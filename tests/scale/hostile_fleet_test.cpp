// "While 100 hostile servers are probed at once, the exporter's /metrics keeps answering
// promptly": the real exporter binary probes a scripted fleet of 100 partners,
// every hostile behaviour of the catalogue in turn, resolved through a real dnsmasq; /metrics
// is scraped every 20 ms for a whole round while the probes are in flight.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <future>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "probe/probe_result.hpp"
#include "smtp/ehlo_classifier.hpp"
#include "support/child_process.hpp"
#include "support/dnsmasq_server.hpp"
#include "support/http_client.hpp"
#include "support/probe_runner.hpp"
#include "support/wait.hpp"

namespace stx::test {
namespace {

using namespace std::chrono_literals;
using Millis = std::chrono::duration<double, std::milli>;

constexpr int kPartners = 100;
constexpr auto kTimeout = 5s;        // the exporter's per-address deadline
constexpr int kGreetPauseMs = 3000;  // every banner waits this long: keeps probes in flight
constexpr auto kScrapeEvery = 20ms;
constexpr auto kMeasureFor = 10s;  // one interval: a whole round
constexpr auto kScrapeBound = 1s;  // "never stalls", not a performance target

struct Partner {
  std::string domain, mx, address, behaviour;
};

// The outcome of one address as /metrics shows it, or as the probe reports it.
struct Outcome {
  std::string status;   // compliant, misordered, no_starttls, error
  std::string reason;   // starttls_probe_failure_info's reason ("" unless error)
  std::string tls;      // starttls_tls_outcome
  std::string finding;  // a finding code that must be present ("" = none pinned)
  bool operator==(const Outcome& o) const {
    return status == o.status && reason == o.reason && tls == o.tls;
  }
};

std::ostream& operator<<(std::ostream& out, const Outcome& o) {
  return out << "{status=" << o.status << " reason=" << o.reason << " tls=" << o.tls << "}";
}

// What a strict prober must report for each hostile behaviour (the reasons are the probe's
// "<stage>_<kind>"; tests/integration/probe_hostile_test.cpp pins each against the probe
// alone). A behaviour added to the catalogue and missing here is still held to what the probe
// reports facing it alone.
const std::map<std::string, Outcome>& Pinned() {
  static const std::map<std::string, Outcome> pinned = {
      {"silent", {"error", "banner_timeout", "not_attempted", ""}},
      {"never_reads_nor_speaks", {"error", "banner_timeout", "not_attempted", ""}},
      // --delay-ms past the deadline: a tarpit, not a slow but working server.
      {"slow_banner", {"error", "banner_timeout", "not_attempted", ""}},
      {"closed_mid_banner", {"error", "banner_closed", "not_attempted", ""}},
      {"rejecting_banner", {"error", "banner_rejected", "not_attempted", ""}},
      {"busy_banner", {"error", "banner_unavailable", "not_attempted", ""}},
      {"dripping", {"error", "ehlo_timeout", "not_attempted", ""}},
      {"never_reads", {"error", "ehlo_timeout", "not_attempted", ""}},
      {"endless_line", {"error", "ehlo_too_large", "not_attempted", ""}},
      {"endless_reply", {"error", "ehlo_too_large", "not_attempted", ""}},
      {"huge_ehlo", {"error", "ehlo_too_large", "not_attempted", ""}},
      {"closed_mid_ehlo", {"error", "ehlo_closed", "not_attempted", ""}},
      {"reset_on_ehlo", {"error", "ehlo_reset", "not_attempted", ""}},
      {"unavailable_on_ehlo", {"error", "ehlo_unavailable", "not_attempted", ""}},
      {"unsolicited_421", {"error", "ehlo_unavailable", "not_attempted", ""}},
      {"binary_bytes", {"compliant", "", "established", "non-ascii"}},
      {"mixed_codes", {"compliant", "", "established", "mixed-reply-codes"}},
      {"masked", {"no_starttls", "", "not_attempted", "starttls-masked"}},
      {"premature_final", {"misordered", "", "established", "starttls-after-final-line"}},
      {"plaintext_injection", {"compliant", "", "established", "plaintext-injection"}},
      {"starttls_refused", {"compliant", "", "starttls_refused", ""}},
      {"unavailable_on_starttls", {"compliant", "", "starttls_refused", ""}},
      {"reset_after_ehlo", {"compliant", "", "starttls_failed", ""}},
      {"broken_tls", {"compliant", "", "handshake_failed", ""}},
      {"silent_after_ready", {"compliant", "", "handshake_failed", ""}},
      {"stall_mid_handshake", {"compliant", "", "handshake_failed", ""}},
      {"huge_cert_chain", {"compliant", "", "handshake_failed", ""}},
  };
  return pinned;
}

std::vector<Partner> ReadManifest(const std::string& path) {
  std::istringstream in(ReadFile(path));
  std::vector<Partner> partners;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    Partner p;
    std::istringstream fields(line);
    std::getline(fields, p.domain, '\t');
    std::getline(fields, p.mx, '\t');
    std::getline(fields, p.address, '\t');
    std::getline(fields, p.behaviour, '\t');
    partners.push_back(p);
  }
  return partners;
}

// The value of `label` on the first sample of `name` that carries domain="<domain>".
std::string LabelOf(const std::string& exposition, const std::string& name,
                    const std::string& domain, const std::string& label) {
  std::istringstream in(exposition);
  const std::string prefix = name + "{";
  const std::string needle = "domain=\"" + domain + "\"";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) != 0 || line.find(needle) == std::string::npos) continue;
    const std::size_t at = line.find(label + "=\"");
    if (at == std::string::npos) return "";
    const std::size_t start = at + label.size() + 2;
    return line.substr(start, line.find('"', start) - start);
  }
  return "";
}

// The one value of a state set that is 1 ("" when none or several are).
std::string StateOf(const std::string& m, const std::string& name, const std::string& domain,
                    const std::string& label, const std::vector<std::string>& values) {
  std::string found;
  for (const std::string& v : values) {
    if (MetricValue(m, name, {{"domain", domain}, {label, v}}) != 1) continue;
    if (!found.empty()) return "";
    found = v;
  }
  return found;
}

Outcome FromMetrics(const std::string& m, const std::string& domain) {
  Outcome o;
  o.status = StateOf(m, "starttls_ehlo_status", domain, "status",
                     {"compliant", "misordered", "no_starttls", "error"});
  o.reason = LabelOf(m, "starttls_probe_failure_info", domain, "reason");
  o.tls = StateOf(
      m, "starttls_tls_outcome", domain, "outcome",
      {"not_attempted", "established", "starttls_refused", "starttls_failed", "handshake_failed"});
  return o;
}

Outcome FromProbe(const probe::AddressProbeResult& r) {
  Outcome o;
  o.status = std::string(smtp::ToString(r.ehlo_class));
  if (r.ehlo_class == smtp::EhloClass::kError && r.error) o.reason = r.error->Reason();
  o.tls = std::string(probe::ToString(r.tls_outcome));
  return o;
}

// Nearest-rank percentile of sorted samples.
double Percentile(const std::vector<double>& sorted, double p) {
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

std::string Format(double ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", ms);
  return text;
}

class HostileFleet : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("stx-hostile-fleet");
    smtp_port_ = FreeLoopbackPort();
    fleet_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{STX_SCRIPTED_FLEET, "--count", std::to_string(kPartners), "--port",
                                 std::to_string(smtp_port_), "--out", dir_ + "/fleet",
                                 "--first-address", "127.3.0.1", "--mix", "hostile=1", "--delay-ms",
                                 "10000", "--greet-pause-ms", std::to_string(kGreetPauseMs)},
        dir_ + "/fleet.log");
    ASSERT_TRUE(WaitUntil(10s, [&] {
      return fleet_->Log().find("ready ") != std::string::npos || !fleet_->Running();
    }));
    ASSERT_NE(fleet_->Log().find("ready "), std::string::npos) << fleet_->Log();
    partners_ = ReadManifest(dir_ + "/fleet/manifest.tsv");
    ASSERT_EQ(partners_.size(), static_cast<std::size_t>(kPartners));
    dns_ = std::make_unique<DnsmasqServer>(
        std::vector<std::string>{"--conf-file=" + dir_ + "/fleet/dnsmasq.conf"});

    web_port_ = FreeLoopbackPort();
    WriteFile(dir_ + "/starttls_exporter.toml",
              "interval = \"10s\"\ntimeout = \"5s\"\nconcurrency = 200\n"
              "ehlo_name = \"probe.test\"\naddress_families = [\"ipv4\"]\n"
              "dns_server = \"" +
                  dns_->server() +
                  "\"\ndns_trust_anchor_file = \"" STX_UNUSED_TRUST_ANCHOR "\"\nca_file = \"" +
                  dir_ + "/fleet/ca.pem\"\nport = " + std::to_string(smtp_port_) + "\n\n" +
                  ReadFile(dir_ + "/fleet/partners.toml"));
    exporter_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{STX_EXPORTER_BINARY, "--config.file",
                                 dir_ + "/starttls_exporter.toml", "--web.listen-address",
                                 "127.0.0.1:" + std::to_string(web_port_)},
        dir_ + "/exporter.log");
    ASSERT_TRUE(WaitUntil(10s, [&] { return HttpGet(web_port_, "/-/ready").status == 200; }))
        << exporter_->Log();
  }

  void TearDown() override {
    exporter_.reset();
    dns_.reset();
    fleet_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string dir_;
  std::uint16_t smtp_port_ = 0, web_port_ = 0;
  std::vector<Partner> partners_;
  std::unique_ptr<ChildProcess> fleet_, exporter_;
  std::unique_ptr<DnsmasqServer> dns_;
};

TEST_F(HostileFleet, MetricsAnswerPromptlyWhileAHundredHostileServersAreProbedAtOnce) {
  // Every hostile behaviour of the catalogue is in the fleet (round-robin over 100).
  std::map<std::string, Partner> first_of;
  for (const Partner& p : partners_) first_of.emplace(p.behaviour, p);
  ASSERT_GE(first_of.size(), 7u);
  for (const auto& [behaviour, outcome] : Pinned())
    EXPECT_EQ(first_of.count(behaviour), 1u) << behaviour << " is no hostile behaviour any more";

  double in_flight = 0;
  ASSERT_TRUE(WaitUntil(20s,
                        [&] {
                          in_flight = MetricValue(HttpGet(web_port_, "/metrics").body,
                                                  "starttls_exporter_probes_in_flight");
                          return in_flight >= 50;
                        }))
      << "probes in flight: " << in_flight << "\n"
      << exporter_->Log();

  // One round of scrapes, every 20 ms, while the probes run.
  std::vector<double> latencies_ms;
  double max_in_flight = 0, min_in_flight = kPartners;
  const auto end = std::chrono::steady_clock::now() + kMeasureFor;
  for (auto next = std::chrono::steady_clock::now(); next < end; next += kScrapeEvery) {
    std::this_thread::sleep_until(next);
    const auto start = std::chrono::steady_clock::now();
    const HttpReply reply = HttpRequest("GET", web_port_, "/metrics", "", 5s);
    const Millis took = std::chrono::steady_clock::now() - start;
    latencies_ms.push_back(took.count());
    ASSERT_EQ(reply.status, 200) << reply.error;
    // Complete: every partner's info series, the self metrics, and a final line end.
    ASSERT_EQ(CountSeries(reply.body, "starttls_partner_info"), std::size_t{kPartners});
    const double now_in_flight = MetricValue(reply.body, "starttls_exporter_probes_in_flight");
    ASSERT_FALSE(std::isnan(now_in_flight));
    ASSERT_EQ(reply.body.back(), '\n');
    EXPECT_LT(took, Millis(kScrapeBound)) << "scrape " << latencies_ms.size();
    max_in_flight = std::max(max_in_flight, now_in_flight);
    min_in_flight = std::min(min_in_flight, now_in_flight);
  }
  std::vector<double> sorted = latencies_ms;
  std::sort(sorted.begin(), sorted.end());
  const std::string p50 = Format(Percentile(sorted, 0.50)), p99 = Format(Percentile(sorted, 0.99)),
                    max = Format(sorted.back());
  RecordProperty("scrapes", static_cast<int>(sorted.size()));
  RecordProperty("scrape_p50_ms", p50);
  RecordProperty("scrape_p99_ms", p99);
  RecordProperty("scrape_max_ms", max);
  RecordProperty("probes_in_flight_max", static_cast<int>(max_in_flight));
  std::cout << "[ hostile fleet ] " << sorted.size() << " scrapes of /metrics in "
            << std::chrono::duration_cast<std::chrono::seconds>(kMeasureFor).count() << " s with "
            << min_in_flight << "-" << max_in_flight << " probes in flight: p50 " << p50
            << " ms, p99 " << p99 << " ms, max " << max << " ms" << std::endl;

  // After the round every partner has a complete result row.
  std::string m;
  ASSERT_TRUE(WaitUntil(30s, [&] {
    m = HttpGet(web_port_, "/metrics").body;
    return std::all_of(partners_.begin(), partners_.end(), [&](const Partner& p) {
      return CountSeries(m, "starttls_ehlo_status", {{"domain", p.domain}}) == 4;
    });
  })) << m;
  ASSERT_TRUE(exporter_->Running()) << exporter_->Log();

  // The reference: the real probe facing one partner of each behaviour, with the same
  // deadline, while the exporter keeps probing the rest.
  std::map<std::string, std::future<Outcome>> alone;
  for (const auto& [behaviour, p] : first_of) {
    alone.emplace(
        behaviour, std::async(std::launch::async, [p = p, this] {
          probe::ProbeOptions options;
          options.SetTimeout(kTimeout);
          return FromProbe(
              RunProbe(p.address, smtp_port_, dir_ + "/fleet/ca.pem", options, p.mx).result);
        }));
  }

  std::map<std::string, Outcome> reference;
  for (auto& [behaviour, future] : alone) reference[behaviour] = future.get();

  for (const Partner& p : partners_) {
    SCOPED_TRACE(p.domain + " (" + p.behaviour + ")");
    const Outcome seen = FromMetrics(m, p.domain);
    ASSERT_FALSE(seen.status.empty()) << "not exactly one starttls_ehlo_status is 1";
    ASSERT_FALSE(seen.tls.empty()) << "not exactly one starttls_tls_outcome is 1";
    // starttls_probe_failure_info exists exactly while the status is error.
    EXPECT_EQ(seen.status == "error", !seen.reason.empty()) << seen;
    // A hundred hostile neighbours change nothing: the outcome is the one of the probe facing
    // this behaviour alone...
    EXPECT_EQ(seen, reference.at(p.behaviour)) << "under load vs. alone";
    // ...and, where the product has decided it, the pinned one.
    if (const auto pinned = Pinned().find(p.behaviour); pinned != Pinned().end()) {
      EXPECT_EQ(seen, pinned->second);
      if (!pinned->second.finding.empty()) {
        EXPECT_EQ(MetricValue(m, "starttls_finding_info",
                              {{"domain", p.domain}, {"code", pinned->second.finding}}),
                  1);
      }
    }
  }
  for (const auto& [behaviour, outcome] : reference)
    std::cout << "[ hostile fleet ] " << behaviour << " " << outcome << std::endl;
}

}  // namespace
}  // namespace stx::test
