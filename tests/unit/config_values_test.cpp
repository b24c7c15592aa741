#include "config/config_values.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>

#include "config/key_suggestion.hpp"

namespace stx::config {
namespace {

TEST(ConfigKeySuggestion, EditDistanceCountsTranspositionsOnce) {
  EXPECT_EQ(EditDistance("interval", "interval"), 0u);
  EXPECT_EQ(EditDistance("intervall", "interval"), 1u);
  EXPECT_EQ(EditDistance("intevral", "interval"), 1u);
  EXPECT_EQ(EditDistance("timout", "timeout"), 1u);
  EXPECT_EQ(EditDistance("", "port"), 4u);
  EXPECT_EQ(EditDistance("address_family", "address_families"), 3u);
}

TEST(ConfigKeySuggestion, SuggestsOnlyLikelyTypos) {
  constexpr std::array<std::string_view, 5> kKnown = {"interval", "timeout", "port", "mx",
                                                      "address_families"};
  EXPECT_EQ(SuggestKey("Interval", kKnown), "interval");
  EXPECT_EQ(SuggestKey("timeuot", kKnown), "timeout");
  EXPECT_EQ(SuggestKey("ports", kKnown), "port");
  EXPECT_EQ(SuggestKey("address_family", kKnown), "address_families");
  EXPECT_EQ(SuggestKey("mxs", kKnown), "mx");
  EXPECT_EQ(SuggestKey("colour", kKnown), "");
  EXPECT_EQ(SuggestKey("px", kKnown), "mx");  // one edit from a two-letter key
  EXPECT_EQ(SuggestKey("dns", kKnown), "");
  EXPECT_EQ(SuggestKey("x", kKnown), "");  // every letter replaced is no typo
}

TEST(ConfigValues, QuotedEscapesAndCuts) {
  EXPECT_EQ(Quoted("5m"), "\"5m\"");
  EXPECT_EQ(Quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Quoted(std::string("a\nb\x01", 4)), "\"a\\u000Ab\\u0001\"");
  EXPECT_EQ(Quoted(std::string(100, 'x')), "\"" + std::string(80, 'x') + "\"...");
}

TEST(ConfigValues, Durations) {
  EXPECT_EQ(CheckDuration("1h30m").value, std::chrono::minutes(90));
  EXPECT_EQ(CheckDuration("1500ms").value, std::chrono::milliseconds(1500));
  EXPECT_FALSE(CheckDuration("5").value);
  EXPECT_FALSE(CheckDuration("-5s").value);
  EXPECT_FALSE(CheckDuration("").value);
  EXPECT_EQ(CheckDuration("1h1h").error,
            "found \"1h1h\": each unit may appear once, the largest first (as in \"1h30m\"); "
            "expected a duration such as \"30s\", \"5m\" or \"1h30m\" (units ms, s, m, h, d)");
}

// Every duration is bounded with a message that names the bound.
TEST(ConfigValues, IntervalsAndTimeoutsAreBounded) {
  EXPECT_EQ(CheckInterval("10s").value, std::chrono::seconds(10));
  EXPECT_EQ(CheckInterval("7d").value, kMaxInterval);
  EXPECT_EQ(CheckInterval("9s").error,
            "found \"9s\"; expected at least 10s (partners' mail servers must not be hammered)");
  EXPECT_EQ(CheckInterval("7d1ms").error, "found \"7d1ms\"; expected at most 7d");
  EXPECT_EQ(CheckInterval("110000d").error, "found \"110000d\"; expected at most 7d");
  EXPECT_EQ(CheckTimeout("110000d").error, "found \"110000d\"; expected at most 30m");
  EXPECT_EQ(CheckTimeout("30m").value, kMaxTimeout);
  EXPECT_EQ(CheckTimeout("31m").error, "found \"31m\"; expected at most 30m");
  EXPECT_EQ(CheckTimeout("0s").error, "found \"0s\"; expected more than 0s");
}

TEST(ConfigValues, PartnerDomainsAreNormalized) {
  EXPECT_EQ(CheckPartnerDomain("Bank.EXAMPLE.").value, "bank.example");
  EXPECT_EQ(CheckPartnerDomain("xn--bcher-kva.example").value, "xn--bcher-kva.example");
  EXPECT_EQ(CheckPartnerDomain("B\u00fccher.example.").value, "xn--bcher-kva.example");
  EXPECT_EQ(CheckPartnerDomain("\u2603.example").error.rfind(
                "found \"\u2603.example\": the name is not a valid internationalized domain "
                "name (",
                0),
            0u)
      << CheckPartnerDomain("\u2603.example").error;
  EXPECT_EQ(CheckPartnerDomain("").error,
            "found \"\"; expected a mail domain such as \"example.com\"");
  EXPECT_FALSE(CheckPartnerDomain(".").value);
  EXPECT_FALSE(CheckPartnerDomain("[2001:db8::1]").value);
}

struct StaticMxCase {
  std::string text;
  std::string normalized;  // "" when rejected
};

class ConfigStaticMx : public testing::TestWithParam<StaticMxCase> {};

// Parsed once, at load, into a host target with its port: what the probe uses as it is.
TEST_P(ConfigStaticMx, ParsesToAHostWithItsPort) {
  const auto checked = CheckStaticMx(GetParam().text, 2525);
  EXPECT_EQ(checked.value ? ToString(*checked.value) : "", GetParam().normalized) << checked.error;
  if (!checked.value) return;
  EXPECT_EQ(checked.value->kind, CheckTarget::Kind::kHost);
  EXPECT_TRUE(checked.value->port.has_value());
  // An address is kept as one: the probe connects to it without a lookup.
  EXPECT_EQ(checked.value->literal.has_value(),
            GetParam().normalized.find_first_not_of("0123456789.:[]abcdef") == std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Config, ConfigStaticMx,
                         testing::Values(StaticMxCase{"mx1.example.com", "mx1.example.com:2525"},
                                         StaticMxCase{"MX1.Example.com.:25", "mx1.example.com:25"},
                                         StaticMxCase{"192.0.2.1", "192.0.2.1:2525"},
                                         StaticMxCase{"192.0.2.1:26", "192.0.2.1:26"},
                                         StaticMxCase{"2001:db8::1", "[2001:db8::1]:2525"},
                                         StaticMxCase{"[2001:DB8::1]:25", "[2001:db8::1]:25"},
                                         StaticMxCase{"[::1]", "[::1]:2525"}, StaticMxCase{"", ""},
                                         StaticMxCase{"host:", ""},
                                         StaticMxCase{"[mx.example.com]:25", ""},
                                         StaticMxCase{"user@mx.example.com", ""}));

TEST(ConfigValues, EhloNames) {
  EXPECT_EQ(CheckEhloName("probe.example.com"), "");
  EXPECT_EQ(CheckEhloName("[192.0.2.1]"), "");
  EXPECT_EQ(CheckEhloName("[IPv6:2001:db8::1]"), "");
  EXPECT_EQ(CheckEhloName("[ipv6:::1]"), "");
  EXPECT_EQ(CheckEhloName("192.0.2.1"),
            "found \"192.0.2.1\"; expected \"[192.0.2.1]\" (RFC 5321 §4.1.3 puts address "
            "literals in brackets)");
  EXPECT_NE(CheckEhloName("[192.0.2.1"), "");
  EXPECT_NE(CheckEhloName("[IPv6:192.0.2.1]"), "");
  EXPECT_NE(CheckEhloName("[probe.example.com]"), "");
  EXPECT_NE(CheckEhloName("probe.example.com."), "");
  EXPECT_NE(CheckEhloName(""), "");
}

TEST(ConfigValues, DnsServersAreNormalized) {
  EXPECT_EQ(CheckDnsServer("127.0.0.1").value, "127.0.0.1:53");
  EXPECT_EQ(CheckDnsServer("[::1]:5353").value, "[::1]:5353");
  EXPECT_EQ(CheckDnsServer("dns.example").error,
            "found \"dns.example\": 'dns.example' is not an IP address (host names are not "
            "accepted: the resolver must not need DNS to find itself); expected an IP address "
            "with an optional port, such as \"127.0.0.1\", \"127.0.0.1:5353\" or \"[::1]:53\"");
}

TEST(ConfigValues, LabelNames) {
  EXPECT_EQ(CheckLabelName("team"), "");
  EXPECT_EQ(CheckLabelName("_tier2"), "");
  EXPECT_EQ(CheckLabelName("Cost_Center"), "");
  EXPECT_NE(CheckLabelName(""), "");
  EXPECT_NE(CheckLabelName("2tier"), "");
  EXPECT_NE(CheckLabelName("team.name"), "");
  EXPECT_NE(CheckLabelName("équipe"), "");
  EXPECT_NE(CheckLabelName("__name__"), "");
  EXPECT_NE(CheckLabelName("name"), "");
}

}  // namespace
}  // namespace stx::config
