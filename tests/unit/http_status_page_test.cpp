#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "http/status_page.hpp"
#include "unit/http_fixtures.hpp"

namespace stx::http {
namespace {

using namespace fixtures;

std::size_t Count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1))
    ++n;
  return n;
}

// The <tr> elements of one partner, by its data-domain attribute.
std::vector<std::string> Rows(const std::string& page, const std::string& domain) {
  std::vector<std::string> rows;
  const std::string open = "<tr data-domain=\"" + domain + "\"";
  for (auto at = page.find(open); at != std::string::npos; at = page.find(open, at + 1))
    rows.push_back(page.substr(at, page.find("</tr>", at) - at));
  return rows;
}

TEST(HttpStatusPage, IsOneSelfContainedHtmlDocument) {
  const std::string page = RenderStatusPage(MakeState(), kNow, "1.2.3");
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(page.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(page.find("version 1.2.3"), std::string::npos);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("src="), std::string::npos);  // no external asset
  EXPECT_EQ(page.find("rel=\"stylesheet\""), std::string::npos);
  for (const char* element :
       {"tr", "td", "th", "tbody", "table", "section", "details", "pre", "dl", "p"}) {
    EXPECT_EQ(Count(page, std::string("<") + element + ">") +
                  Count(page, std::string("<") + element + " "),
              Count(page, std::string("</") + element + ">"))
        << element;
  }
}

TEST(HttpStatusPage, OneRowPerAddressWithStableStatusAttributes) {
  const std::string page = RenderStatusPage(MakeState(), kNow, "dev");
  const auto bank = Rows(page, "bank.example");
  ASSERT_EQ(bank.size(), 2u);
  EXPECT_NE(bank[0].find("data-mx=\"mx1.bank.example\" data-address=\"192.0.2.1\""),
            std::string::npos);
  EXPECT_NE(bank[0].find("<td class=\"status\" data-status=\"misordered\"><span class=\"badge "
                         "misordered\">misordered</span>"),
            std::string::npos);
  EXPECT_NE(bank[1].find("data-status=\"compliant\""), std::string::npos);
  EXPECT_NE(bank[0].find("192.0.2.1:25"), std::string::npos);
  EXPECT_NE(bank[0].find("Bank"), std::string::npos);
  EXPECT_NE(bank[0].find("team=payments"), std::string::npos);

  EXPECT_EQ(Rows(page, "shop.example").size(), 1u);
  EXPECT_NE(Rows(page, "shop.example")[0].find("[2001:db8::25]:25"), std::string::npos);
  EXPECT_NE(Rows(page, "legacy.example")[0].find("data-status=\"no_starttls\""), std::string::npos);
  const auto down = Rows(page, "down.example");
  ASSERT_EQ(down.size(), 1u);
  EXPECT_NE(down[0].find("data-status=\"error\""), std::string::npos);
  EXPECT_NE(down[0].find("connect_refused"), std::string::npos);
  // Partner-level rows: DNS failure, null MX, not probed yet.
  ASSERT_EQ(Rows(page, "dnsfail.example").size(), 1u);
  EXPECT_NE(Rows(page, "dnsfail.example")[0].find("data-status=\"error\""), std::string::npos);
  EXPECT_NE(Rows(page, "dnsfail.example")[0].find("dns_nxdomain"), std::string::npos);
  EXPECT_NE(Rows(page, "nomail.example")[0].find("data-status=\"null_mx\""), std::string::npos);
  EXPECT_NE(Rows(page, "fresh.example")[0].find("data-status=\"unknown\""), std::string::npos);
  EXPECT_NE(Rows(page, "fresh.example")[0].find("not probed yet"), std::string::npos);
}

TEST(HttpStatusPage, AnMxHostWithoutAddressIsAnErrorRowWithoutAddress) {
  auto state = MakeState();
  probe::AddressProbeResult unresolved;
  unresolved.mx_host = "mx3.bank.example";
  unresolved.error = probe::ProbeError{probe::Stage::kDns, probe::FailureKind::kNxDomain,
                                       "no address for MX host mx3.bank.example"};
  state.Find("bank.example")->last->results.push_back(unresolved);
  const std::string page = RenderStatusPage(state, kNow, "dev");
  const auto bank = Rows(page, "bank.example");
  ASSERT_EQ(bank.size(), 3u);
  EXPECT_NE(bank[2].find("data-mx=\"mx3.bank.example\" data-address=\"\" data-status=\"error\""),
            std::string::npos);
  EXPECT_NE(bank[2].find("(no address)"), std::string::npos);
  EXPECT_NE(bank[2].find("dns_nxdomain"), std::string::npos);
}

