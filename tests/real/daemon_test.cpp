// The exporter daemon end to end: the real binary, a config of scripted partners plus one
// partner resolved through a real dnsmasq, scraped over HTTP on loopback.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <thread>

#include "scripted/ephemeral_pki.hpp"
#include "scripted/scripted_smtp_server.hpp"
#include "support/child_process.hpp"
#include "support/dnsmasq_server.hpp"
#include "support/http_client.hpp"
#include "support/wait.hpp"

namespace stx::test {
namespace {

using namespace std::chrono_literals;
using namespace stx::scripted;  // NOLINT(google-build-using-namespace): test code

class Daemon : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("stx-daemon");
    pki_ = std::make_unique<EphemeralPki>(dir_ + "/pki");
    smtp_port_ = FreeLoopbackPort();
    alpha_ = Serve(ServerScript::Compliant(), "alpha.test", "127.0.0.41");
    beta_ = Serve(ServerScript::Misordered(), "beta.test", "127.0.0.42");
    dns_partner_ = Serve(ServerScript::Compliant(), "mx.viadns.test", "127.0.0.43");
    dns_ = std::make_unique<DnsmasqServer>(std::vector<std::string>{
        "--mx-host=viadns.test,mx.viadns.test,10", "--host-record=mx.viadns.test,127.0.0.43"});
    web_port_ = FreeLoopbackPort();
  }

  std::unique_ptr<ScriptedSmtpServer> Serve(ServerScript script, const std::string& host,
                                            const std::string& address) {
    CertSpec spec = CertSpec::Valid(host);
    spec.ip_sans = {address};
    const CertFiles files = pki_->Issue(spec);
    script.cert_chain_path = files.cert_chain_pem_path;
    script.key_path = files.key_path;
    return std::make_unique<ScriptedSmtpServer>(script, address, smtp_port_);
  }

  std::string Config(bool with_beta, bool with_gamma) const {
    std::string c =
        "interval = \"10s\"\ntimeout = \"5s\"\nehlo_name = \"probe.test\"\n"
        "dns_server = \"" +
        dns_->server() + "\"\ndns_trust_anchor_file = \"" STX_UNUSED_TRUST_ANCHOR "\"\nca_file = \"" +
        pki_->ca_path() +
        "\"\naddress_families = [\"ipv4\"]\nport = " + std::to_string(smtp_port_) + "\n\n";
    c += "[[partner]]\ndomain = \"alpha.test\"\nname = \"Alpha Bank\"\n"
         "labels = { team = \"payments\", tier = \"1\" }\nmx = [\"127.0.0.41:" +
         std::to_string(smtp_port_) + "\"]\n\n";
    if (with_beta) {
      c += "[[partner]]\ndomain = \"beta.test\"\nmx = [\"127.0.0.42:" + std::to_string(smtp_port_) +
           "\"]\n\n";
    }
    c += "[[partner]]\ndomain = \"viadns.test\"\n\n";
    if (with_gamma) {
      c +=
          "[[partner]]\ndomain = \"gamma.test\"\nmx = [\"127.0.0.41:" + std::to_string(smtp_port_) +
          "\"]\n";
    }
    return c;
  }

  void Start(const std::string& config) {
    WriteFile(dir_ + "/starttls_exporter.toml", config);
    daemon_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{STX_EXPORTER_BINARY, "--config.file",
                                 dir_ + "/starttls_exporter.toml", "--web.listen-address",
                                 "127.0.0.1:" + std::to_string(web_port_), "--log.level", "debug"},
        dir_ + "/daemon.log");
    ASSERT_TRUE(WaitUntil(10s, [&] { return HttpGet(web_port_, "/-/ready").status == 200; }))
        << daemon_->Log();
  }

  std::string Metrics() { return HttpGet(web_port_, "/metrics").body; }

  double Status(const std::string& metrics, const std::string& domain, const std::string& status) {
    return MetricValue(metrics, "starttls_ehlo_status", {{"domain", domain}, {"status", status}});
  }

  std::string dir_;
  std::unique_ptr<EphemeralPki> pki_;
  std::uint16_t smtp_port_ = 0, web_port_ = 0;
  std::unique_ptr<ScriptedSmtpServer> alpha_, beta_, dns_partner_;
  std::unique_ptr<DnsmasqServer> dns_;
  std::unique_ptr<ChildProcess> daemon_;
};

