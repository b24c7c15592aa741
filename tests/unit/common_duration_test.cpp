#include <gtest/gtest.h>

#include <string>

#include "common/duration.hpp"

namespace stx {
namespace {

using namespace std::chrono_literals;

TEST(Duration, ReadsEachUnitAndTheirSums) {
  EXPECT_EQ(ParseDuration("1500ms"), 1500ms);
  EXPECT_EQ(ParseDuration("10s"), 10s);
  EXPECT_EQ(ParseDuration("5m"), 5min);
  EXPECT_EQ(ParseDuration("2h"), 2h);
  EXPECT_EQ(ParseDuration("7d"), std::chrono::hours(24 * 7));
  EXPECT_EQ(ParseDuration("1d2h3m4s5ms"), std::chrono::milliseconds(93'784'005));
  EXPECT_EQ(ParseDuration("0s"), 0ms);
  EXPECT_EQ(ParseDuration("365d"), kLongestDuration);
}

TEST(Duration, FormatsWhatItReads) {
  for (const char* text : {"1d2h3m4s5ms", "1h30m", "250ms", "10s", "365d"}) {
    EXPECT_EQ(FormatDuration(*ParseDuration(text)), text);
  }
}

// Prometheus's model.ParseDuration rule: each unit at most once, the largest first. "1h1h" or
// "30m1h" is a typo more often than a sum.
TEST(Duration, EachUnitOnceAndTheLargestFirst) {
  for (const char* text : {"1h1h", "30m1h", "1ms1s", "5s5s", "1m1d"}) {
    const DurationText read = ReadDuration(text);
    EXPECT_FALSE(read.value) << text;
    EXPECT_EQ(read.problem, "each unit may appear once, the largest first (as in \"1h30m\")")
        << text;
  }
}

// Anything longer than kLongestDuration is refused before it overflows: the number itself,
// one unit's product, or the sum of several.
TEST(Duration, LongerThanTheLongestIsRefusedNotWrapped) {
  for (const char* text : {"366d", "110000d", "8760h1ms", "99999999999999999999999d",
                           "9223372036854775807ms", "364d24h1s"}) {
    const DurationText read = ReadDuration(text);
    EXPECT_FALSE(read.value) << text;
    EXPECT_EQ(read.problem, "longer than 365d") << text;
  }
}

TEST(Duration, SaysWhatIsWrong) {
  EXPECT_EQ(ReadDuration("").problem, "empty");
  EXPECT_EQ(ReadDuration("5").problem, "the number 5 has no unit (ms, s, m, h, d)");
  EXPECT_EQ(ReadDuration("-5s").problem, "a number must come before each unit");
  EXPECT_EQ(ReadDuration("s").problem, "a number must come before each unit");
  EXPECT_EQ(ReadDuration("5w").problem, "unknown unit \"w\"");
  EXPECT_EQ(ReadDuration("5 s").problem, "unknown unit \" s\"");
}

}  // namespace
}  // namespace stx
