#include <gtest/gtest.h>

#include "http/targets_api.hpp"
#include "unit/http_fixtures.hpp"

namespace stx::http {
namespace {

using namespace fixtures;
using nlohmann::json;

const json& PartnerNamed(const json& api, const std::string& domain) {
  for (const auto& p : api.at("partners")) {
    if (p.at("domain") == domain) return p;
  }
  throw std::runtime_error("no partner " + domain);
}

TEST(HttpTargetsApi, ListsEveryPartnerWithItsFields) {
  const json api = RenderTargets(MakeState(), kNow);
  ASSERT_EQ(api.at("partners").size(), 7u);
  EXPECT_EQ(api.at("partners")[0].at("domain"), "bank.example");  // by domain
  const json& bank = PartnerNamed(api, "bank.example");
  EXPECT_EQ(bank.at("name"), "Bank");
  EXPECT_EQ(bank.at("labels"), json({{"team", "payments"}, {"tier", "1"}}));
  EXPECT_EQ(bank.at("interval_seconds"), 300.0);
  EXPECT_EQ(bank.at("status"), "misordered");
  EXPECT_EQ(bank.at("probes_total"), json({{"success", 1}, {"error", 0}}));
  EXPECT_EQ(bank.at("last_completed"), "2026-09-21T14:12:38Z");
  EXPECT_EQ(bank.at("probe_in_flight"), false);
  EXPECT_EQ(api.at("generated_at"), "2026-09-21T14:13:20Z");
}

TEST(HttpTargetsApi, StatusIsTheWorstClassNullMxOrUnknown) {
  const json api = RenderTargets(MakeState(), kNow);
  EXPECT_EQ(PartnerNamed(api, "shop.example").at("status"), "compliant");
  EXPECT_EQ(PartnerNamed(api, "legacy.example").at("status"), "no_starttls");
  EXPECT_EQ(PartnerNamed(api, "down.example").at("status"), "error");
  EXPECT_EQ(PartnerNamed(api, "dnsfail.example").at("status"), "error");
  EXPECT_EQ(PartnerNamed(api, "nomail.example").at("status"), "null_mx");
  const json& fresh = PartnerNamed(api, "fresh.example");
  EXPECT_EQ(fresh.at("status"), "unknown");
  EXPECT_TRUE(fresh.at("last_probe").is_null());
  EXPECT_TRUE(fresh.at("last_completed").is_null());
  EXPECT_EQ(PartnerNamed(api, "down.example").at("probes_total"),
            json({{"success", 0}, {"error", 1}}));
}

TEST(HttpTargetsApi, LastProbeIsTheCheckJsonWithTranscripts) {
  const json api = RenderTargets(MakeState(), kNow);
  const json& last = PartnerNamed(api, "bank.example").at("last_probe");
  ASSERT_EQ(last.at("results").size(), 2u);
  const json& mx1 = last.at("results")[0];
  EXPECT_EQ(mx1.at("ehlo_class"), "misordered");
  EXPECT_EQ(mx1.at("address"), "192.0.2.1");
  EXPECT_EQ(mx1.at("findings")[0].at("code"), "starttls-on-greeting-line");
  ASSERT_GE(mx1.at("transcript").size(), 4u);
  EXPECT_EQ(mx1.at("transcript")[3],
            json({{"dir", "S"}, {"tls", false}, {"text", "250-STARTTLS"}}));
  EXPECT_EQ(last.at("summary").at("misordered"), 1);
  EXPECT_EQ(PartnerNamed(api, "dnsfail.example").at("last_probe").at("error").at("reason"),
            "dns_nxdomain");
}

TEST(HttpTargetsApi, ReportsReloadStatusAndStatusChanges) {
  auto state = MakeState();
  state.RecordResult("shop.example",
                     Target("shop.example", {Misordered("mx.shop.example", "2001:db8::25")}));
  state.reload.last_successful = false;
  state.reload.last_error = "partners.toml:3:1: unknown key 'domian'";
  const json api = RenderTargets(state, kNow);
  EXPECT_EQ(api.at("reload").at("last_successful"), false);
  EXPECT_EQ(api.at("reload").at("last_error"), "partners.toml:3:1: unknown key 'domian'");
  EXPECT_EQ(api.at("reload").at("last_success_unix"), NowUnix() - 3600);
  const json& changes = PartnerNamed(api, "shop.example").at("status_changes");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0], json({{"mx", "mx.shop.example"},
                              {"address", "2001:db8::25"},
                              {"from", "compliant"},
                              {"to", "misordered"},
                              {"count", 1}}));
}

TEST(HttpTargetsApi, SerializesHostileBytes) {
  auto state = MakeState();
  state.Find("shop.example")->last->results[0].tls->leaf->subject = "CN=\xff\xfe";
  const json api = RenderTargets(state, kNow);
  const std::string text = api.dump(-1, ' ', false, json::error_handler_t::replace);
  EXPECT_NE(text.find("CN=\xEF\xBF\xBD"), std::string::npos);  // U+FFFD
}

}  // namespace
}  // namespace stx::http
