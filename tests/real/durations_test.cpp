// Durations past their bounds, through the real binary: the exporter refuses them with the
// bound named and never contacts the partner. An interval of "110000d" used to overflow the
// scheduler's millisecond-to-nanosecond arithmetic into slots in the past, so the partner was
// probed again at once, thousands of times a minute; a timeout of "110000d" made `check` give
// up at once with a false "no complete banner within 0 ms".
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "scripted/scripted_smtp_server.hpp"
#include "support/child_process.hpp"
#include "support/wait.hpp"

namespace stx::test {
namespace {

using namespace std::chrono_literals;

class Durations : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("stx-durations");
    partner_ = std::make_unique<scripted::ScriptedSmtpServer>(scripted::ServerScript::Compliant());
  }
  void TearDown() override {
    partner_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // A configuration of one partner pinned to the scripted server, `interval` its first line.
  std::string Config(const std::string& interval) {
    const std::string path = dir_ + "/exporter.toml";
    WriteFile(path, "interval = \"" + interval +
                        "\"\ntimeout = \"5s\"\nehlo_name = \"probe.test\"\n\n[[partner]]\n"
                        "domain = \"partner.test\"\nmx = [\"127.0.0.1:" +
                        std::to_string(partner_->port()) + "\"]\n");
    return path;
  }

  // The exporter with `config`, for at most `limit`.
  ProgramRun Exporter(const std::string& config, std::chrono::milliseconds limit) {
    return RunProgram({STX_EXPORTER_BINARY, "--config.file", config, "--web.listen-address",
                       "127.0.0.1:" + std::to_string(FreeLoopbackPort())},
                      "", limit);
  }

  std::string dir_;
  std::unique_ptr<scripted::ScriptedSmtpServer> partner_;
};

TEST_F(Durations, AnIntervalPastTheLongestIsRefusedAndThePartnerNeverContacted) {
  const std::string config = Config("110000d");
  const ProgramRun run = Exporter(config, 10s);
  EXPECT_EQ(run.exit_status, 1) << run.err;
  // The log line is logfmt: the quotes of the message come escaped.
  EXPECT_NE(run.err.find(config + ":1:12: interval: found \\\"110000d\\\"; expected at most 7d"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(partner_->ConnectionCount(), 0u);
}

TEST_F(Durations, AnIntervalWithARepeatedUnitIsRefused) {
  const std::string config = Config("1h1h");
  const ProgramRun run =
      RunProgram({STX_EXPORTER_BINARY, "--config.file", config, "--config.check"}, "", 10s);
  EXPECT_EQ(run.exit_status, 1) << run.err;
  EXPECT_NE(run.err.find("interval: found \"1h1h\": each unit may appear once, the largest first"),
            std::string::npos)
      << run.err;
}

// The longest interval allowed probes once at start, then waits: the bound itself is safe.
TEST_F(Durations, TheLongestIntervalProbesOnceAndThenWaits) {
  const std::string config = Config("7d");
  std::size_t connections_after_first = 0;
  const ProgramRun run = RunProgram(
      {STX_EXPORTER_BINARY, "--config.file", config, "--web.listen-address",
       "127.0.0.1:" + std::to_string(FreeLoopbackPort())},
      "", 30s, [&](pid_t pid) {
        // The first probe comes within the first round's spread (5 s).
        EXPECT_TRUE(WaitUntil(10s, [&] { return partner_->ConnectionCount() >= 1; }));
        std::this_thread::sleep_for(3s);
        connections_after_first = partner_->ConnectionCount();
        ::kill(pid, SIGTERM);
      });
  EXPECT_EQ(run.exit_status, 0) << run.err;
  EXPECT_EQ(connections_after_first, 1u) << run.err;
}

TEST_F(Durations, CheckRefusesATimeoutPastTheLongestWithoutProbing) {
  const std::string target = "127.0.0.1:" + std::to_string(partner_->port());
  for (const std::string timeout : {"110000d", "31m", "1s1s"}) {
    const ProgramRun run =
        RunProgram({STX_EXPORTER_BINARY, "check", target, "--timeout=" + timeout}, "", 10s);
    EXPECT_EQ(run.exit_status, 2) << timeout << ": " << run.out << run.err;
    EXPECT_EQ(run.out, "") << timeout;
    EXPECT_NE(run.err.find("found \"" + timeout + "\""), std::string::npos) << run.err;
  }
  EXPECT_NE(RunProgram({STX_EXPORTER_BINARY, "check", target, "--timeout=110000d"}, "", 10s)
                .err.find("expected at most 30m"),
            std::string::npos);
  EXPECT_EQ(partner_->ConnectionCount(), 0u);
}

}  // namespace
}  // namespace stx::test
