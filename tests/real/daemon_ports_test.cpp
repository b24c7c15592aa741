// Two pinned MX entries on one address with different ports are two servers: each has its own
// series in /metrics and in /probe, the port in the `address` label, so the bad port can
// alert. (The port used to be left out of a result's identity: the two ports became one set of
// series, the second dropped as a duplicate.)
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "scripted/scripted_smtp_server.hpp"
#include "support/child_process.hpp"
#include "support/http_client.hpp"
#include "support/wait.hpp"

namespace stx::test {
namespace {

using namespace std::chrono_literals;

class TwoPortsOfOneAddress : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("stx-ports");
    const std::string address = GetParam();
    good_ = std::make_unique<scripted::ScriptedSmtpServer>(scripted::ServerScript::Compliant(),
                                                           address);
    bad_ = std::make_unique<scripted::ScriptedSmtpServer>(scripted::ServerScript::Misordered(),
                                                          address);
    const std::string host = address == "::1" ? "[::1]" : address;
    good_label_ = host + ":" + std::to_string(good_->port());
    bad_label_ = host + ":" + std::to_string(bad_->port());
    web_port_ = FreeLoopbackPort();
    WriteFile(dir_ + "/exporter.toml",
              "interval = \"1h\"\ntimeout = \"5s\"\nehlo_name = \"probe.test\"\n"
              "allow_adhoc_probes = false\n\n[[partner]]\ndomain = \"partner.test\"\nmx = [\"" +
                  good_label_ + "\", \"" + bad_label_ + "\"]\n");
    exporter_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{STX_EXPORTER_BINARY, "--config.file", dir_ + "/exporter.toml",
                                 "--web.listen-address", "127.0.0.1:" + std::to_string(web_port_)},
        dir_ + "/exporter.log");
    ASSERT_TRUE(WaitForTcpPort(web_port_, 10s, exporter_.get())) << exporter_->Log();
  }
  void TearDown() override {
    exporter_.reset();
    good_.reset();
    bad_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // Each port's series, with its own status.
  void ExpectBothPorts(const std::string& exposition) {
    for (const auto& [label, status] :
         {std::pair{good_label_, "compliant"}, std::pair{bad_label_, "misordered"}}) {
      EXPECT_EQ(MetricValue(exposition, "starttls_ehlo_status",
                            {{"domain", "partner.test"}, {"address", label}, {"status", status}}),
                1.0)
          << label << " " << status << "\n"
          << exposition;
      EXPECT_EQ(CountSeries(exposition, "starttls_probe_success",
                            {{"domain", "partner.test"}, {"address", label}}),
                1u)
          << label;
    }
    EXPECT_EQ(CountSeries(exposition, "starttls_probe_success", {{"domain", "partner.test"}}), 2u)
        << exposition;
  }

  std::string dir_, good_label_, bad_label_;
  std::uint16_t web_port_ = 0;
  std::unique_ptr<scripted::ScriptedSmtpServer> good_, bad_;
  std::unique_ptr<ChildProcess> exporter_;
};

TEST_P(TwoPortsOfOneAddress, EachPortHasItsOwnSeriesInMetricsAndProbe) {
  std::string metrics;
  ASSERT_TRUE(WaitUntil(20s, [&] {
    metrics = HttpGet(web_port_, "/metrics").body;
    return MetricValue(metrics, "starttls_probes_total",
                       {{"domain", "partner.test"}, {"result", "success"}}) >= 1;
  })) << metrics;
  ExpectBothPorts(metrics);

  const HttpReply probe = HttpGet(web_port_, "/probe?target=partner.test");
  ASSERT_EQ(probe.status, 200) << probe.body;
  ExpectBothPorts(probe.body);
}

INSTANTIATE_TEST_SUITE_P(Loopback, TwoPortsOfOneAddress, ::testing::Values("127.0.0.1", "::1"),
                         [](const auto& param) { return param.param == "::1" ? "IPv6" : "IPv4"; });

}  // namespace
}  // namespace stx::test
