#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "smtp/ehlo_classifier.hpp"
#include "smtp/ehlo_explanation.hpp"
#include "smtp/reply_reader.hpp"
#include "support/ehlo_wire.hpp"

namespace stx::smtp {
namespace {

// The seed article's two conversations (Cisco ESA, "STARTTLS command not supported").
const char* const kSeedMisordered =
    "250-STARTTLS\r\n"
    "250-mail.domain1.com\r\n"
    "250-8BITMIME\r\n"
    "250-PIPELINING\r\n"
    "250-HELP\r\n"
    "250-DELIVERBY 300\r\n"
    "250 SIZE 30000000\r\n";
const char* const kSeedCorrect =
    "250-mail-esa.com\r\n"
    "250-8BITMIME\r\n"
    "250-SIZE 33554432\r\n"
    "250 STARTTLS\r\n";

struct ClassCase {
  const char* name;
  std::string wire;
  EhloClass expected;
  bool strict;
  bool lenient;
  std::size_t starttls_line;
  std::vector<FindingCode> findings;
};

std::vector<ClassCase> ClassCases() {
  using F = FindingCode;
  return {
      {"seed_misordered",
       kSeedMisordered,
       EhloClass::kMisordered,
       false,
       true,
       1,
       {F::kStarttlsOnGreetingLine}},
      {"seed_correct", kSeedCorrect, EhloClass::kCompliant, true, true, 4, {}},
      {"starttls_in_middle",
       "250-mx.test Hello\r\n250-STARTTLS\r\n250 SIZE 1\r\n",
       EhloClass::kCompliant,
       true,
       true,
       2,
       {}},
      {"keyword_case_insensitive",
       "250-mx.test\r\n250 starttls\r\n",
       EhloClass::kCompliant,
       true,
       true,
       2,
       {}},
      {"keyword_with_parameter",
       "250-mx.test\r\n250 STARTTLS REQUIRED\r\n",
       EhloClass::kCompliant,
       true,
       true,
       2,
       {}},
      {"bare_final_code_then_keyword_lines",
       "250-mx.test\r\n250-STARTTLS\r\n250\r\n",
       EhloClass::kCompliant,
       true,
       true,
       2,
       {}},
      {"also_on_greeting_line_is_still_compliant",
       "250-STARTTLS\r\n250-mx.test\r\n250 STARTTLS\r\n",
       EhloClass::kCompliant,
       true,
       true,
       3,
       {F::kStarttlsOnGreetingLine}},
      {"single_line_greeting_only",
       "250 mx.test Hello\r\n",
       EhloClass::kNoStarttls,
       false,
       false,
       0,
       {}},
      {"single_line_starttls",
       "250 STARTTLS\r\n",
       EhloClass::kMisordered,
       false,
       true,
       1,
       {F::kStarttlsOnGreetingLine}},
      {"two_lines_starttls_first",
       "250-STARTTLS\r\n250 mx.test\r\n",
       EhloClass::kMisordered,
       false,
       true,
       1,
       {F::kStarttlsOnGreetingLine}},
      {"no_starttls",
       "250-mx.test\r\n250-PIPELINING\r\n250 SIZE 1\r\n",
       EhloClass::kNoStarttls,
       false,
       false,
       0,
       {}},
      {"xstarttls_does_not_count",
       "250-mx.test\r\n250 XSTARTTLS\r\n",
       EhloClass::kNoStarttls,
       false,
       false,
       0,
       {}},
      {"starttlsx_does_not_count",
       "250-mx.test\r\n250 STARTTLSX\r\n",
       EhloClass::kNoStarttls,
       false,
       false,
       0,
       {}},
      {"word_in_greeting_text_does_not_count",
       "250-mx.test we support STARTTLS\r\n250 SIZE 1\r\n",
       EhloClass::kNoStarttls,
       false,
       false,
       0,
       {}},
      {"word_inside_later_line_does_not_count",
       "250-mx.test\r\n250 HELP STARTTLS\r\n",
       EhloClass::kNoStarttls,
       false,
       false,
       0,
       {}},
      {"masked_by_firewall",
       "250-mx.test\r\n250-XXXXXXXA\r\n250 SIZE 1\r\n",
       EhloClass::kNoStarttls,
       false,
       false,
       0,
       {F::kStarttlsMasked}},
      {"masked_all_x",
       "250-mx.test\r\n250 XXXXXXXX\r\n",
       EhloClass::kNoStarttls,
       false,
       false,
       0,
       {F::kStarttlsMasked}},
      {"premature_final_line",
       "250 mx.test\r\n250-STARTTLS\r\n250 SIZE 1000\r\n",
       EhloClass::kMisordered,
       false,
       true,
       2,
       {F::kStarttlsAfterFinalLine}},
      {"premature_final_line_without_starttls",
       "250 mx.test\r\n250 SIZE 1000\r\n",
       EhloClass::kNoStarttls,
       false,
       false,
       0,
       {}},
      {"bare_lf_does_not_change_class",
       "250-mx.test\n250 STARTTLS\n",
       EhloClass::kCompliant,
       true,
       true,
       2,
       {}},
      {"mixed_codes_do_not_change_class",
       "250-mx.test\r\n251 STARTTLS\r\n",
       EhloClass::kCompliant,
       true,
       true,
       2,
       {}},
      {"rejected_ehlo_is_error", "554 5.7.1 go away\r\n", EhloClass::kError, false, false, 0, {}},
      {"tempfail_ehlo_is_error",
       "421-mx.test\r\n421 busy\r\n",
       EhloClass::kError,
       false,
       false,
       0,
       {}},
  };
}

class EhloClassifierTable : public ::testing::TestWithParam<ClassCase> {};

TEST_P(EhloClassifierTable, Classifies) {
  const ClassCase& c = GetParam();
  const test::EhloWire parsed = test::ReadEhloWire(c.wire);
  const EhloAnalysis analysis = ClassifyEhlo(parsed.reply, parsed.trailing);
  EXPECT_EQ(ToString(analysis.ehlo_class), ToString(c.expected));
  EXPECT_EQ(analysis.sees_starttls.test(*FindClientProfile("strict")), c.strict);
  EXPECT_EQ(analysis.sees_starttls.test(*FindClientProfile("lenient")), c.lenient);
  EXPECT_EQ(analysis.starttls_line, c.starttls_line);
  std::vector<FindingCode> got;
  for (const auto& f : analysis.findings) {
    got.push_back(f.code);
    EXPECT_EQ(f.context, "ehlo");
    EXPECT_FALSE(f.detail.empty());
  }
  EXPECT_EQ(got, c.findings);
}

INSTANTIATE_TEST_SUITE_P(Smtp, EhloClassifierTable, ::testing::ValuesIn(ClassCases()),
                         [](const auto& test_param) { return std::string(test_param.param.name); });

TEST(EhloClassifier, ExposesGreetingAndKeywords) {
  const test::EhloWire parsed = test::ReadEhloWire(kSeedCorrect);
  const EhloAnalysis analysis = ClassifyEhlo(parsed.reply);
  EXPECT_EQ(analysis.greeting, "mail-esa.com");
  EXPECT_EQ(analysis.keywords, (std::vector<std::string>{"8BITMIME", "SIZE", "STARTTLS"}));
}

TEST(EhloClassifier, ClassNamesArePartOfTheInterface) {
  EXPECT_EQ(ToString(EhloClass::kCompliant), "compliant");
  EXPECT_EQ(ToString(EhloClass::kMisordered), "misordered");
  EXPECT_EQ(ToString(EhloClass::kNoStarttls), "no_starttls");
  EXPECT_EQ(ToString(EhloClass::kError), "error");
}

TEST(EhloExplanation, SeedMisorderedGetsACorrectedReplyFromItsOwnLines) {
  const test::EhloWire parsed = test::ReadEhloWire(kSeedMisordered);
  const EhloAnalysis analysis = ClassifyEhlo(parsed.reply);
  EXPECT_EQ(CorrectedEhloReply(analysis, parsed.reply),
            (std::vector<std::string>{"250-mail.domain1.com", "250-STARTTLS", "250-8BITMIME",
                                      "250-PIPELINING", "250-HELP", "250-DELIVERBY 300",
                                      "250 SIZE 30000000"}));
  const std::string text = ExplainMisordered(analysis, parsed.reply);
  EXPECT_NE(text.find("FIRST line"), std::string::npos);
  EXPECT_NE(text.find("250-STARTTLS"), std::string::npos);
  EXPECT_NE(text.find("RFC 5321 section 4.1.1.1"), std::string::npos);
  EXPECT_NE(text.find("STARTTLS command not supported"), std::string::npos);

  // The corrected reply really is compliant.
  std::string wire;
  for (const auto& line : CorrectedEhloReply(analysis, parsed.reply)) wire += line + "\r\n";
  EXPECT_EQ(ClassifyEhlo(test::ReadEhloWire(wire).reply).ehlo_class, EhloClass::kCompliant);
}

TEST(EhloExplanation, PrematureFinalLineNamesTheFinalLine) {
  const test::EhloWire parsed =
      test::ReadEhloWire("250 mx.test\r\n250-STARTTLS\r\n250 SIZE 1000\r\n");
  const EhloAnalysis analysis = ClassifyEhlo(parsed.reply, parsed.trailing);
  const std::string text = ExplainMisordered(analysis, parsed.reply, parsed.trailing);
  EXPECT_NE(text.find("ends its EHLO reply on line 1"), std::string::npos) << text;
  EXPECT_NE(text.find("section 4.2.1"), std::string::npos);
  EXPECT_EQ(CorrectedEhloReply(analysis, parsed.reply, parsed.trailing),
            (std::vector<std::string>{"250-mx.test", "250-STARTTLS", "250 SIZE 1000"}));
}

// Found by fuzz_reply_reader: the keyword ends at the tab, so the line was misordered, but the
// corrected reply copied "STARTTLS\tnow" and was itself not compliant.
TEST(EhloExplanation, CorrectedReplyWritesTheBareKeyword) {
  const test::EhloWire parsed = test::ReadEhloWire("250 mx.test\r\n250 STARTTLS\tnow\r\n");
  const EhloAnalysis analysis = ClassifyEhlo(parsed.reply, parsed.trailing);
  ASSERT_EQ(analysis.ehlo_class, EhloClass::kMisordered);
  const auto corrected = CorrectedEhloReply(analysis, parsed.reply, parsed.trailing);
  EXPECT_EQ(corrected, (std::vector<std::string>{"250-mx.test", "250 STARTTLS"}));
  std::string wire;
  for (const auto& line : corrected) wire += line + "\r\n";
  EXPECT_EQ(ClassifyEhlo(test::ReadEhloWire(wire).reply).ehlo_class, EhloClass::kCompliant);
}

TEST(EhloExplanation, EmptyForOtherClasses) {
  const test::EhloWire parsed = test::ReadEhloWire(kSeedCorrect);
  EXPECT_EQ(ExplainMisordered(ClassifyEhlo(parsed.reply), parsed.reply), "");
}

// Found by the renderer fuzz target: a misordered analysis with a reply that holds no line
// (a stored reply that does not parse back) read past the end of the reply.
TEST(EhloExplanation, EmptyForAReplyWithoutLines) {
  EhloAnalysis analysis;
  analysis.ehlo_class = EhloClass::kMisordered;
  analysis.starttls_line = 2;
  EXPECT_EQ(ExplainMisordered(analysis, Reply{}), "");
  EXPECT_TRUE(CorrectedEhloReply(analysis, Reply{}).empty());
}

TEST(BannerMask, DetectsAsteriskBanner) {
  ReplyReader reader;
  reader.Feed("220 ****************************\r\n");
  EXPECT_TRUE(LooksLikeMaskedBanner(reader.reply()));
  reader.Reset();
  reader.Feed("220 mx.test ESMTP Postfix\r\n");
  EXPECT_FALSE(LooksLikeMaskedBanner(reader.reply()));
}

}  // namespace
}  // namespace stx::smtp