TEST_F(Daemon, ServesTheMetricsContractAndFollowsAStatusFlip) {
  Start(Config(true, false));
  std::string m;
  ASSERT_TRUE(WaitUntil(10s,
                        [&] {
                          m = Metrics();
                          return Status(m, "alpha.test", "compliant") == 1 &&
                                 Status(m, "beta.test", "misordered") == 1 &&
                                 Status(m, "viadns.test", "compliant") == 1;
                        }))
      << m << daemon_->Log();

  // State set: exactly one status is 1 per address.
  EXPECT_EQ(CountSeries(m, "starttls_ehlo_status", {{"domain", "beta.test"}}), 4u);
  EXPECT_EQ(Status(m, "beta.test", "compliant"), 0);
  EXPECT_EQ(MetricValue(m, "starttls_ehlo_status",
                        {{"domain", "viadns.test"},
                         {"mx", "mx.viadns.test"},
                         // The port is not 25: the label names it.
                         {"address", "127.0.0.43:" + std::to_string(smtp_port_)},
                         {"status", "compliant"}}),
            1);
  EXPECT_EQ(MetricValue(m, "starttls_probe_success", {{"domain", "alpha.test"}}), 1);
  EXPECT_EQ(MetricValue(m, "starttls_client_tls", {{"domain", "beta.test"}, {"profile", "strict"}}),
            0);
  EXPECT_EQ(
      MetricValue(m, "starttls_client_tls", {{"domain", "beta.test"}, {"profile", "lenient"}}), 1);
  EXPECT_EQ(MetricValue(m, "starttls_tls_handshake_success", {{"domain", "alpha.test"}}), 1);
  EXPECT_EQ(MetricValue(m, "starttls_tls_info", {{"domain", "alpha.test"}, {"version", "TLSv1.3"}}),
            1);
  EXPECT_EQ(MetricValue(m, "starttls_tls_cert_chain_valid", {{"domain", "alpha.test"}}), 1);
  EXPECT_EQ(MetricValue(m, "starttls_tls_cert_hostname_valid", {{"domain", "alpha.test"}}), 1);
  EXPECT_GT(
      MetricValue(m, "starttls_tls_cert_not_after_timestamp_seconds", {{"domain", "alpha.test"}}),
      1.7e9);
  EXPECT_GT(MetricValue(m, "starttls_last_probe_timestamp_seconds", {{"domain", "alpha.test"}}),
            1.7e9);
  EXPECT_FALSE(std::isnan(MetricValue(m, "starttls_probe_duration_seconds",
                                      {{"domain", "alpha.test"}, {"phase", "tls_handshake"}})));
  EXPECT_EQ(
      MetricValue(
          m, "starttls_partner_info",
          {{"domain", "alpha.test"}, {"name", "Alpha Bank"}, {"team", "payments"}, {"tier", "1"}}),
      1);
  EXPECT_EQ(MetricValue(m, "starttls_mx_hosts", {{"domain", "viadns.test"}}), 1);
  EXPECT_EQ(MetricValue(m, "starttls_probe_interval_seconds", {{"domain", "viadns.test"}}), 10);
  EXPECT_EQ(MetricValue(m, "starttls_null_mx", {{"domain", "viadns.test"}}), 0);
  EXPECT_EQ(
      MetricValue(m, "starttls_probes_total", {{"domain", "alpha.test"}, {"result", "success"}}),
      1);
  EXPECT_EQ(MetricValue(m, "starttls_exporter_partners"), 3);
  EXPECT_EQ(MetricValue(m, "starttls_exporter_config_last_reload_successful"), 1);
  EXPECT_EQ(MetricValue(m, "starttls_exporter_build_info"), 1);
  EXPECT_FALSE(std::isnan(MetricValue(m, "starttls_exporter_probes_in_flight")));
  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes",
                           "process_open_fds", "process_start_time_seconds"}) {
    EXPECT_GT(MetricValue(m, name), 0) << name;
  }
  // The loop is sampled every 50 ms from the start; three partners never hold it for long.
  const double lag_samples = MetricValue(m, "starttls_exporter_event_loop_lag_seconds_count");
  EXPECT_GT(lag_samples, 0);
  EXPECT_EQ(MetricValue(m, "starttls_exporter_event_loop_lag_seconds_bucket", {{"le", "+Inf"}}),
            lag_samples);
  EXPECT_EQ(MetricValue(m, "starttls_exporter_event_loop_lag_seconds_bucket", {{"le", "0.25"}}),
            lag_samples)
      << m;

  // Flip alpha from compliant to misordered (same address and port, new behaviour).
  alpha_.reset();
  alpha_ = Serve(ServerScript::Misordered(), "alpha.test", "127.0.0.41");
  ASSERT_TRUE(WaitUntil(NextRoundWithin(10s, 5s), [&] {
    m = Metrics();
    return Status(m, "alpha.test", "misordered") == 1;
  })) << m;
  EXPECT_EQ(MetricValue(m, "starttls_ehlo_status_consecutive_probes", {{"domain", "alpha.test"}}), 1);
  EXPECT_EQ(MetricValue(m, "starttls_status_changes_total",
                        {{"domain", "alpha.test"}, {"from", "compliant"}, {"to", "misordered"}}),
            1);
  EXPECT_NE(daemon_->Log().find("partner status changed"), std::string::npos);

  // The API carries transcripts.
  const HttpReply api = HttpGet(web_port_, "/api/v1/targets");
  ASSERT_EQ(api.status, 200);
  const auto json = nlohmann::json::parse(api.body);
  EXPECT_NE(api.body.find("250-STARTTLS"), std::string::npos);
  EXPECT_EQ(json["partners"].size(), 3u);

  // SIGTERM stops it within 5 s.
  const auto before = std::chrono::steady_clock::now();
  ::kill(daemon_->pid(), SIGTERM);
  ASSERT_TRUE(WaitUntil(5s, [&] { return !daemon_->Running(); }));
  EXPECT_LT(std::chrono::steady_clock::now() - before, 5s);
  EXPECT_EQ(daemon_->exit_status(), 0) << daemon_->Log();
}

