// logfmt values: every record stays one line whatever its values hold.
#include <gtest/gtest.h>

#include "common/log.hpp"

namespace stx::log {
namespace {

struct Case {
  std::string value;
  std::string logfmt;
};

class LogfmtValueTable : public ::testing::TestWithParam<Case> {};

TEST_P(LogfmtValueTable, EscapesWhatWouldBreakTheLine) {
  EXPECT_EQ(LogfmtValue(GetParam().value), GetParam().logfmt);
}

INSTANTIATE_TEST_SUITE_P(
    Table, LogfmtValueTable,
    ::testing::Values(Case{"plain", "plain"}, Case{"", "\"\""}, Case{"two words", "\"two words\""},
                      Case{"a=b", "\"a=b\""}, Case{"say \"hi\"", "\"say \\\"hi\\\"\""},
                      Case{"back\\slash and space", "\"back\\\\slash and space\""},
                      Case{"line\nbreak", "\"line\\nbreak\""},
                      Case{"carriage\rreturn", "\"carriage\\rreturn\""},
                      Case{"tab\there", "\"tab\\there\""},
                      Case{std::string("nul\0byte", 8), "\"nul\\u0000byte\""},
                      Case{"esc\x1b[2J", "\"esc\\u001b[2J\""}, Case{"del\x7f", "\"del\\u007f\""},
                      // UTF-8 is text, not control: left as it is.
                      Case{"caf\xc3\xa9", "caf\xc3\xa9"}));

TEST(LogfmtValue, NoControlByteSurvives) {
  std::string every;
  for (int c = 1; c < 0x20; ++c) every += static_cast<char>(c);
  every += '\x7f';
  for (const char c : LogfmtValue(every)) {
    const auto byte = static_cast<unsigned char>(c);
    EXPECT_FALSE(byte < 0x20 || byte == 0x7f) << static_cast<int>(byte);
  }
}

}  // namespace
}  // namespace stx::log