TEST(HttpStatusPage, GroupsPartnersByStatusWorstFirst) {
  const std::string page = RenderStatusPage(MakeState(), kNow, "dev");
  std::size_t previous = 0;
  for (const char* status :
       {"misordered", "no_starttls", "error", "compliant", "null_mx", "unknown"}) {
    const auto at = page.find(std::string("<tbody class=\"group\" id=\"group-") + status);
    ASSERT_NE(at, std::string::npos) << status;
    EXPECT_GT(at, previous) << status;
    previous = at;
  }
  // A partner is listed under its worst address: bank (misordered + compliant) under
  // misordered, with both of its rows.
  const auto misordered = page.find("id=\"group-misordered\"");
  const auto next = page.find("id=\"group-no_starttls\"");
  const auto bank = page.find("<tr data-domain=\"bank.example\"");
  EXPECT_GT(bank, misordered);
  EXPECT_LT(page.rfind("<tr data-domain=\"bank.example\""), next);
  // error holds both the refused connection and the DNS failure, by domain.
  const auto error = page.find("id=\"group-error\"");
  EXPECT_GT(page.find("<tr data-domain=\"dnsfail.example\""), error);
  EXPECT_LT(page.find("<tr data-domain=\"dnsfail.example\""),
            page.find("<tr data-domain=\"down.example\""));
}

TEST(HttpStatusPage, SummaryCountsPartnersPerStatus) {
  const std::string page = RenderStatusPage(MakeState(), kNow, "dev");
  const auto summary = page.substr(page.find("<p class=\"summary\""));
  EXPECT_NE(summary.find("<b>7</b> partners"), std::string::npos);
  EXPECT_NE(summary.find("data-count=\"misordered\">1<"), std::string::npos);
  EXPECT_NE(summary.find("data-count=\"error\">2<"), std::string::npos);
  EXPECT_NE(summary.find("data-count=\"compliant\">1<"), std::string::npos);
  EXPECT_NE(summary.find("data-count=\"unknown\">1<"), std::string::npos);
  EXPECT_NE(summary.find("5 addresses probed: 1 misordered, 1 no_starttls, 1 error, 2 compliant"),
            std::string::npos);
}

TEST(HttpStatusPage, ShowsTlsFactsVerdictsAndLastProbe) {
  auto state = MakeState();
  // shop's certificate expired 3 days ago and does not match the host name.
  auto& shop_tls = *state.Find("shop.example")->last->results[0].tls;
  shop_tls.leaf->not_after = NowUnix() - 3 * kDay;
  shop_tls.hostname_valid = false;
  shop_tls.chain_valid = false;
  shop_tls.verify_error = "certificate has expired";
  const std::string page = RenderStatusPage(state, kNow, "dev");

  const auto bank = Rows(page, "bank.example");
  EXPECT_NE(bank[0].find("TLSv1.3"), std::string::npos);
  EXPECT_NE(bank[0].find("TLS_AES_256_GCM_SHA384"), std::string::npos);
  EXPECT_NE(bank[0].find("in 30 days"), std::string::npos);
  EXPECT_NE(bank[0].find("chain trusted"), std::string::npos);
  EXPECT_NE(bank[0].find("name matches"), std::string::npos);
  EXPECT_NE(bank[0].find("42 s ago"), std::string::npos);
  // Strict senders get clear text from the misordered MX, lenient ones TLS: worst first.
  EXPECT_NE(bank[0].find("data-sender=\"strict\" data-outcome=\"clear\""), std::string::npos);
  EXPECT_NE(bank[0].find("data-sender=\"lenient\" data-outcome=\"tls\""), std::string::npos);
  EXPECT_LT(bank[0].find("data-sender=\"strict\""), bank[0].find("data-sender=\"lenient\""));
  EXPECT_NE(bank[0].find("1 finding"), std::string::npos);

  const auto shop = Rows(page, "shop.example")[0];
  EXPECT_NE(shop.find("expired 3 days ago"), std::string::npos);
  EXPECT_NE(shop.find("chain NOT trusted"), std::string::npos);
  EXPECT_NE(shop.find("name mismatch"), std::string::npos);
}

