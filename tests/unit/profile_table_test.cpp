// Adding a sender profile is one row of the table (smtp/client_profile.hpp): this test adds a
// throwaway third row and shows that classification, the JSON, the text report, the metrics
// and the status page all carry it once the configuration names it among its senders, with
// no other change.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <string>

#include <boost/asio/ip/address.hpp>

#include "http/status_page.hpp"
#include "metrics/exporter_metrics.hpp"
#include "report/json_report.hpp"
#include "report/text_report.hpp"
#include "smtp/client_profile.hpp"
#include "smtp/ehlo_classifier.hpp"
#include "smtp/reply_reader.hpp"
#include "state/exporter_state.hpp"

namespace stx {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;

// A sender that matches "STARTTLS" in capitals only (as some do): a server that writes the
// keyword in lower case, compliant by RFC 5321 §2.4, gets no TLS from it.
const smtp::ClientProfile kCapitals{
    "capitals", "capitals-only client", "a throwaway sender", "STARTTLS in capitals only",
    smtp::EhloRule{smtp::EhloLines::kAfterGreeting, smtp::KeywordCase::kSensitive,
                   smtp::KeywordEnd::kWord}};

// What the probe stores for a server whose EHLO reply announces "starttls" in lower case and
// whose TLS upgrade worked.
probe::TargetProbeResult LowerCaseStarttls() {
  smtp::ReplyReader reader;
  reader.Feed("250-mx.partner.test\r\n250-starttls\r\n250 SIZE 1000\r\n");
  const smtp::EhloAnalysis analysis = smtp::ClassifyEhlo(reader.TakeReply());
  probe::AddressProbeResult r;
  r.mx_host = "mx.partner.test";
  r.address = boost::asio::ip::make_address("192.0.2.7");
  r.ehlo_class = analysis.ehlo_class;
  r.ehlo = probe::EhloSummary(analysis);
  r.tls_outcome = probe::TlsOutcome::kEstablished;
  r.tls = tls::TlsFacts{};
  r.tls->version = "TLSv1.3";
  r.tls->cipher = "TLS_AES_256_GCM_SHA384";
  probe::TargetProbeResult target;
  target.target = target.domain = "partner.test";
  target.results.push_back(r);
  return target;
}

class ThirdProfile : public ::testing::Test {
 protected:
  const std::array<smtp::ClientProfile, 3> table_{smtp::ClientProfiles()[0],
                                                  smtp::ClientProfiles()[1], kCapitals};
  const smtp::ScopedClientProfiles scoped_{table_};
  // senders = ["strict", "lenient", "capitals"]
  const smtp::ProfileSet ours_{0b111};

