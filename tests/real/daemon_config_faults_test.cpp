// The exporter daemon started on a configuration it cannot use: it exits at once
// with status 1 and ONE log line that names the file, and the line and column where the file
// has them. The real binary; nothing is probed.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>

#include "daemon_harness.hpp"

namespace stx::test {
namespace {

using namespace std::chrono_literals;

// A valid configuration, the start of every half-written one below.
constexpr const char* kValid =
    "interval = \"10s\"\n"
    "[[partner]]\n"
    "domain = \"alpha.test\"\n"
    "mx = [\"127.0.0.41:2525\"]\n";

struct StartCase {
  const char* name;
  /// The file's content; nullopt: the case makes the path itself.
  std::optional<std::string> content;
  /// Must appear in the line after "<path>" (e.g. ":3:15: ").
  std::string expected;
};

void PrintTo(const StartCase& c, std::ostream* out) { *out << c.name; }

std::string Valid() { return kValid; }
std::string Cut(const std::string& at) {  // the valid file, cut right after `at`
  const std::string valid = kValid;
  return valid.substr(0, valid.find(at) + at.size());
}

// toml++ places an invalid UTF-8 byte at the column before it (the last good character).
const StartCase kCases[] = {
    {"CutInsideAString", Cut("domain = \"alp"), ":3:14: Error while parsing string"},
    {"CutInsideATableHeader", Cut("[[part"), ":2:7: Error while parsing table header"},
    {"CutInsideAKey", Cut("\ndom"), ":3:4: Error while parsing key-value pair"},
    {"CutInsideAnArray", Cut("mx = [\"127.0.0.41:2525\""), ":4:24: Error while parsing array"},
    {"Empty", std::string(), ": empty file"},
    {"OnlyWhitespace", std::string("\n \n\t\n"), ": empty file"},
    {"InvalidUtf8InAComment", "# caf\xe9\n" + Valid(), ":1:5: Encountered invalid utf-8 sequence"},
    {"InvalidUtf8InAString", Valid() + "name = \"Caf\xc3\"\n",
     ":5:11: Encountered invalid utf-8 sequence"},
    {"ADirectory", std::nullopt, ": cannot read: Is a directory"},
    {"Missing", std::nullopt, ": cannot read: No such file or directory"},
};

class DaemonConfigFaults : public DaemonHarness, public ::testing::WithParamInterface<StartCase> {
 protected:
  /// Runs the exporter on `path` (as `prefix` + the binary when given) and returns its log
  /// once it exited; fails the test when it runs for more than 5 s.
  std::string RunToExit(const std::string& path, const std::vector<std::string>& prefix = {},
                        const std::string& format = "logfmt") {
    std::vector<std::string> argv = prefix;
    const std::vector<std::string> exporter_args = {STX_EXPORTER_BINARY,
                                                    "--config.file",
                                                    path,
                                                    "--web.listen-address",
                                                    "127.0.0.1:" + std::to_string(web_port_),
                                                    "--log.format",
                                                    format};
    argv.insert(argv.end(), exporter_args.begin(), exporter_args.end());
    ChildProcess exporter(argv, dir_ + "/start.log");
    const auto start = std::chrono::steady_clock::now();
    EXPECT_TRUE(WaitUntil(5s, [&] { return !exporter.Running(); })) << exporter.Log();
    took_ = std::chrono::steady_clock::now() - start;
    exit_status_ = exporter.exit_status();
    return exporter.Log();
  }

  /// Checks the start failed as it must: status 1, at once, one line naming `path`.
  void ExpectOneLineFailure(const std::string& log, const std::string& path,
                            const std::string& expected) {
    EXPECT_EQ(exit_status_, 1) << log;
    EXPECT_LT(took_, 5s);
    EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << log;
    EXPECT_EQ(log.back(), '\n');
    EXPECT_NE(log.find("level=error msg=\"cannot load configuration\""), std::string::npos) << log;
    EXPECT_NE(log.find(path + expected), std::string::npos)
        << "expected '" << path + expected << "' in " << log;
    EXPECT_EQ(HttpGet(web_port_, "/-/healthy").status, 0) << "it must not have served";
  }

  int exit_status_ = -1;
  std::chrono::steady_clock::duration took_{};
};

TEST_P(DaemonConfigFaults, ExitsWithOneLineNamingTheFile) {
  const StartCase& c = GetParam();
  std::string path = dir_ + "/starttls_exporter.toml";
  if (c.content) {
    WriteFile(path, *c.content);
  } else if (std::string(c.name) == "ADirectory") {
    path = dir_;
  } else {
    path = dir_ + "/missing.toml";
  }
  ExpectOneLineFailure(RunToExit(path), path, c.expected);
}

INSTANTIATE_TEST_SUITE_P(Table, DaemonConfigFaults, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<StartCase>& p) { return p.param.name; });

// Root reads any file whatever its mode, so "unreadable" is made real by running the exporter
// as nobody (setpriv, util-linux) on a file only root may read.
TEST_F(DaemonConfigFaults, UnreadableFileAsAnUnprivilegedUser) {
  constexpr const char* kSetpriv = "/usr/bin/setpriv";
  ASSERT_EQ(::access(kSetpriv, X_OK), 0) << kSetpriv << " (util-linux) is needed";
  ASSERT_EQ(::geteuid(), 0u) << "the test drops from root to nobody";
  ASSERT_EQ(::chmod(dir_.c_str(), 0755), 0);
  const std::string path = dir_ + "/starttls_exporter.toml";
  WriteFile(path, kValid);
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  const std::string log =
      RunToExit(path, {kSetpriv, "--reuid=65534", "--regid=65534", "--clear-groups"});
  ExpectOneLineFailure(log, path, ": cannot read: Permission denied");
}

TEST_F(DaemonConfigFaults, JsonLogsAreOneJsonObject) {
  const std::string path = dir_ + "/starttls_exporter.toml";
  WriteFile(path, Cut("domain = \"alp"));
  const std::string log = RunToExit(path, {}, "json");
  EXPECT_EQ(exit_status_, 1);
  ASSERT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << log;
  const auto line = nlohmann::json::parse(log);
  EXPECT_EQ(line.at("level"), "error");
  EXPECT_EQ(line.at("err"), path + ":3:14: Error while parsing string: encountered end-of-file");
}

}  // namespace
}  // namespace stx::test