TEST(HttpStatusPage, EveryRowLinksToItsTranscriptAndFindings) {
  const std::string page = RenderStatusPage(MakeState(), kNow, "dev");
  const std::regex link("<a href=\"#([^\"]+)\">transcript</a>");
  std::size_t links = 0;
  for (std::sregex_iterator it(page.begin(), page.end(), link), end; it != end; ++it) {
    ++links;
    const std::string id = (*it)[1];
    const auto target = page.find("<section class=\"evidence\" id=\"" + id + "\"");
    ASSERT_NE(target, std::string::npos) << id;
    EXPECT_NE(page.find("<pre>", target), std::string::npos);
  }
  EXPECT_EQ(links, 5u);  // one per probed address

  const auto evidence = page.find("data-domain=\"bank.example\" data-address=\"192.0.2.1\"",
                                  page.find("<section class=\"evidence\""));
  ASSERT_NE(evidence, std::string::npos);
  const auto section = page.substr(evidence, page.find("</section>", evidence) - evidence);
  EXPECT_NE(section.find("<code>starttls-on-greeting-line</code> (ehlo)"), std::string::npos);
  EXPECT_NE(section.find("<span class=\"t-S\">S: 250-STARTTLS</span>"), std::string::npos);
  EXPECT_NE(section.find("<span class=\"t-C\">[tls] C: EHLO probe.example</span>"),
            std::string::npos);
  EXPECT_NE(section.find("Explanation to forward"), std::string::npos);
  EXPECT_NE(section.find("<details class=\"transcript\" open>"), std::string::npos);
}