TEST_F(Daemon, ReloadAddsAndRemovesPartnersAndABadReloadKeepsTheRunningConfig) {
  Start(Config(true, false));
  std::string m;
  ASSERT_TRUE(WaitUntil(10s, [&] {
    m = Metrics();
    return Status(m, "beta.test", "misordered") == 1 && Status(m, "alpha.test", "compliant") == 1;
  })) << m;
  const double alpha_probes =
      MetricValue(m, "starttls_probes_total", {{"domain", "alpha.test"}, {"result", "success"}});

  WriteFile(dir_ + "/starttls_exporter.toml", Config(false, true));
  const HttpReply ok = HttpRequest("POST", web_port_, "/-/reload");
  EXPECT_EQ(ok.status, 200) << ok.body;
  ASSERT_TRUE(WaitUntil(10s, [&] {
    m = Metrics();
    return Status(m, "gamma.test", "compliant") == 1;
  })) << m;
  EXPECT_EQ(CountSeries(m, "starttls_ehlo_status", {{"domain", "beta.test"}}), 0u);
  EXPECT_EQ(CountSeries(m, "starttls_partner_info", {{"domain", "beta.test"}}), 0u);
  // The unchanged partner kept its state and counters across the reload.
  EXPECT_EQ(Status(m, "alpha.test", "compliant"), 1);
  EXPECT_GE(
      MetricValue(m, "starttls_probes_total", {{"domain", "alpha.test"}, {"result", "success"}}),
      alpha_probes);
  EXPECT_EQ(MetricValue(m, "starttls_exporter_partners"), 3);

  // A bad configuration is rejected with line:column, and the old one keeps running.
  WriteFile(dir_ + "/starttls_exporter.toml",
            "interval = \"5m\"\n[[partner]]\ndomian = \"x.test\"\n");
  const HttpReply bad = HttpRequest("POST", web_port_, "/-/reload");
  EXPECT_EQ(bad.status, 500);
  EXPECT_NE(bad.body.find(":3:1"), std::string::npos) << bad.body;
  m = Metrics();
  EXPECT_EQ(MetricValue(m, "starttls_exporter_config_last_reload_successful"), 0);
  EXPECT_EQ(Status(m, "gamma.test", "compliant"), 1);

  // SIGHUP reloads too: back to a good config.
  WriteFile(dir_ + "/starttls_exporter.toml", Config(true, false));
  ::kill(daemon_->pid(), SIGHUP);
  ASSERT_TRUE(WaitUntil(5s, [&] {
    return MetricValue(Metrics(), "starttls_exporter_config_last_reload_successful") == 1;
  }));
  EXPECT_EQ(CountSeries(Metrics(), "starttls_partner_info", {{"domain", "gamma.test"}}), 0u);
}

TEST_F(Daemon, ProbeEndpointProbesConfiguredPartnersOnly) {
  Start(Config(true, false));
  const HttpReply probe = HttpGet(web_port_, "/probe?target=beta.test");
  ASSERT_EQ(probe.status, 200) << probe.body;
  EXPECT_EQ(MetricValue(probe.body, "starttls_ehlo_status",
                        {{"domain", "beta.test"}, {"status", "misordered"}}),
            1);
  EXPECT_EQ(HttpGet(web_port_, "/probe?target=unknown.test").status, 403);
  EXPECT_EQ(HttpGet(web_port_, "/probe").status, 400);
}

TEST_F(Daemon, ConfigErrorsNameLineAndColumn) {
  WriteFile(dir_ + "/bad.toml",
            "interval = \"5m\"\n\n[[partner]]\ndomain = \"a.test\"\nintervall = \"1m\"\n");
  ChildProcess check({STX_EXPORTER_BINARY, "--config.check", "--config.file", dir_ + "/bad.toml"},
                     dir_ + "/check.log");
  ASSERT_TRUE(WaitUntil(10s, [&] { return !check.Running(); }));
  const std::string out = check.Log();
  EXPECT_EQ(check.exit_status(), 1);
  EXPECT_NE(out.find("bad.toml:5:1"), std::string::npos) << out;
  EXPECT_NE(out.find("intervall"), std::string::npos) << out;

  WriteFile(dir_ + "/good.toml", Config(true, false));
  ChildProcess good({STX_EXPORTER_BINARY, "--config.check", "--config.file", dir_ + "/good.toml"},
                    dir_ + "/good.log");
  ASSERT_TRUE(WaitUntil(10s, [&] { return !good.Running(); }));
  EXPECT_EQ(good.exit_status(), 0);
  EXPECT_NE(good.Log().find("valid, 3 partners"), std::string::npos) << good.Log();
}

}  // namespace
}  // namespace stx::test