  config::Partner Partner() const {
    config::Partner partner;
    partner.domain = partner.name = "partner.test";
    partner.senders = ours_;
    return partner;
  }
};

TEST_F(ThirdProfile, JsonCarriesItsViewAndVerdict) {
  const auto json = report::ToJson(LowerCaseStarttls(), kNow, ours_);
  const auto& address = json["results"][0];
  EXPECT_EQ(address["ehlo_class"], "compliant");
  EXPECT_EQ(address["ehlo"]["capitals_sees_starttls"], false);
  EXPECT_EQ(address["ehlo"]["strict_sees_starttls"], true);
  EXPECT_EQ(address["client_profiles"]["capitals"]["gets_tls"], false);
  EXPECT_EQ(address["client_profiles"]["capitals"]["verdict"],
            "sends in clear text: STARTTLS not seen");
  EXPECT_EQ(address["status"], "misordered") << "capitals does not read it: in clear";
  EXPECT_EQ(json["status"], "misordered");
  EXPECT_EQ(json["our_senders"], (nlohmann::json{"strict", "lenient", "capitals"}));
  EXPECT_EQ(address["client_profiles"]["strict"]["gets_tls"], true);
  bool listed = false;
  for (const auto& item : address["evidence"]) listed = listed || item["key"] == "client.capitals";
  EXPECT_TRUE(listed);
}

TEST_F(ThirdProfile, TextReportAlignsItWithTheOthers) {
  const std::string text = report::ToText(LowerCaseStarttls(), kNow, ours_);
  EXPECT_NE(text.find("  strict client        (Postfix, Cisco ESA, Go, Python): uses TLS"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  capitals-only client (a throwaway sender):             sends in clear"),
            std::string::npos)
      << text;
  // The real senders of the table, grouped by outcome, worst first.
  EXPECT_NE(text.find("  real senders: clear: capitals*\n"), std::string::npos) << text;
}

TEST_F(ThirdProfile, MetricsHaveASeriesForIt) {
  const std::string text = metrics::RenderProbeExposition(Partner(), LowerCaseStarttls());
  EXPECT_NE(text.find(R"(starttls_client_tls{address="192.0.2.7",domain="partner.test",)"
                      R"(mx="mx.partner.test",profile="capitals"} 0)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(profile="strict"} 1)"), std::string::npos);
  EXPECT_NE(text.find(R"(starttls_domain_client_tls{domain="partner.test",profile="capitals"} 0)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(starttls_sender_outcome{domain="partner.test",outcome="clear",)"
                      R"(sender="capitals"} 1)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(starttls_sender_outcome{domain="partner.test",outcome="tls",)"
                      R"(sender="strict"} 1)"),
            std::string::npos);
}

TEST_F(ThirdProfile, StatusPageListsItAndHasAnEvidenceLine) {
  config::ExporterConfig config;
  config.partners.push_back(Partner());
  state::ExporterState state;
  state.ApplyConfig(config);
  state.RecordResult("partner.test", LowerCaseStarttls());
  const std::string page = http::RenderStatusPage(
      state, std::chrono::system_clock::time_point(std::chrono::seconds(kNow)), "test");
  EXPECT_NE(page.find("data-sender=\"capitals\" data-outcome=\"clear\""), std::string::npos);
  EXPECT_NE(page.find("data-sender=\"strict\" data-outcome=\"tls\""), std::string::npos);
  // Worst first: the clear line before the TLS line.
  EXPECT_LT(page.find("data-sender=\"capitals\""), page.find("data-sender=\"strict\""));
  EXPECT_NE(page.find("<dt>capitals-only client</dt>"), std::string::npos);
  EXPECT_NE(page.find("data-status=\"misordered\""), std::string::npos) << "as bad as capitals";
}

// The JSON's `senders` object carries every row of the table, reported or not.
TEST_F(ThirdProfile, JsonSendersCarryItsOutcome) {
  const auto json = report::ToJson(LowerCaseStarttls(), kNow);
  const auto& senders = json["results"][0]["senders"];
  ASSERT_EQ(senders.size(), 3u);
  EXPECT_EQ(senders["capitals"],
            (nlohmann::json{{"starttls", false},
                            {"tls", false},
                            {"outcome", "clear"},
                            {"reason", "STARTTLS not seen"},
                            {"policy", nullptr},
                            {"verified", false}}));
  EXPECT_EQ(senders["strict"]["outcome"], "tls");
  EXPECT_EQ(senders["strict"]["reason"], "TLSv1.3");
}

// A row that is not among our senders is in the JSON's `senders` and in the real senders'
// matrix only: no series, no evidence line of its own, and it does not decide the status.
class NotOurSender : public ::testing::Test {
 protected:
  const std::array<smtp::ClientProfile, 3> table_{smtp::ClientProfiles()[0],
                                                  smtp::ClientProfiles()[1], kCapitals};
  const smtp::ScopedClientProfiles scoped_{table_};
};

TEST_F(NotOurSender, IsInTheJsonSendersOnly) {
  const auto json = report::ToJson(LowerCaseStarttls(), kNow, smtp::DefaultSenders());
  EXPECT_EQ(json["status"], "compliant") << "strict and lenient both get TLS";
  const auto& address = json["results"][0];
  EXPECT_TRUE(address["senders"].contains("capitals"));
  EXPECT_FALSE(address["client_profiles"].contains("capitals"));
  EXPECT_FALSE(address["ehlo"].contains("capitals_sees_starttls"));
  for (const auto& item : address["evidence"]) EXPECT_NE(item["key"], "client.capitals");

  config::Partner partner;
  partner.domain = partner.name = "partner.test";
  const std::string text = metrics::RenderProbeExposition(partner, LowerCaseStarttls());
  EXPECT_EQ(text.find("capitals"), std::string::npos) << text;
  EXPECT_EQ(report::ToText(LowerCaseStarttls(), kNow).find("capitals-only"), std::string::npos);
}

// The second handshake, made as a mainstream sender, is in the JSON beside the first, and the
// real senders' outcomes follow it (the readings keep the first).
TEST(SecondHandshake, IsInTheJsonAndDecidesTheRealSenders) {
  probe::TargetProbeResult target = LowerCaseStarttls();
  probe::AddressProbeResult& r = target.results[0];
  r.tls->cipher = "AECDH-AES256-SHA";
  auto second = std::make_shared<probe::MainstreamHandshake>();
  second->why = "the server chose AECDH-AES256-SHA, which no mainstream sender offers";
  second->outcome = probe::TlsOutcome::kHandshakeFailed;
  second->detail = "sslv3 alert handshake failure";
  r.mainstream = second;
  const auto json = report::ToJson(target, kNow);
  const auto& address = json["results"][0];
  EXPECT_EQ(address["tls"]["mainstream"]["why"], second->why);
  EXPECT_EQ(address["tls"]["mainstream"]["outcome"], "handshake_failed");
  EXPECT_EQ(address["tls"]["mainstream"]["detail"], "sslv3 alert handshake failure");
  EXPECT_EQ(address["senders"]["python"]["outcome"], "deferred");
  EXPECT_EQ(address["senders"]["postfix"]["tls"], false);
  EXPECT_EQ(address["senders"]["lenient"]["outcome"], "tls");
}

}  // namespace
}  // namespace stx
