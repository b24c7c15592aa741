#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "http/targets_api.hpp"
#include "report/json_report.hpp"
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
  const std::string text = report::Serialize(api);
  EXPECT_NE(text.find(R"(CN=\ufffd\ufffd)"), std::string::npos);  // U+FFFD, written in ASCII
  EXPECT_EQ(text.find_first_of("\x80\xff"), std::string::npos);
}

std::string Whole(const state::ExporterState& state) {
  return report::Serialize(RenderTargets(state, kNow));
}

// The stream's pieces of at most about `budget` bytes, joined; `between(i)` runs after piece i.
std::string Streamed(const state::ExporterState& state, std::size_t budget,
                     const std::function<void(int)>& between = nullptr, int* pieces = nullptr) {
  TargetsStream stream(state, kNow);
  std::string out;
  int n = 0;
  for (bool more = true; more; ++n) {
    std::string piece;
    more = stream.Next(piece, budget);
    out += piece;
    if (more && between) between(n);
  }
  if (pieces != nullptr) *pieces = n;
  return out;
}

// The configuration of `state`'s partners without `drop`, with `add`.
config::ExporterConfig ConfigOf(const state::ExporterState& state,
                                const std::set<std::string>& drop,
                                const std::vector<std::string>& add) {
  config::ExporterConfig config;
  for (const auto& [domain, p] : state.partners()) {
    if (drop.count(domain) == 0) config.partners.push_back(p.partner);
  }
  for (const auto& domain : add) config.partners.push_back(Partner(domain));
  return config;
}

std::vector<std::string> Domains(const json& api) {
  std::vector<std::string> domains;
  for (const auto& p : api.at("partners")) domains.push_back(p.at("domain"));
  return domains;
}

TEST(HttpTargetsApi, StreamedDocumentIsTheWholeDocumentInPiecesOfAnySize) {
  auto state = MakeState();
  state.reload.last_successful = false;
  state.reload.last_error = "x \"partners\":[] y";  // the key's text inside a string
  state.Find("shop.example")->last->results[0].tls->leaf->subject = "CN=\xff\xfe";
  state.probes_in_flight = 3;
  const std::string whole = Whole(state);
  for (const std::size_t budget : {std::size_t{1}, std::size_t{700}, std::size_t{1} << 30}) {
    int pieces = 0;
    EXPECT_EQ(Streamed(state, budget, nullptr, &pieces), whole) << "budget " << budget;
    if (budget == 1) {
      EXPECT_EQ(pieces, 8);  // the head and a partner, one partner per piece, then the tail
    }
  }
  EXPECT_EQ(Streamed(state::ExporterState{}, 1), Whole(state::ExporterState{}));
}

TEST(HttpTargetsApi, StreamStaysValidAndListsEachPartnerOnceWhileTheStateChanges) {
  auto state = MakeState();
  // Pieces of one partner: the first ends after bank.example.
  const std::string text = Streamed(state, 1, [&](int piece) {
    if (piece != 0) return;
    // A reload drops a partner not written yet and adds one on either side of the resume
    // point; a partner already written and one not written yet are probed again.
    state.ApplyConfig(ConfigOf(state, {"legacy.example"}, {"aaa.example", "zzz.example"}));
    state.RecordResult("bank.example",
                       Target("bank.example", {Compliant("mx1.bank.example", "192.0.2.1")}));
    state.RecordResult("down.example",
                       Target("down.example", {Compliant("mx.down.example", "192.0.2.4")}));
  });
  const json api = json::parse(text);
  EXPECT_EQ(Domains(api), (std::vector<std::string>{
                              "bank.example", "dnsfail.example", "down.example", "fresh.example",
                              "nomail.example", "shop.example", "zzz.example"}));
  EXPECT_EQ(PartnerNamed(api, "bank.example").at("status"), "misordered");  // as written
  EXPECT_EQ(PartnerNamed(api, "down.example").at("status"), "compliant");   // written after
  EXPECT_EQ(PartnerNamed(api, "zzz.example").at("status"), "unknown");
}

}  // namespace
}  // namespace stx::http
