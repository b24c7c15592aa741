#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "smtp/reply_reader.hpp"

namespace stx::smtp {
namespace {

struct ReadCase {
  const char* name;
  std::string input;
  bool complete;
  ReplyError error;
  int code;
  std::size_t lines;
  std::size_t left_over;              // bytes after the final line, not consumed
  std::vector<FindingCode> findings;  // in order
};

std::vector<ReadCase> ReadCases() {
  return {
      {"single_line", "220 mx.test ESMTP\r\n", true, ReplyError::kNone, 220, 1, 0, {}},
      {"bare_code_is_final", "250\r\n", true, ReplyError::kNone, 250, 1, 0, {}},
      {"multi_line",
       "250-mx.test\r\n250-SIZE 1000\r\n250 STARTTLS\r\n",
       true,
       ReplyError::kNone,
       250,
       3,
       0,
       {}},
      {"incomplete_needs_more", "250-mx.test\r\n250-SIZE", false, ReplyError::kNone, 0, 1, 0, {}},
      {"stops_after_final_line",
       "250 mx.test\r\n250-STARTTLS\r\n250 SIZE 1\r\n",
       true,
       ReplyError::kNone,
       250,
       1,
       26,
       {}},
      {"bare_lf",
       "250-mx.test\n250 STARTTLS\n",
       true,
       ReplyError::kNone,
       250,
       2,
       0,
       {FindingCode::kBareLf}},
      {"mixed_codes",
       "250-mx.test\r\n251 STARTTLS\r\n",
       true,
       ReplyError::kNone,
       251,
       2,
       0,
       {FindingCode::kMixedReplyCodes}},
      {"line_over_512",
       "250-" + std::string(600, 'a') + "\r\n250 OK\r\n",
       true,
       ReplyError::kNone,
       250,
       2,
       0,
       {FindingCode::kLineTooLong}},
      {"non_ascii_and_nul",
       std::string("250-mx.t\xc3\xa9st\r\n250 OK\0x\r\n", 24),
       true,
       ReplyError::kNone,
       250,
       2,
       0,
       {FindingCode::kNonAscii}},
      {"no_separator", "250STARTTLS\r\n", false, ReplyError::kMalformedLine, 0, 0, 0, {}},
      {"not_a_code", "hello world\r\n", false, ReplyError::kMalformedLine, 0, 0, 0, {}},
      {"code_out_of_range", "199 nope\r\n", false, ReplyError::kMalformedLine, 0, 0, 0, {}},
      {"code_second_digit_range", "260 nope\r\n", false, ReplyError::kMalformedLine, 0, 0, 0, {}},
      {"short_line", "25\r\n", false, ReplyError::kMalformedLine, 0, 0, 0, {}},
      {"line_never_ends",
       "250-" + std::string(5000, 'x'),
       false,
       ReplyError::kLineTooLong,
       0,
       0,
       0,
       {}},
  };
}

class ReplyReaderTable : public ::testing::TestWithParam<ReadCase> {};

TEST_P(ReplyReaderTable, ParsesInOneFeedAndByteByByte) {
  const ReadCase& c = GetParam();
  for (const bool byte_by_byte : {false, true}) {
    SCOPED_TRACE(byte_by_byte ? "byte by byte" : "one feed");
    ReplyReader reader;
    std::size_t consumed = 0;
    if (byte_by_byte) {
      while (consumed < c.input.size() && !reader.Complete() && !reader.Failed()) {
        consumed += reader.Feed(std::string_view(c.input).substr(consumed, 1));
      }
    } else {
      consumed = reader.Feed(c.input);
    }
    EXPECT_EQ(reader.Complete(), c.complete);
    EXPECT_EQ(reader.error(), c.error) << reader.error_detail();
    if (c.error != ReplyError::kNone) {
      EXPECT_FALSE(reader.error_detail().empty());
      continue;
    }
    EXPECT_EQ(reader.reply().lines.size(), c.lines);
    if (!c.complete) continue;
    EXPECT_EQ(reader.reply().code, c.code);
    EXPECT_EQ(c.input.size() - consumed, c.left_over);
    std::vector<FindingCode> got;
    for (const auto& f : reader.reply().findings) got.push_back(f.code);
    EXPECT_EQ(got, c.findings);
  }
}

INSTANTIATE_TEST_SUITE_P(Smtp, ReplyReaderTable, ::testing::ValuesIn(ReadCases()),
                         [](const auto& test_param) { return std::string(test_param.param.name); });

TEST(ReplyReader, KeepsLineFieldsAndRawText) {
  ReplyReader reader;
  reader.Feed("250-mx.test Hello [127.0.0.1]\r\n250 STARTTLS\r\n");
  ASSERT_TRUE(reader.Complete());
  const Reply& reply = reader.reply();
  EXPECT_TRUE(reply.Positive());
  EXPECT_TRUE(reply.lines[0].continued);
  EXPECT_EQ(reply.lines[0].text, "mx.test Hello [127.0.0.1]");
  EXPECT_EQ(reply.lines[0].raw, "250-mx.test Hello [127.0.0.1]");
  EXPECT_FALSE(reply.lines[1].continued);
  EXPECT_EQ(reply.lines[1].octets, 14u);
  EXPECT_EQ(reply.Summary(), "250-mx.test Hello [127.0.0.1] / 250 STARTTLS");
}

TEST(ReplyReader, TooManyLinesIsBounded) {
  ReplyReader reader(
      ReplyLimits{.max_line_octets = 100, .max_lines = 10, .max_reply_octets = 1000});
  std::string flood;
  for (int i = 0; i < 100000; ++i) flood += "250-X\r\n";
  const std::size_t consumed = reader.Feed(flood);
  EXPECT_EQ(reader.error(), ReplyError::kTooManyLines);
  EXPECT_EQ(reader.reply().lines.size(), 11u);  // stops at the first line over the limit
  EXPECT_LT(consumed, 100u);
}

TEST(ReplyReader, ReplyTooLargeIsBounded) {
  ReplyReader reader(
      ReplyLimits{.max_line_octets = 1000, .max_lines = 1000, .max_reply_octets = 64});
  std::string flood;
  for (int i = 0; i < 100; ++i) flood += "250-XXXXXXXX\r\n";
  const std::size_t consumed = reader.Feed(flood);
  EXPECT_EQ(reader.error(), ReplyError::kReplyTooLarge);
  EXPECT_LE(consumed, 64u);
}

TEST(ReplyReader, TakeReplyResetsForTheNextReply) {
  ReplyReader reader;
  const std::string input = "220 mx.test\r\n250 OK\r\n";
  const std::size_t first = reader.Feed(input);
  ASSERT_TRUE(reader.Complete());
  EXPECT_EQ(reader.TakeReply().code, 220);
  EXPECT_FALSE(reader.Complete());
  reader.Feed(std::string_view(input).substr(first));
  ASSERT_TRUE(reader.Complete());
  EXPECT_EQ(reader.reply().code, 250);
}

TEST(ReplyReader, KeepsTheUnterminatedLineAsEvidenceUntilReset) {
  // A server that closes mid-line leaves "250-mx.test Hel": the probe shows it.
  ReplyReader reader;
  EXPECT_EQ(reader.Feed("250-mx.test Hello\r\n250-mx.test Hel"), 34u);
  EXPECT_FALSE(reader.Complete());
  EXPECT_EQ(reader.unterminated_line(), "250-mx.test Hel");
  EXPECT_EQ(reader.reply().lines.size(), 1u);
  reader.TakeReply();
  EXPECT_EQ(reader.unterminated_line(), "");
}

TEST(ReplyReader, UnterminatedLineNeverOutgrowsTheLineLimit) {
  ReplyLimits limits;
  limits.max_line_octets = 100;
  ReplyReader reader(limits);
  reader.Feed(std::string(10000, 'X'));
  EXPECT_EQ(reader.error(), ReplyError::kLineTooLong);
  EXPECT_LE(reader.unterminated_line().size(), 100u);
}

TEST(EscapeForDisplay, EscapesEverythingButPrintableAscii) {
  EXPECT_EQ(EscapeForDisplay(std::string("a\0b\r\n\xff\\", 7)), "a\\x00b\\x0d\\x0a\\xff\\\\");
}

}  // namespace
}  // namespace stx::smtp
