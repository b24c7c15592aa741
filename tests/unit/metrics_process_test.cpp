// process_* metrics: the /proc parsers on canned text, then the live values of this process.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <sstream>
#include <string>

#include "metrics/exporter_metrics.hpp"
#include "metrics/process_families.hpp"

namespace stx::metrics {
namespace {

// proc(5) layout; the command name holds spaces and a ')' to catch a naive split.
constexpr const char* kStat =
    "4242 (evil ) name) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 3 0 123456 "
    "104857600 2560 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

TEST(MetricsProcess, ParsesProcStatPastTheCommandName) {
  const auto stat = ParseProcStat(kStat);
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->utime_ticks, 250u);
  EXPECT_EQ(stat->stime_ticks, 75u);
  EXPECT_EQ(stat->start_ticks, 123456u);
  EXPECT_EQ(stat->vsize_bytes, 104857600u);
  EXPECT_EQ(stat->rss_pages, 2560);
}

TEST(MetricsProcess, RejectsTruncatedOrGarbledStat) {
  EXPECT_FALSE(ParseProcStat(""));
  EXPECT_FALSE(ParseProcStat("4242 (name) S 1 2 3"));
  EXPECT_FALSE(ParseProcStat("4242 name S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 75"));
  EXPECT_FALSE(ParseProcStat(
      "1 (x) S 1 1 1 0 -1 0 0 0 0 0 ab 75 0 0 20 0 3 0 1 1 1 0 1 1 0 0 0 0 0 0 0 0 0 0 17"));
}

TEST(MetricsProcess, ParsesBootTime) {
  EXPECT_EQ(ParseBootTime("cpu  1 2 3\nintr 5\nbtime 1700000000\nprocesses 9\n"), 1700000000);
  EXPECT_FALSE(ParseBootTime("cpu  1 2 3\n"));
  EXPECT_FALSE(ParseBootTime("btime x\n"));
}

TEST(MetricsProcess, LiveValuesAreSane) {
  std::map<std::string, double> values;
  std::istringstream lines(RenderProcessExposition());
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("#")) continue;
    const auto space = line.find(' ');
    ASSERT_NE(space, std::string::npos) << line;
    const std::string name = line.substr(0, space);
    EXPECT_TRUE(values.emplace(name, std::stod(line.substr(space + 1))).second)
        << "two samples of " << name;
  }
  ASSERT_EQ(values.size(), 6u);
  EXPECT_GT(values["process_resident_memory_bytes"], 0);
  EXPECT_GE(values["process_virtual_memory_bytes"], values["process_resident_memory_bytes"]);
  EXPECT_GE(values["process_open_fds"], 3);  // stdin, stdout, stderr at least
  EXPECT_GE(values["process_max_fds"], values["process_open_fds"]);
  EXPECT_GE(values["process_cpu_seconds_total"], 0);
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  // Started in the past, and not long ago (a test process lives seconds, not days).
  EXPECT_LT(values["process_start_time_seconds"], now + 1);
  EXPECT_GT(values["process_start_time_seconds"], now - 3600);
}

}  // namespace
}  // namespace stx::metrics
