// `starttls_exporter check --config.file F`: every configured partner probed once, reported
// like `check`, with the same exit statuses.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <new>
#include <sstream>

#include "app/check_command.hpp"
#include "assess/status.hpp"
#include "scheduler/scheduler.hpp"
#include "scripted/scripted_smtp_server.hpp"
#include "support/child_process.hpp"
#include "support/run_bounded.hpp"

namespace stx::test {
namespace {

using namespace stx::scripted;  // NOLINT(google-build-using-namespace): test code

std::string PartnerToml(const std::string& domain, const ScriptedSmtpServer& server) {
  return "[[partner]]\ndomain = \"" + domain +
         "\"\nmx = [\"127.0.0.1:" + std::to_string(server.port()) + "\"]\n\n";
}

int RunConfigCheckOn(const std::string& config_text, bool json, std::string& out) {
  const std::string dir = MakeTempDir("stx-check-config");
  WriteFile(dir + "/c.toml", config_text);
  app::CheckCommandOptions options;
  options.config_file = dir + "/c.toml";
  options.json = json;
  std::ostringstream o, e;
  const int status = app::RunConfigCheck(options, o, e);
  out = o.str() + e.str();
  return status;
}

const char* const kGlobal = "interval = \"1m\"\ntimeout = \"5s\"\nehlo_name = \"probe.test\"\n\n";

TEST(CheckConfig, ReportsEveryPartnerOnceWithTheWorstExitStatus) {
  ScriptedSmtpServer good(ServerScript::Compliant());
  ScriptedSmtpServer bad(ServerScript::Misordered());
  std::string out;
  const int status = RunConfigCheckOn(
      std::string(kGlobal) + PartnerToml("good.test", good) + PartnerToml("bad.test", bad), true,
      out);
  EXPECT_EQ(status, 1) << out;
  const auto json = nlohmann::json::parse(out);
  ASSERT_EQ(json["partners"].size(), 2u);
  EXPECT_EQ(json["partners"][0]["domain"], "good.test");
  EXPECT_EQ(json["partners"][0]["results"][0]["ehlo_class"], "compliant");
  EXPECT_EQ(json["partners"][1]["domain"], "bad.test");
  EXPECT_EQ(json["partners"][1]["results"][0]["ehlo_class"], "misordered");
  EXPECT_EQ(good.ConnectionCount(), 1u);  // once, not on a schedule
}

TEST(CheckConfig, AllCompliantIsZeroAndTextNamesEachPartner) {
  ScriptedSmtpServer good(ServerScript::Compliant());
  std::string out;
  EXPECT_EQ(RunConfigCheckOn(std::string(kGlobal) + PartnerToml("good.test", good), false, out), 0)
      << out;
  EXPECT_NE(out.find("== good.test =="), std::string::npos) << out;
  EXPECT_NE(out.find("COMPLIANT"), std::string::npos);
}

TEST(CheckConfig, BadConfigIsAUsageErrorWithPosition) {
  std::string out;
  EXPECT_EQ(RunConfigCheckOn("interval = 5\n", false, out), 2);
  EXPECT_NE(out.find("c.toml:1:12"), std::string::npos) << out;
}

// A partner whose probe throws is an error for `check --config.file`, never a pass: exit 2.
TEST(CheckConfig, APartnerProbeThatThrowsMakesTheExitStatusTwo) {
  asio::io_context io(1);
  state::ExporterState state;
  config::ExporterConfig config;
  config::Partner partner;
  partner.domain = partner.name = "thrown.test";
  config.partners = {partner};
  state.ApplyConfig(config);
  auto prober = [](config::Partner, std::shared_ptr<const scheduler::ProbeEnvironment>,
                   scheduler::AdmitAddress) -> awaitable<probe::TargetProbeResult> {
    throw std::bad_alloc();
    co_return probe::TargetProbeResult{};
  };
  scheduler::Scheduler scheduler(io.get_executor(), state, {}, prober);
  scheduler.Configure(config, std::make_shared<scheduler::ProbeEnvironment>());
  const auto result = RunBounded(io, scheduler.ProbeOnce(partner));
  ASSERT_TRUE(result.has_value());
  ASSERT_TRUE(result->error.has_value());
  EXPECT_NE(result->error->detail.find("std::bad_alloc"), std::string::npos)
      << result->error->detail;
  EXPECT_EQ(assess::CheckExitStatus(std::vector<probe::TargetProbeResult>{*result},
                                    std::vector{partner.senders}),
            assess::kErrorOrUsage);
}

}  // namespace
}  // namespace stx::test
