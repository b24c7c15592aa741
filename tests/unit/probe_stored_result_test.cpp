// What a result keeps between probes, in the compact forms agent/probe stores it in:
// the transcript in one buffer, keywords in one string, the misordered EHLO reply's raw lines
// instead of its explanation, client verdicts built when shown. Each must read back exactly
// what the plain form held.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "probe/probe_result.hpp"
#include "probe/transcript_recorder.hpp"
#include "smtp/ehlo_explanation.hpp"
#include "smtp/reply_reader.hpp"

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

// The EHLO reply (and any lines after its final line) as the probe reads them.
struct Wire {
  smtp::Reply reply;
  std::vector<smtp::ReplyLine> trailing;
};

Wire Read(const std::string& bytes) {
  Wire out;
  smtp::ReplyReader reader;
  std::size_t consumed = reader.Feed(bytes);
  EXPECT_TRUE(reader.Complete()) << bytes;
  out.reply = reader.TakeReply();
  while (consumed < bytes.size()) {
    consumed += reader.Feed(std::string_view(bytes).substr(consumed));
    if (!reader.Complete()) break;
    for (auto& line : reader.TakeReply().lines) out.trailing.push_back(std::move(line));
  }
  return out;
}

class StoredEhlo : public ::testing::TestWithParam<const char*> {};

// Explanation() and CorrectedEhlo(), built from the stored lines, say exactly what
// smtp::ExplainMisordered and CorrectedEhloReply said from the reply itself (what the result
// used to store).
TEST_P(StoredEhlo, ExplanationAndCorrectedReplyAreThoseOfTheReplyItself) {
  const Wire wire = Read(GetParam());
  const smtp::EhloAnalysis analysis = smtp::ClassifyEhlo(wire.reply, wire.trailing);
  ASSERT_EQ(analysis.ehlo_class, smtp::EhloClass::kMisordered);
  AddressProbeResult r;
  r.ehlo_class = analysis.ehlo_class;
  r.ehlo = EhloSummary(analysis);
  r.misordered_ehlo = StoredEhloLines(wire.reply, wire.trailing);
  ShrinkToFit(r);

  const std::string expected = smtp::ExplainMisordered(analysis, wire.reply, wire.trailing);
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(Explanation(r), expected);
  EXPECT_EQ(CorrectedEhlo(r), smtp::CorrectedEhloReply(analysis, wire.reply, wire.trailing));
  EXPECT_EQ(r.ehlo.keywords.ToVector(), analysis.keywords);
  EXPECT_EQ(r.ehlo.greeting, analysis.greeting);
}

INSTANTIATE_TEST_SUITE_P(
    Probe, StoredEhlo,
    ::testing::Values(
        // STARTTLS on the greeting line (the Cisco ESA case).
        "250-STARTTLS\r\n250-mail.domain1.com\r\n250-8BITMIME\r\n250-PIPELINING\r\n"
        "250 SIZE 30000000\r\n",
        // A premature final line; STARTTLS among the lines after it.
        "250 mx.test\r\n250-STARTTLS\r\n250 SIZE 1000\r\n",
        // Bytes that are escaped for display, a tab, a bare LF, trailing lines of two replies.
        "250-STARTTLS\tnow\r\n250-mx\x7f.test\n250 8BITMIME\r\n250 X\r\n250 Y\r\n"));

TEST(StoredEhlo, NothingToExplainForOtherClasses) {
  AddressProbeResult r;
  r.ehlo_class = smtp::EhloClass::kCompliant;
  r.misordered_ehlo = "250-STARTTLS\n250 mx.test\n";
  EXPECT_EQ(Explanation(r), "");
  EXPECT_TRUE(CorrectedEhlo(r).empty());
}

struct VerdictCase {
  smtp::EhloClass ehlo_class;
  bool sees_starttls;
  TlsOutcome outcome;
  const char* verdict;
  bool gets_tls;
};

class Verdicts : public ::testing::TestWithParam<VerdictCase> {};

// The sentences are what the status page, the reports and /api/v1/targets show.
TEST_P(Verdicts, SayWhatTheClientDoes) {
  const VerdictCase& c = GetParam();
  AddressProbeResult r;
  r.ehlo_class = c.ehlo_class;
  r.ehlo.strict_sees_starttls = r.ehlo.lenient_sees_starttls = c.sees_starttls;
  r.tls_outcome = c.outcome;
  r.tls_detail = "454 4.7.0 TLS not available";
  if (c.outcome == TlsOutcome::kEstablished) {
    r.tls = tls::TlsFacts{};
    r.tls->version = "TLSv1.3";
    r.tls->cipher = "TLS_AES_256_GCM_SHA384";
  }
  if (c.ehlo_class == smtp::EhloClass::kError) {
    r.error = ProbeError{Stage::kBanner, FailureKind::kTimeout, "no complete banner within 10 ms"};
  }
  DeriveClientViews(r);
  EXPECT_EQ(r.strict.sees_starttls, c.sees_starttls);
  EXPECT_EQ(r.strict.gets_tls, c.gets_tls);
  EXPECT_EQ(Verdict(r, r.strict), c.verdict);
}

INSTANTIATE_TEST_SUITE_P(
    Probe, Verdicts,
    ::testing::Values(
        VerdictCase{smtp::EhloClass::kCompliant, true, TlsOutcome::kEstablished,
                    "uses TLS (TLSv1.3, TLS_AES_256_GCM_SHA384)", true},
        VerdictCase{smtp::EhloClass::kMisordered, false, TlsOutcome::kEstablished,
                    "sends in clear (or defers when TLS is required): STARTTLS not seen", false},
        VerdictCase{smtp::EhloClass::kCompliant, true, TlsOutcome::kStarttlsRefused,
                    "sends in clear or defers: STARTTLS refused (454 4.7.0 TLS not available)",
                    false},
        VerdictCase{smtp::EhloClass::kCompliant, true, TlsOutcome::kStarttlsFailed,
                    "defers: STARTTLS failed (454 4.7.0 TLS not available)", false},
        VerdictCase{smtp::EhloClass::kCompliant, true, TlsOutcome::kHandshakeFailed,
                    "defers or falls back to clear text: TLS handshake failed (454 4.7.0 TLS not "
                    "available)",
                    false},
        VerdictCase{smtp::EhloClass::kCompliant, true, TlsOutcome::kNotAttempted,
                    "STARTTLS not attempted", false},
        VerdictCase{smtp::EhloClass::kError, false, TlsOutcome::kNotAttempted,
                    "cannot deliver: no complete banner within 10 ms", false}));

}  // namespace
}  // namespace stx::probe
