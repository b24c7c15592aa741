// The sender profile table and the EHLO reading rules its rows are made of.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "smtp/client_profile.hpp"
#include "smtp/ehlo_classifier.hpp"
#include "smtp/reply_reader.hpp"
#include "support/ehlo_wire.hpp"

namespace stx::smtp {
namespace {

constexpr EhloRule kRfc{EhloLines::kAfterGreeting, KeywordCase::kInsensitive, KeywordEnd::kWord};

struct LineCase {
  EhloRule rule;
  const char* line;
  bool announces;
};

class KeywordRules : public ::testing::TestWithParam<LineCase> {};

TEST_P(KeywordRules, DecideWhetherALineAnnouncesStarttls) {
  EXPECT_EQ(AnnouncesStarttls(GetParam().rule, GetParam().line), GetParam().announces)
      << GetParam().line;
}

constexpr EhloRule kCaseSensitive{EhloLines::kAfterGreeting, KeywordCase::kSensitive,
                                  KeywordEnd::kWord};
constexpr EhloRule kWholeLine{EhloLines::kAfterGreeting, KeywordCase::kInsensitive,
                              KeywordEnd::kWholeLine};
constexpr EhloRule kPrefix{EhloLines::kAfterGreeting, KeywordCase::kInsensitive,
                           KeywordEnd::kPrefix};

INSTANTIATE_TEST_SUITE_P(
    Smtp, KeywordRules,
    ::testing::Values(
        // RFC 5321 §2.4 and §4.1.1.1: case-insensitive, the token ends at SP (or HT, '=').
        LineCase{kRfc, "STARTTLS", true}, LineCase{kRfc, "starttls", true},
        LineCase{kRfc, "StartTLS REQUIRED", true}, LineCase{kRfc, "STARTTLS\tnow", true},
        LineCase{kRfc, "STARTTLS=yes", true}, LineCase{kRfc, "STARTTLSX", false},
        LineCase{kRfc, "XSTARTTLS", false}, LineCase{kRfc, "", false},
        LineCase{kRfc, "STARTTL", false},
        // A sender that matches capitals only.
        LineCase{kCaseSensitive, "STARTTLS", true}, LineCase{kCaseSensitive, "starttls", false},
        // A sender that compares the whole line.
        LineCase{kWholeLine, "STARTTLS", true}, LineCase{kWholeLine, "STARTTLS REQUIRED", false},
        LineCase{kWholeLine, "starttls", true},
        // A sender that compares the first 8 characters.
        LineCase{kPrefix, "STARTTLSX", true}, LineCase{kPrefix, "STARTTLS", true},
        LineCase{kPrefix, "STARTTL", false}));

TEST(EhloLineRules, AfterGreetingSkipsLineOneAndStopsAtTheFinalLine) {
  const EhloRule any{EhloLines::kAnyLine, KeywordCase::kInsensitive, KeywordEnd::kWord};
  const test::EhloWire seed =
      test::ReadEhloWire("250-STARTTLS\r\n250-mail.domain1.com\r\n250 SIZE 1000\r\n");
  EXPECT_FALSE(SeesStarttls(kRfc, seed.reply, seed.trailing));
  EXPECT_TRUE(SeesStarttls(any, seed.reply, seed.trailing));
  const test::EhloWire premature =
      test::ReadEhloWire("250 mx.test\r\n250-STARTTLS\r\n250 SIZE 1000\r\n");
  ASSERT_EQ(premature.trailing.size(), 2u);
  EXPECT_FALSE(SeesStarttls(kRfc, premature.reply, premature.trailing));
  EXPECT_TRUE(SeesStarttls(any, premature.reply, premature.trailing));
  const test::EhloWire compliant = test::ReadEhloWire("250-mx.test\r\n250 STARTTLS\r\n");
  EXPECT_TRUE(SeesStarttls(kRfc, compliant.reply, compliant.trailing));
  EXPECT_TRUE(SeesStarttls(any, compliant.reply, compliant.trailing));
  const test::EhloWire greeting_only = test::ReadEhloWire("250 mx.test\r\n");
  EXPECT_FALSE(SeesStarttls(kRfc, greeting_only.reply, greeting_only.trailing));
}

// The two default profiles first, as alerts, dashboards and the README name them; the rows
// of real senders after them, each proven by a run of its sender (tests/senders).
TEST(ClientProfileTable, HoldsStrictThenLenientThenRealSenders) {
  const auto profiles = ClientProfiles();
  ASSERT_GE(profiles.size(), 5u);
  EXPECT_EQ(profiles[0].name, "strict");
  EXPECT_EQ(profiles[1].name, "lenient");
  EXPECT_EQ(FindClientProfile("strict"), 0u);
  EXPECT_EQ(FindClientProfile("lenient"), 1u);
  EXPECT_FALSE(FindClientProfile("no-such-sender").has_value());
  EXPECT_EQ(DefaultSenders(), ProfileSet(0b11)) << "strict and lenient, unless configured";
  EXPECT_EQ(RealSenders() & DefaultSenders(), ProfileSet()) << "the readings are no senders";
  EXPECT_EQ((RealSenders() | DefaultSenders()).count(), profiles.size());
  for (const char* sender : {"postfix", "python", "curl", "swaks", "msmtp", "perl", "ruby",
                             "opensmtpd", "exim", "sendmail"}) {
    const auto at = FindClientProfile(sender);
    ASSERT_TRUE(at.has_value()) << sender;
    EXPECT_FALSE(profiles[*at].verified_with.empty()) << sender;
  }
  for (const auto& p : profiles) {
    EXPECT_FALSE(p.title.empty());
    EXPECT_FALSE(p.senders.empty());
    EXPECT_FALSE(p.reading.empty());
  }
}

// Where each rule ends the keyword: the lines that tell the senders apart.
TEST(ClientProfileRule, KeywordEndsWhereTheRuleSays) {
  const EhloRule word{EhloLines::kAfterGreeting, KeywordCase::kInsensitive, KeywordEnd::kWord};
  const EhloRule space_or_equals{EhloLines::kAfterGreeting, KeywordCase::kInsensitive,
                                 KeywordEnd::kWord, " ="};
  const EhloRule grammar{EhloLines::kAfterGreeting, KeywordCase::kInsensitive,
                         KeywordEnd::kKeywordGrammar};
  const EhloRule prefix{EhloLines::kAfterGreeting, KeywordCase::kSensitive, KeywordEnd::kPrefix};
  struct Row {
    const char* line;
    bool word, space_or_equals, grammar, prefix;
  };
  for (const Row& row : {Row{"STARTTLS", true, true, true, true},
                         Row{"STARTTLS REQUIRED", true, true, true, true},
                         Row{"STARTTLS\tx", true, false, true, true},
                         Row{"STARTTLS=1", true, true, true, true},
                         Row{"STARTTLS_", false, false, true, true},
                         Row{"STARTTLS-X", false, false, false, true},
                         Row{"STARTTLSX", false, false, false, true},
                         Row{"starttls", true, true, true, false},
                         Row{"XSTARTTLS", false, false, false, false}}) {
    EXPECT_EQ(AnnouncesStarttls(word, row.line), row.word) << row.line;
    EXPECT_EQ(AnnouncesStarttls(space_or_equals, row.line), row.space_or_equals) << row.line;
    EXPECT_EQ(AnnouncesStarttls(grammar, row.line), row.grammar) << row.line;
    EXPECT_EQ(AnnouncesStarttls(prefix, row.line), row.prefix) << row.line;
  }
}

// Perl Net::SMTP's /([-\w]+)\b/: the first run of word characters and '-' that holds a word
// character, up to its last one, wherever it starts in the line.
TEST(ClientProfileRule, FirstWordRunIsWhatPerlsPatternMatches) {
  const EhloRule perl{EhloLines::kReplyLines, KeywordCase::kInsensitive, KeywordEnd::kFirstWordRun};
  struct Row {
    const char* line;
    bool announces;
  };
  for (const Row& row : {Row{"STARTTLS", true}, Row{"starttls", true},
                         Row{"STARTTLS REQUIRED", true}, Row{"STARTTLS\tx", true},
                         Row{"STARTTLS=1", true}, Row{"STARTTLS:", true},
                         // '_' is a word character, '-' belongs to the run
                         Row{"STARTTLS_", false}, Row{"STARTTLS-X", false},
                         Row{"STARTTLSX", false}, Row{"XSTARTTLS", false},
                         // the \b after the run gives back trailing '-'
                         Row{"STARTTLS-", true}, Row{"STARTTLS--", true},
                         // a leading '-' is part of the run
                         Row{"-STARTTLS", false},
                         // what comes before the first run is skipped
                         Row{" STARTTLS", true}, Row{"=STARTTLS", true}, Row{"-- STARTTLS", true},
                         // only the first run counts
                         Row{"mx.test STARTTLS", false}, Row{"", false}, Row{"---", false}}) {
    EXPECT_EQ(AnnouncesStarttls(perl, row.line), row.announces) << row.line;
  }
}

// kAnyWord is nodemailer's /[ -]STARTTLS\b/i searched over each line of the raw reply: the
// line's text starts after the code's separator, so its start counts as after SP or '-'.
TEST(ClientProfileRule, AnyWordFindsStarttlsAsAWordAnywhereInTheLine) {
  const EhloRule any_word{EhloLines::kReplyLines, KeywordCase::kInsensitive, KeywordEnd::kAnyWord};
  struct Row {
    const char* line;
    bool announces;
  };
  for (const Row& row : {Row{"STARTTLS", true}, Row{"starttls", true},
                         Row{"STARTTLS REQUIRED", true}, Row{"STARTTLS\tx", true},
                         Row{"STARTTLS=1", true}, Row{"STARTTLS-X", true},
                         Row{"STARTTLS.", true}, Row{"mx.test STARTTLS", true},
                         Row{"X-STARTTLS", true}, Row{"mx.test Hello, STARTTLS here", true},
                         Row{"STARTTLS_", false}, Row{"STARTTLSX", false},
                         Row{"STARTTLS9", false}, Row{"XSTARTTLS", false},
                         Row{"mx.test\tSTARTTLS", false}, Row{"=STARTTLS", false},
                         Row{"STARTTL", false}, Row{"", false},
                         Row{"XSTARTTLS STARTTLSX STARTTLS", true}}) {
    EXPECT_EQ(AnnouncesStarttls(any_word, row.line), row.announces) << row.line;
  }
  const EhloRule capitals{EhloLines::kReplyLines, KeywordCase::kSensitive, KeywordEnd::kAnyWord};
  EXPECT_FALSE(AnnouncesStarttls(capitals, "starttls"));
  EXPECT_TRUE(AnnouncesStarttls(capitals, "starttls STARTTLS"));
  // Every line of the reply, the greeting and a one-line reply included.
  for (const char* wire : {"250-STARTTLS\r\n250 mx.test\r\n", "250 STARTTLS\r\n",
                           "250-mx.test STARTTLS\r\n250 8BITMIME\r\n"}) {
    const test::EhloWire w = test::ReadEhloWire(wire);
    EXPECT_TRUE(SeesStarttls(any_word, w.reply, w.trailing)) << wire;
  }
  const test::EhloWire premature =
      test::ReadEhloWire("250 mx.test\r\n250-STARTTLS\r\n250 SIZE 1000\r\n");
  EXPECT_FALSE(SeesStarttls(any_word, premature.reply, premature.trailing));
}

// A line stripped at both ends before its first word is cut (PHP's trim()): blanks around
// the keyword do not hide it, though only SP ends it.
TEST(ClientProfileRule, TrimmedLinesLoseTheirBlanksAtBothEnds) {
  constexpr std::string_view blanks{" \t\n\r\0\x0B", 6};
  const EhloRule trimmed{EhloLines::kAfterGreeting, KeywordCase::kSensitive, KeywordEnd::kWord,
                         " ", blanks, blanks};
  const EhloRule untrimmed{EhloLines::kAfterGreeting, KeywordCase::kSensitive, KeywordEnd::kWord,
                           " "};
  struct Row {
    std::string_view line;
    bool trimmed, untrimmed;
  };
  for (const Row& row : {Row{"STARTTLS", true, true}, Row{" STARTTLS", true, false},
                         Row{"STARTTLS\t", true, false}, Row{"STARTTLS\v", true, false},
                         Row{std::string_view("STARTTLS\0", 9), true, false},
                         Row{"\tSTARTTLS \t", true, false}, Row{"STARTTLS\tx", false, false},
                         Row{"STARTTLS x", true, true}, Row{" \t ", false, false},
                         Row{"", false, false}}) {
    EXPECT_EQ(AnnouncesStarttls(trimmed, row.line), row.trimmed) << row.line;
    EXPECT_EQ(AnnouncesStarttls(untrimmed, row.line), row.untrimmed) << row.line;
  }
}

// kReplyLines reads the greeting line but not what follows a premature final line.
TEST(ClientProfileRule, ReplyLinesIncludeTheGreetingButNotTheTrailingLines) {
  const EhloRule reply_lines{EhloLines::kReplyLines, KeywordCase::kSensitive, KeywordEnd::kPrefix};
  const test::EhloWire seed = test::ReadEhloWire("250-STARTTLS\r\n250 mx.test\r\n");
  EXPECT_TRUE(SeesStarttls(reply_lines, seed.reply, seed.trailing));
  const test::EhloWire premature =
      test::ReadEhloWire("250 mx.test\r\n250-STARTTLS\r\n250 SIZE 1000\r\n");
  EXPECT_FALSE(SeesStarttls(reply_lines, premature.reply, premature.trailing));
}

// The RFC reading is the EHLO class: a compliant reply is the one the strict profile reads
// STARTTLS in, whatever other rows the table has.
TEST(ClientProfileTable, StrictSeesStarttlsExactlyWhenTheReplyIsCompliant) {
  const std::size_t strict = *FindClientProfile("strict");
  for (const char* wire : {"250-mx.test\r\n250 STARTTLS\r\n", "250-STARTTLS\r\n250 mx.test\r\n",
                           "250 mx.test\r\n250 STARTTLS\r\n", "250-mx.test\r\n250 starttls\r\n",
                           "250-mx.test\r\n250 STARTTLSX\r\n", "250 mx.test\r\n"}) {
    const test::EhloWire w = test::ReadEhloWire(wire);
    const EhloAnalysis analysis = ClassifyEhlo(w.reply, w.trailing);
    EXPECT_EQ(analysis.sees_starttls.test(strict), analysis.ehlo_class == EhloClass::kCompliant)
        << wire;
  }
}

// A row added to the table is read by the classifier with no other change.
TEST(ClientProfileTable, AThirdRowIsClassifiedWithTheOthers) {
  const std::array table{ClientProfiles()[0], ClientProfiles()[1],
                         ClientProfile{"capitals", "capitals-only client", "a throwaway sender",
                                       "STARTTLS in capitals after the greeting", kCaseSensitive}};
  const ScopedClientProfiles scoped(table);
  ASSERT_EQ(ClientProfiles().size(), 3u);
  EXPECT_EQ(FindClientProfile("capitals"), 2u);
  const test::EhloWire lower = test::ReadEhloWire("250-mx.test\r\n250 starttls\r\n");
  const EhloAnalysis analysis = ClassifyEhlo(lower.reply, lower.trailing);
  EXPECT_EQ(analysis.ehlo_class, EhloClass::kCompliant);  // RFC 5321: keywords ignore case
  EXPECT_TRUE(analysis.sees_starttls.test(0));
  EXPECT_TRUE(analysis.sees_starttls.test(1));
  EXPECT_FALSE(analysis.sees_starttls.test(2));
}

TEST(ClientProfileTable, ScopedTableIsRestored) {
  {
    const std::array<ClientProfile, 1> table{ClientProfiles()[1]};
    const ScopedClientProfiles scoped(table);
    EXPECT_EQ(ClientProfiles().size(), 1u);
  }
  EXPECT_EQ(FindClientProfile("curl").has_value(), true);
}

}  // namespace
}  // namespace stx::smtp
