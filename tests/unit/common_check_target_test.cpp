#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/check_target.hpp"
#include "common/display_text.hpp"

namespace stx {
namespace {

struct TargetCase {
  const char* text;
  bool ok;
  CheckTarget::Kind kind;
  const char* host;
  int port;  // 0 = none given
  bool literal;
  const char* error;  // a fragment of the message when !ok
};

class CheckTargetTable : public ::testing::TestWithParam<TargetCase> {};

TEST_P(CheckTargetTable, Parses) {
  const TargetCase& c = GetParam();
  const auto parsed = ParseCheckTarget(c.text);
  if (!c.ok) {
    ASSERT_TRUE(std::holds_alternative<std::string>(parsed)) << c.text;
    EXPECT_NE(std::get<std::string>(parsed).find(c.error), std::string::npos)
        << std::get<std::string>(parsed);
    return;
  }
  ASSERT_TRUE(std::holds_alternative<CheckTarget>(parsed)) << std::get<std::string>(parsed);
  const CheckTarget& t = std::get<CheckTarget>(parsed);
  EXPECT_EQ(t.kind, c.kind);
  EXPECT_EQ(t.host, c.host);
  EXPECT_EQ(t.port.value_or(0), c.port);
  EXPECT_EQ(t.literal.has_value(), c.literal);
}

using K = CheckTarget::Kind;
INSTANTIATE_TEST_SUITE_P(
    Probe, CheckTargetTable,
    ::testing::Values(
        TargetCase{"example.com", true, K::kDomain, "example.com", 0, false, ""},
        TargetCase{"Example.COM.", true, K::kDomain, "example.com", 0, false, ""},
        TargetCase{"mx.example.com:25", true, K::kHost, "mx.example.com", 25, false, ""},
        TargetCase{"192.0.2.1", true, K::kHost, "192.0.2.1", 0, true, ""},
        TargetCase{"127.0.0.1:2525", true, K::kHost, "127.0.0.1", 2525, true, ""},
        TargetCase{"[2001:db8::1]:25", true, K::kHost, "2001:db8::1", 25, true, ""},
        TargetCase{"[::1]", true, K::kHost, "::1", 0, true, ""},
        TargetCase{"2001:db8::1", true, K::kHost, "2001:db8::1", 0, true, ""},
        TargetCase{"", false, K::kDomain, "", 0, false, "empty target"},
        TargetCase{"example.com:0", false, K::kDomain, "", 0, false,
                   "port must be a number from 1 to 65535"},
        TargetCase{"example.com:65536", false, K::kDomain, "", 0, false, "1 to 65535"},
        TargetCase{"example.com:smtp", false, K::kDomain, "", 0, false, "1 to 65535"},
        TargetCase{"[::1:25", false, K::kDomain, "", 0, false, "missing ']'"},
        TargetCase{"[::1]25", false, K::kDomain, "", 0, false, "expected ':PORT'"},
        TargetCase{"[example.com]:25", false, K::kDomain, "", 0, false, "is not an IPv6 address"},
        TargetCase{"exa mple.com", false, K::kDomain, "", 0, false, "' ' is not allowed"},
        TargetCase{"a..b", false, K::kDomain, "", 0, false, "empty label"},
        TargetCase{"user@example.com", false, K::kDomain, "", 0, false, "'@' is not allowed"}),
    [](const auto& test_param) {
      std::string name;
      for (const char ch : std::string(test_param.param.text)) {
        name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
      }
      return name.empty() ? std::string("empty") : name + "_" + std::to_string(test_param.index);
    });

// Internationalized names become their A-labels (IDNA2008 with the UTS #46 mapping, as mail
// clients write them): what DNS and certificates carry.
TEST(ParseCheckTarget, InternationalizedNamesBecomeALabels) {
  for (const auto& [text, host] : std::vector<std::pair<std::string, std::string>>{
           {"bücher.example", "xn--bcher-kva.example"},
           {"BÜCHER.example", "xn--bcher-kva.example"},
           {"mx.bücher.example.", "mx.xn--bcher-kva.example"},
           {"xn--bcher-kva.example", "xn--bcher-kva.example"},
           {"例え.テスト", "xn--r8jz45g.xn--zckzah"}}) {
    const auto parsed = ParseCheckTarget(text);
    ASSERT_TRUE(std::holds_alternative<CheckTarget>(parsed)) << text << ": "
                                                             << std::get<std::string>(parsed);
    EXPECT_EQ(std::get<CheckTarget>(parsed).host, host) << text;
    EXPECT_EQ(std::get<CheckTarget>(parsed).kind, CheckTarget::Kind::kDomain) << text;
  }
  const auto host = ParseCheckTarget("mx.bücher.example:2525");
  ASSERT_TRUE(std::holds_alternative<CheckTarget>(host));
  EXPECT_EQ(std::get<CheckTarget>(host).host, "mx.xn--bcher-kva.example");
  EXPECT_EQ(std::get<CheckTarget>(host).port, 2525);
}

// A name that is no internationalized name says so with whole characters, never half of one
// (a message must itself be valid UTF-8).
TEST(ParseCheckTarget, ABadInternationalizedNameIsNamedWhole) {
  const auto cut = ParseCheckTarget("mx\xC3.example");  // the first byte of 'é' alone
  ASSERT_TRUE(std::holds_alternative<std::string>(cut));
  EXPECT_NE(std::get<std::string>(cut).find("the name is not valid UTF-8"), std::string::npos)
      << std::get<std::string>(cut);
  const auto snowman = ParseCheckTarget("\u2603.example");  // a symbol: IDNA2008 disallows it
  ASSERT_TRUE(std::holds_alternative<std::string>(snowman));
  EXPECT_NE(std::get<std::string>(snowman).find("not a valid internationalized domain name ("),
            std::string::npos)
      << std::get<std::string>(snowman);
  for (const auto* parsed : {&cut, &snowman}) {
    const std::string& message = std::get<std::string>(*parsed);
    EXPECT_TRUE(IsValidUtf8(message)) << message;
  }
  EXPECT_EQ(ValidateDomainName("mx\u00e9.test"),
            "the character '\u00e9' (U+00E9) is not allowed in a host name; write an "
            "internationalized name's labels as A-labels (\"xn--...\")");
  EXPECT_EQ(ValidateDomainName("mx\xE9.test"),
            "the byte 0xE9 (not UTF-8) is not allowed in a host name; write an "
            "internationalized name's labels as A-labels (\"xn--...\")");
}

// A target is what anyone sends to /probe: its error quotes it displayable (valid UTF-8, no
// control characters), whichever rule it breaks.
TEST(ParseCheckTarget, ErrorsQuoteTheTargetDisplayable) {
  for (const std::string& text :
       {std::string("\0\xff:99999", 8), std::string("[\x1b[2J:25"), std::string("[::1]\x07"),
        std::string("[\xff]:25"), std::string("\xff::\x01"), std::string("a\x1b]0;t\x07:0")}) {
    const auto parsed = ParseCheckTarget(text);
    ASSERT_TRUE(std::holds_alternative<std::string>(parsed)) << text;
    const std::string& message = std::get<std::string>(parsed);
    EXPECT_TRUE(IsValidUtf8(message)) << message;
    for (const char c : message) {
      EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f) << message;
    }
  }
}

TEST(ValidateDomainName, Limits) {
  EXPECT_EQ(ValidateDomainName(std::string(63, 'a') + ".test"), "");
  EXPECT_NE(ValidateDomainName(std::string(64, 'a') + ".test"), "");
  std::string long_name;
  for (int i = 0; i < 50; ++i) long_name += "abcd.";
  long_name += "test";
  EXPECT_NE(ValidateDomainName(long_name), "");
}

}  // namespace
}  // namespace stx
