// What a result keeps between probes, in the compact forms agent/probe stores it in: the
// transcript in one buffer, keywords in one string. Each must read back exactly what the plain
// form held. (The misordered EHLO reply's raw lines, kept instead of its explanation, are read
// back in assess_explanation_test.)
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "probe/probe_result.hpp"
#include "probe/transcript_recorder.hpp"

namespace stx::probe {
namespace {

using Direction = TranscriptLine::Direction;

TEST(Transcript, ReadsBackEveryLineWithItsDirectionAndTls) {
  const std::string with_nul("a\0b", 3);
  const std::string long_line(5000, 'x');
  const std::vector<TranscriptLine> lines = {
      {Direction::kNote, false, "connected to 192.0.2.1:25"},
      {Direction::kServer, false, "220 mx.test ESMTP"},
      {Direction::kClient, false, ""},  // an empty line stays a line
      {Direction::kServer, true, with_nul},
      {Direction::kClient, true, "two\nlines in one note"},
      {Direction::kNote, true, long_line},
  };
  Transcript transcript;
  for (const auto& line : lines) transcript.push_back(line);
  transcript.ShrinkToFit();

  ASSERT_EQ(transcript.size(), lines.size());
  std::size_t i = 0;
  for (const TranscriptLine line : transcript) {  // iteration and indexing agree
    EXPECT_EQ(line.direction, lines[i].direction) << i;
    EXPECT_EQ(line.encrypted, lines[i].encrypted) << i;
    EXPECT_EQ(line.text, lines[i].text) << i;
    EXPECT_EQ(transcript[i].text, lines[i].text) << i;
    ++i;
  }
  EXPECT_EQ(i, lines.size());
  EXPECT_EQ(transcript.back().text, long_line);
}

TEST(Transcript, CopiesAreIndependent) {
  Transcript a;
  a.push_back({Direction::kClient, false, "EHLO probe.test"});
  Transcript b = a;
  b.push_back({Direction::kServer, false, "250 mx.test"});
  EXPECT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].text, "EHLO probe.test");
  EXPECT_EQ(b[1].text, "250 mx.test");
  EXPECT_TRUE(Transcript().empty());
}

TEST(TranscriptRecorder, KeepsAtMostItsLimitAndSaysHowManyLinesItDropped) {
  TranscriptRecorder recorder(3);
  for (int i = 0; i < 5; ++i) recorder.Client("NOOP " + std::to_string(i), false);
  Transcript lines;
  bool truncated = false;
  recorder.MoveInto(lines, truncated);
  EXPECT_TRUE(truncated);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[2].text, "NOOP 2");
  EXPECT_EQ(lines[3].direction, Direction::kNote);
  EXPECT_EQ(lines[3].text, "2 more lines not kept");
}

TEST(TranscriptRecorder, EscapesServerBytes) {
  TranscriptRecorder recorder(10);
  smtp::ReplyLine line;
  ASSERT_TRUE(smtp::ParseReplyLine("250-mx\x01test\\", line));
  recorder.ServerLines({line}, true);
  Transcript lines;
  bool truncated = true;
  recorder.MoveInto(lines, truncated);
  EXPECT_FALSE(truncated);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].text, "250-mx\\x01test\\\\");
  EXPECT_TRUE(lines[0].encrypted);
}

TEST(KeywordList, ReadsBackTheKeywordsInOrder) {
  const std::vector<std::string> keywords = {"PIPELINING", "SIZE", "8BITMIME", "X\x01Y"};
  const KeywordList list(keywords);
  EXPECT_EQ(list.ToVector(), keywords);
  EXPECT_EQ(list.size(), 4u);
  EXPECT_EQ(list.Joined(), "PIPELINING SIZE 8BITMIME X\x01Y");
  EXPECT_TRUE(list == keywords);
  EXPECT_TRUE(KeywordList().empty());
  EXPECT_EQ(KeywordList().size(), 0u);
  EXPECT_TRUE(KeywordList().ToVector().empty());
  EXPECT_EQ((KeywordList{"STARTTLS"}).ToVector(), std::vector<std::string>{"STARTTLS"});
}

}  // namespace
}  // namespace stx::probe
