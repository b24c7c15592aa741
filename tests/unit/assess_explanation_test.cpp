// The explanation for the partner and the corrected EHLO reply of a misordered result, built
// when shown from the raw lines the result keeps (probe::AddressProbeResult::misordered_ehlo).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "assess/explanation.hpp"
#include "smtp/ehlo_explanation.hpp"
#include "smtp/reply_reader.hpp"
#include "support/ehlo_wire.hpp"

namespace stx::assess {
namespace {

using probe::AddressProbeResult;
using probe::EhloSummary;

class StoredEhlo : public ::testing::TestWithParam<const char*> {};

// Explanation() and CorrectedEhlo(), built from the lines a result stores, say exactly what
// smtp::ExplainMisordered and CorrectedEhloReply said from the reply itself (what the result
// used to store).
TEST_P(StoredEhlo, ExplanationAndCorrectedReplyAreThoseOfTheReplyItself) {
  const test::EhloWire wire = test::ReadEhloWire(GetParam());
  const smtp::EhloAnalysis analysis = smtp::ClassifyEhlo(wire.reply, wire.trailing);
  ASSERT_EQ(analysis.ehlo_class, smtp::EhloClass::kMisordered);
  AddressProbeResult r;
  r.ehlo_class = analysis.ehlo_class;
  r.ehlo = EhloSummary(analysis);
  r.misordered_ehlo = probe::StoredEhloLines(wire.reply, wire.trailing);
  probe::ShrinkToFit(r);

  const std::string expected = smtp::ExplainMisordered(analysis, wire.reply, wire.trailing);
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(Explanation(r), expected);
  EXPECT_EQ(CorrectedEhlo(r), smtp::CorrectedEhloReply(analysis, wire.reply, wire.trailing));
  EXPECT_EQ(r.ehlo.keywords.ToVector(), analysis.keywords);
  EXPECT_EQ(r.ehlo.greeting, analysis.greeting);
}

INSTANTIATE_TEST_SUITE_P(
    Assess, StoredEhlo,
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

}  // namespace
}  // namespace stx::assess
