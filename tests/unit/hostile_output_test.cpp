// A partner controls its banner, EHLO reply, certificate names and what OpenSSL quotes of
// them. Whatever bytes it sends, every output is valid UTF-8 and none passes a control
// character to a terminal or a browser: the JSON (check --json, /api/v1/targets), the text
// report (check), the status page, /metrics and /probe, and the logs.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>
#include <string>

#include "common/log.hpp"
#include "http/status_page.hpp"
#include "metrics/exporter_metrics.hpp"
#include "report/json_report.hpp"
#include "report/text_report.hpp"
#include "state/exporter_state.hpp"
#include "support/displayable.hpp"
#include "support/hostile_result.hpp"

namespace stx::test {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;

// ANSI: retitle the terminal, clear it, then print a fake verdict on a line of its own; C1 CSI;
// Latin-1 and stray bytes that are not UTF-8; a NUL.
const std::string kEvil = std::string("mx\xE9.evil\xFF\x1B]0;pwned\x07\x1B[2J\r\nCOMPLIANT\n") +
                          "\xC2\x9B"
                          "31m" +
                          std::string(1, '\0') + "X\xE9KEY";

HostileBytes Evil() {
  HostileBytes b;
  for (std::string* field : {&b.mx_host, &b.banner, &b.greeting, &b.keyword, &b.subject, &b.issuer,
                             &b.dns_name, &b.tls_detail, &b.error_detail, &b.finding_detail,
                             &b.transcript, &b.verify_error, &b.cipher}) {
    *field = kEvil;
  }
  b.ehlo_lines = "250-STARTTLS\n250-" + kEvil + "\n250 8BITMIME\n";
  return b;
}

class HostileOutput : public ::testing::TestWithParam<unsigned> {};

TEST_P(HostileOutput, JsonIsValidUtf8) {
  const auto json = report::ToJson(HostileResult(Evil(), GetParam()), kNow);
  const std::string text = report::Serialize(json, 2);
  EXPECT_EQ(Undisplayable(text, "\n"), "");
  EXPECT_TRUE(nlohmann::json::accept(text));
}

TEST_P(HostileOutput, TextReportPrintsNoControlCharacterAndNoFakeLine) {
  const std::string text = report::ToText(HostileResult(Evil(), GetParam()), kNow);
  EXPECT_EQ(Undisplayable(text, "\n"), "");
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_NE(line.rfind("COMPLIANT", 0), 0u) << line;  // a line of the partner's own
  }
}

TEST_P(HostileOutput, StatusPageIsValidUtf8WithoutControls) {
  config::ExporterConfig config;
  config::Partner partner;
  partner.domain = partner.name = "partner.test";
  config.partners.push_back(partner);
  state::ExporterState state;
  state.ApplyConfig(config);
  state.RecordResult("partner.test", HostileResult(Evil(), GetParam()));
  const std::string page = http::RenderStatusPage(
      state, std::chrono::system_clock::time_point(std::chrono::seconds(kNow)), "test");
  EXPECT_EQ(Undisplayable(page, "\n\t"), "");
}

TEST_P(HostileOutput, MetricsAreValidUtf8) {
  config::Partner partner;
  partner.domain = partner.name = "partner.test";
  const std::string text =
      metrics::RenderProbeExposition(partner, HostileResult(Evil(), GetParam()));
  EXPECT_EQ(Undisplayable(text, "\n"), "");
}

// Every combination of class, TLS outcome, facts and errors (HostileResult's variant bits).
INSTANTIATE_TEST_SUITE_P(Variants, HostileOutput, ::testing::Range(0u, 2048u, 37u));

TEST(HostileOutput, LogValuesAreOneLineOfValidUtf8) {
  EXPECT_EQ(Undisplayable(log::LogfmtValue(kEvil), ""), "");
  EXPECT_EQ(log::LogfmtValue("\xC2\x9B"), "\"\\u009b\"");
  EXPECT_EQ(log::LogfmtValue("mx\xE9"), "\"mx\\ufffd\"");
  EXPECT_EQ(log::LogfmtValue("b\xC3\xBC"
                             "cher"),
            "b\xC3\xBC"
            "cher");  // valid UTF-8 stays
}

}  // namespace
}  // namespace stx::test