TEST(HttpStatusPage, EscapesEverythingFromTheNetworkAndTheConfig) {
  auto state = MakeState();
  auto& r = state.Find("legacy.example")->last->results[0];
  r.transcript.push_back({Line::Direction::kServer, false, "<script>alert(1)</script>"});
  r.banner = "220 \"><img src=x onerror=alert(2)>";
  r.mx_host = "mx\"><b>.legacy.example";
  r.findings.push_back({smtp::FindingCode::kNonAscii, "ehlo", "byte <0x00> & more"});
  config::Partner& partner = state.Find("legacy.example")->partner;
  partner.name = "Legacy <Corp> & \"Sons\"";
  partner.labels = {{"owner", "<i>x</i>"}};
  state.reload.last_successful = false;
  state.reload.last_error = "line 3: unknown key '<blink>'";
  const std::string page = RenderStatusPage(state, kNow, "<v>");

  EXPECT_EQ(page.find("<script>"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_NE(page.find("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"), std::string::npos);
  EXPECT_EQ(page.find("<b>.legacy"), std::string::npos);
  EXPECT_NE(page.find("data-mx=\"mx&quot;&gt;&lt;b&gt;.legacy.example\""), std::string::npos);
  EXPECT_NE(page.find("Legacy &lt;Corp&gt; &amp; &quot;Sons&quot;"), std::string::npos);
  EXPECT_EQ(page.find("<i>x</i>"), std::string::npos);
  EXPECT_EQ(page.find("<blink>"), std::string::npos);
  EXPECT_NE(page.find("id=\"reload-error\""), std::string::npos);
  EXPECT_EQ(page.find("<v>"), std::string::npos);
  EXPECT_NE(page.find("byte &lt;0x00&gt; &amp; more"), std::string::npos);
  // The hostile MX name reaches the fragment id only in its escaped "_hh" form.
  EXPECT_EQ(page.find("id=\"t-legacy.example--mx\""), std::string::npos);
  EXPECT_NE(page.find("id=\"t-legacy.example--mx_22_3e_3cb_3e.legacy.example--"),
            std::string::npos);
}

TEST(HttpStatusPage, SaysSoWhenNoPartnerIsConfigured) {
  const std::string page = RenderStatusPage(state::ExporterState{}, kNow, "dev");
  EXPECT_NE(page.find("No partners configured."), std::string::npos);
  EXPECT_NE(page.find("<b>0</b> partners"), std::string::npos);
  EXPECT_EQ(page.find("<tr data-domain"), std::string::npos);
}

TEST(HttpStatusPage, MarksAPartnerBeingProbed) {
  auto state = MakeState();
  state.Find("fresh.example")->probe_in_flight = true;
  const std::string page = RenderStatusPage(state, kNow, "dev");
  EXPECT_NE(Rows(page, "fresh.example")[0].find("probing now"), std::string::npos);
}

// The stream's pieces of at most about `budget` bytes, joined; `between(i)` runs after piece i.
std::string Streamed(const state::ExporterState& state, std::size_t budget,
                     const std::function<void(int)>& between = nullptr) {
  StatusPageStream stream(state, kNow, "dev");
  std::string out;
  int n = 0;
  for (bool more = true; more; ++n) {
    std::string piece;
    more = stream.Next(piece, budget);
    out += piece;
    if (more && between) between(n);
  }
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

TEST(HttpStatusPage, StreamedPageIsTheWholePageInPiecesOfAnySize) {
  auto state = MakeState();
  state.reload.last_successful = false;
  state.reload.last_error = "line 3: unknown key";
  const std::string whole = RenderStatusPage(state, kNow, "dev");
  for (const std::size_t budget : {std::size_t{1}, std::size_t{2000}, std::size_t{1} << 30})
    EXPECT_EQ(Streamed(state, budget), whole) << "budget " << budget;
  EXPECT_EQ(Streamed(state::ExporterState{}, 1),
            RenderStatusPage(state::ExporterState{}, kNow, "dev"));
}

TEST(HttpStatusPage, StreamListsEachPartnerOnceInOneGroupWhileTheStateChanges) {
  auto state = MakeState();
  // Pieces of one partner: the first holds the summary and bank.example's rows (misordered).
  const std::string page = Streamed(state, 1, [&](int piece) {
    if (piece != 0) return;
    // bank, already written under misordered, turns compliant (a group not written yet);
    // shop, not written yet, turns misordered (a group already written); a reload drops
    // legacy (not written yet) and adds a partner.
    state.RecordResult("bank.example",
                       Target("bank.example", {Compliant("mx1.bank.example", "192.0.2.1")}));
    state.RecordResult("shop.example",
                       Target("shop.example", {Misordered("mx.shop.example", "2001:db8::25")}));
    state.ApplyConfig(ConfigOf(state, {"legacy.example"}, {"aaa.example"}));
  });
  EXPECT_EQ(page.substr(page.size() - 8), "</html>\n");
  for (const char* element :
       {"tr", "td", "th", "tbody", "table", "section", "details", "pre", "dl", "p"}) {
    EXPECT_EQ(Count(page, std::string("<") + element + ">") +
                  Count(page, std::string("<") + element + " "),
              Count(page, std::string("</") + element + ">"))
        << element;
  }
  // Each partner in the group it was counted in, once: bank's two rows as they were, shop
  // under compliant with its newer row; legacy is gone, aaa was not counted.
  const auto group_of = [&](const std::string& domain) {
    const auto row = page.find("<tr data-domain=\"" + domain + "\"");
    const auto group = page.rfind("<tbody class=\"group\" id=\"group-", row);
    return page.substr(group + 31, page.find('"', group + 31) - group - 31);
  };
  EXPECT_EQ(Rows(page, "bank.example").size(), 2u);
  EXPECT_EQ(group_of("bank.example"), "misordered");
  ASSERT_EQ(Rows(page, "shop.example").size(), 1u);
  EXPECT_EQ(group_of("shop.example"), "compliant");
  EXPECT_NE(Rows(page, "shop.example")[0].find("data-status=\"misordered\""), std::string::npos);
  EXPECT_TRUE(Rows(page, "legacy.example").empty());
  EXPECT_TRUE(Rows(page, "aaa.example").empty());
  // Every evidence section once, every row's link to one of them.
  const std::regex section("<section class=\"evidence\" id=\"([^\"]+)\"");
  std::map<std::string, int> sections;
  for (std::sregex_iterator it(page.begin(), page.end(), section), end; it != end; ++it)
    ++sections[(*it)[1]];
  EXPECT_EQ(sections.size(), 3u);  // bank's newer result (one address), shop, down
  for (const auto& [id, n] : sections) EXPECT_EQ(n, 1) << id;
  EXPECT_NE(page.find("data-count=\"misordered\">1<"), std::string::npos);
}

}  // namespace
}  // namespace stx::http
