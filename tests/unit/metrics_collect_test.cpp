// The metrics contract, asserted on the rendered text a scraper sees. The state is built by
// hand: one partner per situation the alerts and dashboards have to tell apart.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "config/config_values.hpp"
#include "metrics/exporter_metrics.hpp"
#include "support/sender_profiles.hpp"

namespace stx::metrics {
namespace {

using namespace std::chrono_literals;
using probe::AddressProbeResult;
using probe::Stage;
using probe::TlsOutcome;
using smtp::EhloClass;
using Clock = std::chrono::system_clock;

const Clock::time_point kStarted = Clock::time_point(1700000000s);
const Clock::time_point kCompleted = Clock::time_point(1700000100s);
const Clock::time_point kNow = Clock::time_point(1700000200s);

AddressProbeResult Address(const std::string& mx, std::uint16_t preference, const char* ip,
                           EhloClass ehlo_class) {
  AddressProbeResult r;
  r.mx_host = mx;
  r.mx_preference = preference;
  r.address = boost::asio::ip::make_address(ip);
  r.started_at = kStarted;
  r.duration_seconds = 0.5;
  r.stage_durations = {{Stage::kConnect, 0.125}, {Stage::kBanner, 0.25}, {Stage::kEhlo, 0.0625}};
  r.ehlo_class = ehlo_class;
  r.ehlo.ehlo_class = ehlo_class;
  test::SetSees(r, "strict", ehlo_class == EhloClass::kCompliant);
  test::SetSees(r, "lenient",
                ehlo_class == EhloClass::kCompliant || ehlo_class == EhloClass::kMisordered);
  return r;
}

tls::TlsFacts Facts(const std::string& host, bool valid) {
  tls::TlsFacts facts;
  facts.version = "TLSv1.3";
  facts.cipher = "TLS_AES_256_GCM_SHA384";
  facts.leaf = tls::CertificateInfo{};
  facts.leaf->not_after = valid ? 1800000000 : 1690000000;
  facts.chain_length = 2;
  facts.chain_earliest_not_after = valid ? 1790000000 : 1690000000;
  facts.chain_valid = valid;
  facts.hostname_valid = valid;
  facts.expected_host = host;
  return facts;
}

void Establish(AddressProbeResult& r, tls::TlsFacts facts) {
  r.tls_outcome = TlsOutcome::kEstablished;
  r.tls = std::move(facts);
  r.stage_durations.push_back({Stage::kStarttls, 0.001});
  r.stage_durations.push_back({Stage::kTlsHandshake, 0.002});
}

probe::TargetProbeResult PartnerResult() {
  probe::TargetProbeResult result;
  result.domain = "partner.test";
  result.routing = dns::MailRouting{};
  result.routing->kind = dns::RoutingKind::kMx;
  result.routing->mx_status = dns::LookupStatus::kOk;
  result.routing->mx_dnssec = dns::DnssecStatus::kSecure;
  result.routing->exchangers = {{"mx1.partner.test", 10, {}, {}, {}},
                                {"mx2.partner.test", 20, {}, {}, {}},
                                {"mx3.partner.test", 30, {}, {}, {}}};
  // Deliberately not in output order: the output must not depend on which probe ended first.
  auto refused = Address("mx2.partner.test", 20, "127.0.0.3", EhloClass::kError);
  refused.error = probe::ProbeError{Stage::kConnect, probe::FailureKind::kRefused, "refused"};
  refused.stage_durations = {{Stage::kConnect, 0.001}};
  result.results.push_back(refused);

  auto misordered = Address("mx1.partner.test", 10, "127.0.0.2", EhloClass::kMisordered);
  Establish(misordered, Facts("mx1.partner.test", true));
  misordered.findings = {{smtp::FindingCode::kStarttlsOnGreetingLine, "ehlo", ""},
                         {smtp::FindingCode::kBareLf, "banner", ""},
                         {smtp::FindingCode::kBareLf, "ehlo", ""}};
  result.results.push_back(misordered);

  auto compliant = Address("mx1.partner.test", 10, "127.0.0.1", EhloClass::kCompliant);
  Establish(compliant, Facts("mx1.partner.test", true));
  result.results.push_back(compliant);

  result.results.push_back(Address("mx3.partner.test", 30, "127.0.0.4", EhloClass::kNoStarttls));
  return result;
}

probe::TargetProbeResult BadCertResult() {
  probe::TargetProbeResult result;
  result.domain = "badcert.test";
  result.routing = dns::MailRouting{};
  result.routing->kind = dns::RoutingKind::kImplicit;
  result.routing->mx_status = dns::LookupStatus::kNoData;
  result.routing->exchangers = {{"badcert.test", 0, {}, {}, {}}};
  auto expired = Address("badcert.test", 0, "127.0.0.5", EhloClass::kCompliant);
  Establish(expired, Facts("badcert.test", false));
  result.results.push_back(expired);
  // A handshake that failed before any certificate: only handshake_success says so.
  auto failed = Address("badcert.test", 0, "::1", EhloClass::kCompliant);
  failed.tls_outcome = TlsOutcome::kHandshakeFailed;
  failed.tls = tls::TlsFacts{};
  result.results.push_back(failed);
  return result;
}

probe::TargetProbeResult DnsFailureResult() {
  probe::TargetProbeResult result;
  result.domain = "dnsfail.test";
  result.routing = dns::MailRouting{};
  result.routing->kind = dns::RoutingKind::kFailed;
  result.routing->mx_status = dns::LookupStatus::kNxDomain;
  result.error = probe::ProbeError{Stage::kDns, probe::FailureKind::kNxDomain, "no such domain"};
  return result;
}

probe::TargetProbeResult NullMxResult() {
  probe::TargetProbeResult result;
  result.domain = "nullmx.test";
  result.routing = dns::MailRouting{};
  result.routing->kind = dns::RoutingKind::kNullMx;
  result.routing->mx_status = dns::LookupStatus::kOk;
  return result;
}

config::Partner MakePartner(const std::string& domain) {
  config::Partner partner;
  partner.domain = domain;
  partner.name = domain;
  return partner;
}

state::ExporterState MakeState() {
  config::ExporterConfig config;
  for (const char* domain :
       {"partner.test", "badcert.test", "dnsfail.test", "nullmx.test", "pending.test"}) {
    config.partners.push_back(MakePartner(domain));
  }
  config.partners[0].name = "Partner \"One\" \\ Co";
  config.partners[0].labels = {{"team", "mail"}, {"tier", "1"}, {"domain", "hijack"}};
  state::ExporterState state;
  state.ApplyConfig(config);
  state.reload.last_successful = false;
  state.reload.last_success_unix = 1699999000;
  state.probes_in_flight = 3;

  const auto set = [&](const char* domain, probe::TargetProbeResult result) {
    state::PartnerState* partner = state.Find(domain);
    partner->last = std::move(result);
    partner->last_completed = kCompleted;
    partner->probes_success = 5;
    partner->probes_error = 2;
  };
  set("partner.test", PartnerResult());
  set("badcert.test", BadCertResult());
  set("dnsfail.test", DnsFailureResult());
  set("nullmx.test", NullMxResult());
  state.Find("partner.test")
      ->status_changes[{{"mx1.partner.test", "127.0.0.2"}, "compliant", "misordered"}] = 1;
  return state;
}

std::string Render() { return RenderExposition(MakeState(), BuildInfo{"0.1.0", "abc123"}, kNow); }

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool HasLine(const std::string& text, const std::string& line) {
  const auto lines = Lines(text);
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

// The samples (not comments) whose series starts with `prefix`, e.g. a name plus "{".
std::vector<std::string> Samples(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& line : Lines(text)) {
    if (line.rfind(prefix, 0) == 0) out.push_back(line);
  }
  return out;
}

bool Mentions(const std::string& text, const std::string& domain) {
  return text.find("domain=\"" + domain + "\"") != std::string::npos;
}

// One sample per line: metric{labels} value. Labels are cut out with their quoting respected.
struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

Sample ParseSample(const std::string& line) {
  Sample s;
  std::size_t i = line.find_first_of("{ ");
  s.name = line.substr(0, i);
  if (line[i] == '{') {
    ++i;
    while (line[i] != '}') {
      const auto eq = line.find('=', i);
      const std::string key = line.substr(i, eq - i);
      std::string value;
      for (i = eq + 2; line[i] != '"'; ++i) {
        if (line[i] == '\\') ++i;
        value += line[i];
      }
      s.labels[key] = value;
      i += line[i + 1] == ',' ? 2u : 1u;
    }
    ++i;
  }
  s.value = std::stod(line.substr(i + 1));
  return s;
}

TEST(MetricsCollect, AddressLinesAreExact) {
  const std::string text = Render();
  for (
      const char* line : {
          R"(starttls_ehlo_status{address="127.0.0.2",domain="partner.test",mx="mx1.partner.test",status="misordered"} 1)",
          R"(starttls_ehlo_status{address="127.0.0.2",domain="partner.test",mx="mx1.partner.test",status="compliant"} 0)",
          R"(starttls_ehlo_status{address="127.0.0.1",domain="partner.test",mx="mx1.partner.test",status="compliant"} 1)",
          R"(starttls_ehlo_status{address="127.0.0.4",domain="partner.test",mx="mx3.partner.test",status="no_starttls"} 1)",
          R"(starttls_probe_success{address="127.0.0.3",domain="partner.test",mx="mx2.partner.test"} 0)",
          R"(starttls_probe_success{address="127.0.0.2",domain="partner.test",mx="mx1.partner.test"} 1)",
          R"(starttls_probe_failure_info{address="127.0.0.3",domain="partner.test",mx="mx2.partner.test",reason="connect_refused"} 1)",
          R"(starttls_probe_duration_seconds{address="127.0.0.1",domain="partner.test",mx="mx1.partner.test",phase="banner"} 0.25)",
          R"(starttls_probe_duration_seconds{address="127.0.0.1",domain="partner.test",mx="mx1.partner.test",phase="tls_handshake"} 0.002)",
          R"(starttls_probe_duration_seconds{address="127.0.0.1",domain="partner.test",mx="mx1.partner.test",phase="total"} 0.5)",
          R"(starttls_last_probe_timestamp_seconds{address="127.0.0.1",domain="partner.test",mx="mx1.partner.test"} 1700000000.5)",
          R"(starttls_client_tls{address="127.0.0.2",domain="partner.test",mx="mx1.partner.test",profile="strict"} 0)",
          R"(starttls_client_tls{address="127.0.0.2",domain="partner.test",mx="mx1.partner.test",profile="lenient"} 1)",
          R"(starttls_client_tls{address="127.0.0.1",domain="partner.test",mx="mx1.partner.test",profile="strict"} 1)",
          R"(starttls_tls_outcome{address="127.0.0.4",domain="partner.test",mx="mx3.partner.test",outcome="not_attempted"} 1)",
          R"(starttls_tls_outcome{address="127.0.0.2",domain="partner.test",mx="mx1.partner.test",outcome="established"} 1)",
          R"(starttls_tls_handshake_success{address="127.0.0.1",domain="partner.test",mx="mx1.partner.test"} 1)",
          R"(starttls_tls_info{address="127.0.0.1",cipher="TLS_AES_256_GCM_SHA384",domain="partner.test",mx="mx1.partner.test",version="TLSv1.3"} 1)",
          R"(starttls_tls_cert_not_after_timestamp_seconds{address="127.0.0.1",domain="partner.test",mx="mx1.partner.test"} 1800000000)",
          R"(starttls_tls_cert_chain_earliest_not_after_timestamp_seconds{address="127.0.0.1",domain="partner.test",mx="mx1.partner.test"} 1790000000)",
          R"(starttls_tls_cert_chain_valid{address="127.0.0.1",domain="partner.test",mx="mx1.partner.test"} 1)",
          R"(starttls_tls_cert_hostname_valid{address="127.0.0.1",domain="partner.test",mx="mx1.partner.test"} 1)",
          R"(starttls_finding_info{address="127.0.0.2",code="starttls-on-greeting-line",domain="partner.test",mx="mx1.partner.test"} 1)",
      }) {
    EXPECT_TRUE(HasLine(text, line)) << line << "\n---\n" << text;
  }
}

TEST(MetricsCollect, DomainAndCounterLinesAreExact) {
  const std::string text = Render();
  for (
      const char* line : {
          R"(starttls_probes_total{domain="partner.test",result="success"} 5)",
          R"(starttls_probes_total{domain="partner.test",result="error"} 2)",
          R"(starttls_probes_total{domain="pending.test",result="success"} 0)",
          R"(starttls_probes_total{domain="pending.test",result="error"} 0)",
          R"(starttls_status_changes_total{address="127.0.0.2",domain="partner.test",from="compliant",mx="mx1.partner.test",to="misordered"} 1)",
          R"(starttls_partner_info{domain="partner.test",name="Partner \"One\" \\ Co",team="mail",tier="1"} 1)",
          R"(starttls_partner_info{domain="pending.test",name="pending.test"} 1)",
          R"(starttls_mx_hosts{domain="partner.test"} 3)",
          R"(starttls_mx_hosts{domain="badcert.test"} 1)",
          R"(starttls_mx_hosts{domain="nullmx.test"} 0)",
          R"(starttls_null_mx{domain="nullmx.test"} 1)",
          R"(starttls_null_mx{domain="partner.test"} 0)",
          R"(starttls_mx_dnssec_authenticated{domain="partner.test"} 1)",
          R"(starttls_mx_dnssec_authenticated{domain="badcert.test"} 0)",
          R"(starttls_domain_client_tls{domain="partner.test",profile="strict"} 0)",
          R"(starttls_domain_client_tls{domain="partner.test",profile="lenient"} 0)",
          R"(starttls_domain_client_tls{domain="nullmx.test",profile="strict"} 0)",
      }) {
    EXPECT_TRUE(HasLine(text, line)) << line << "\n---\n" << text;
  }
}

TEST(MetricsCollect, SelfLinesAreExact) {
  const std::string text = Render();
  for (const char* line : {
           R"(starttls_exporter_build_info{revision="abc123",version="0.1.0"} 1)",
           "starttls_exporter_config_last_reload_successful 0",
           "starttls_exporter_config_last_reload_success_timestamp_seconds 1699999000",
           "starttls_exporter_probes_in_flight 3",
           "starttls_exporter_partners 5",
       }) {
    EXPECT_TRUE(HasLine(text, line)) << line;
  }
}

TEST(MetricsCollect, StateSetsHaveExactlyOneOnePerAddress) {
  const std::string text = Render();
  for (const auto& [family, label, size] : {std::tuple{"starttls_ehlo_status", "status", 4u},
                                            std::tuple{"starttls_tls_outcome", "outcome", 5u}}) {
    std::map<std::map<std::string, std::string>, std::pair<unsigned, double>> per_address;
    for (const auto& line : Samples(text, std::string(family) + "{")) {
      Sample s = ParseSample(line);
      s.labels.erase(label);
      auto& [count, sum] = per_address[s.labels];
      ++count;
      sum += s.value;
    }
    EXPECT_EQ(per_address.empty(), false) << family;
    for (const auto& [labels, count_sum] : per_address) {
      EXPECT_EQ(count_sum.first, size) << family << " " << labels.at("address");
      EXPECT_EQ(count_sum.second, 1.0) << family << " " << labels.at("address");
    }
  }
  // 4 addresses of partner.test, 2 of badcert.test, the DNS failure row of dnsfail.test.
  EXPECT_EQ(Samples(Render(), "starttls_ehlo_status{").size(), 7u * 4u);
}

TEST(MetricsCollect, TlsFactsShownForAnInvalidCertificate) {
  const std::string text = Render();
  const std::string a = R"({address="127.0.0.5",domain="badcert.test",mx="badcert.test"})";
  EXPECT_TRUE(HasLine(text, "starttls_tls_handshake_success" + a + " 1"));
  EXPECT_TRUE(HasLine(text, "starttls_tls_cert_chain_valid" + a + " 0"));
  EXPECT_TRUE(HasLine(text, "starttls_tls_cert_hostname_valid" + a + " 0"));
  EXPECT_TRUE(HasLine(text, "starttls_tls_cert_not_after_timestamp_seconds" + a + " 1690000000"));
  EXPECT_TRUE(HasLine(
      text,
      R"(starttls_tls_info{address="127.0.0.5",cipher="TLS_AES_256_GCM_SHA384",domain="badcert.test",mx="badcert.test",version="TLSv1.3"} 1)"));
}

TEST(MetricsCollect, FailedHandshakeHasNoCertificateOrInfoSeries) {
  const std::string text = Render();
  const std::string a = R"({address="::1",domain="badcert.test",mx="badcert.test")";
  EXPECT_TRUE(HasLine(text, "starttls_tls_handshake_success" + a + "} 0"));
  EXPECT_TRUE(HasLine(text, "starttls_tls_outcome" + a + R"(,outcome="handshake_failed"} 1)"));
  EXPECT_TRUE(Samples(text, "starttls_tls_info" + a).empty());
  EXPECT_TRUE(Samples(text, "starttls_tls_cert_not_after_timestamp_seconds" + a).empty());
  EXPECT_TRUE(Samples(text, "starttls_tls_cert_chain_valid" + a).empty());
}

TEST(MetricsCollect, NoTlsSeriesWhenStarttlsNotAttempted) {
  const std::string text = Render();
  for (const char* address : {"127.0.0.4", "127.0.0.3"}) {
    for (const auto& line : Lines(text)) {
      if (line.rfind("starttls_tls_", 0) != 0 || line.rfind("starttls_tls_outcome", 0) == 0)
        continue;
      EXPECT_EQ(line.find(std::string("address=\"") + address + "\""), std::string::npos) << line;
    }
  }
}

TEST(MetricsCollect, DnsFailureIsOnePartnerLevelRow) {
  const std::string text = Render();
  const std::string row = R"({address="",domain="dnsfail.test",mx=""})";
  EXPECT_TRUE(HasLine(
      text, R"(starttls_ehlo_status{address="",domain="dnsfail.test",mx="",status="error"} 1)"));
  EXPECT_TRUE(HasLine(
      text,
      R"(starttls_ehlo_status{address="",domain="dnsfail.test",mx="",status="compliant"} 0)"));
  EXPECT_TRUE(HasLine(text, "starttls_probe_success" + row + " 0"));
  EXPECT_TRUE(HasLine(
      text,
      R"(starttls_probe_failure_info{address="",domain="dnsfail.test",mx="",reason="dns_nxdomain"} 1)"));
  EXPECT_TRUE(HasLine(text, "starttls_last_probe_timestamp_seconds" + row + " 1700000100"));
  // MX facts are unknown after a failed lookup: absent rather than a misleading 0.
  EXPECT_TRUE(Samples(text, R"(starttls_mx_hosts{domain="dnsfail.test"})").empty());
  EXPECT_TRUE(Samples(text, R"(starttls_null_mx{domain="dnsfail.test"})").empty());
  EXPECT_TRUE(
      HasLine(text, R"(starttls_domain_client_tls{domain="dnsfail.test",profile="strict"} 0)"));
}

TEST(MetricsCollect, NullMxHasNoAddressSeries) {
  const std::string text = Render();
  for (const auto& line : Lines(text)) {
    if (!Mentions(line, "nullmx.test")) continue;
    const std::string name = ParseSample(line).name;
    EXPECT_TRUE(name == "starttls_partner_info" || name == "starttls_probes_total" ||
                name == "starttls_probe_interval_seconds" || name == "starttls_mx_hosts" ||
                name == "starttls_null_mx" || name == "starttls_mx_dnssec_authenticated" ||
                name == "starttls_domain_client_tls")
        << line;
  }
}

TEST(MetricsCollect, PartnerWithoutResultHasOnlyInfoAndCounters) {
  const std::string text = Render();
  std::set<std::string> names;
  for (const auto& line : Lines(text)) {
    if (line[0] != '#' && Mentions(line, "pending.test")) names.insert(ParseSample(line).name);
  }
  EXPECT_EQ(names,
            (std::set<std::string>{"starttls_partner_info", "starttls_probe_interval_seconds",
                                   "starttls_probes_total"}));
}

TEST(MetricsCollect, FindingsAreDeduplicated) {
  const auto lines =
      Samples(Render(), R"(starttls_finding_info{address="127.0.0.2",code="bare-lf",)");
  EXPECT_EQ(lines.size(), 1u);
}

TEST(MetricsCollect, PartnerLabelThatWouldOverwriteDomainIsDropped) {
  for (const auto& line : Samples(Render(), "starttls_partner_info{")) {
    EXPECT_EQ(line.find("hijack"), std::string::npos) << line;
  }
}

TEST(MetricsCollect, EveryFamilyHasHelpAndTypeBeforeItsSamples) {
  const std::string text = Render();
  std::set<std::string> helped;
  std::set<std::string> typed;
  std::set<std::string> seen;
  for (const auto& line : Lines(text)) {
    if (line.rfind("# HELP ", 0) == 0) {
      const std::string rest = line.substr(7);
      const std::string name = rest.substr(0, rest.find(' '));
      EXPECT_GT(rest.size(), name.size() + 10) << "HELP text too short: " << line;
      helped.insert(name);
    } else if (line.rfind("# TYPE ", 0) == 0) {
      typed.insert(line.substr(7, line.find(' ', 7) - 7));
    } else {
      ASSERT_FALSE(line.empty());
      const std::string name = ParseSample(line).name;
      EXPECT_TRUE(helped.count(name)) << name;
      EXPECT_TRUE(typed.count(name)) << name;
      seen.insert(name);
    }
  }
  EXPECT_EQ(helped, typed);
  EXPECT_EQ(helped, seen) << "a family without samples is served";
  // Every family of the contract shows up in this state (the process ones included).
  EXPECT_EQ(seen.size(), 34u);
  EXPECT_TRUE(HasLine(text, "# TYPE starttls_probes_total counter"));
  EXPECT_TRUE(HasLine(text, "# TYPE starttls_status_changes_total counter"));
  EXPECT_TRUE(HasLine(text, "# TYPE starttls_ehlo_status gauge"));
}

TEST(MetricsCollect, OutputIsDeterministic) {
  state::ExporterState state = MakeState();
  const std::string first = RenderExposition(state, BuildInfo{"v", "r"}, kNow);
  auto& results = state.Find("partner.test")->last->results;
  std::reverse(results.begin(), results.end());
  const std::string second = RenderExposition(state, BuildInfo{"v", "r"}, kNow);
  // Process metrics change between calls; everything else must not.
  const auto strip = [](const std::string& text) {
    std::string out;
    for (const auto& line : Lines(text)) {
      if (line.find("process_") == std::string::npos) out += line + "\n";
    }
    return out;
  };
  EXPECT_EQ(strip(first), strip(second));
  // Series in MX preference order, then address.
  const auto status = Samples(first, R"(starttls_probe_success{address=)");
  ASSERT_GE(status.size(), 4u);
  EXPECT_NE(status[0].find("127.0.0.5"), std::string::npos);  // badcert.test sorts first
  const auto partner = Samples(first, R"(starttls_probe_success{address="127.0.0.)");
  std::vector<std::string> order;
  for (const auto& line : partner) {
    if (Mentions(line, "partner.test")) order.push_back(ParseSample(line).labels["address"]);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"}));
}

TEST(MetricsCollect, DuplicateAddressKeysBecomeOneSeries) {
  probe::TargetProbeResult result = PartnerResult();
  auto twice = result.results.back();
  twice.port = 2525;  // the same address of the same host through a second static MX entry
  result.results.push_back(twice);
  const std::string text = RenderProbeExposition(MakePartner("partner.test"), result);
  EXPECT_EQ(Samples(text, R"(starttls_probe_success{address="127.0.0.4")").size(), 1u);
}

TEST(MetricsCollect, ProbeFamiliesMatchExporterFamiliesWithoutCounters) {
  const state::ExporterState state = MakeState();
  const state::PartnerState& partner = *state.Find("partner.test");
  const std::string probe_text = RenderProbeExposition(partner.partner, *partner.last);
  const std::string full = Render();
  std::size_t samples = 0;
  for (const auto& line : Lines(probe_text)) {
    if (line[0] == '#') continue;
    ++samples;
    EXPECT_TRUE(Mentions(line, "partner.test")) << line;
    EXPECT_TRUE(HasLine(full, line)) << line;
  }
  EXPECT_GT(samples, 40u);
  EXPECT_EQ(probe_text.find("_total"), std::string::npos);
  EXPECT_EQ(probe_text.find("starttls_exporter_"), std::string::npos);
  EXPECT_EQ(probe_text.find("process_"), std::string::npos);
}

TEST(MetricsCollect, ProbeOfPinnedPartnerCountsStaticMx) {
  config::Partner pinned = MakePartner("pinned.test");
  pinned.static_mx = {*config::CheckStaticMx("127.0.0.1:2525", 25).value,
                      *config::CheckStaticMx("127.0.0.2:2525", 25).value};
  probe::TargetProbeResult result;
  result.domain = "pinned.test";
  result.results.push_back(Address("127.0.0.1", 0, "127.0.0.1", EhloClass::kNoStarttls));
  const std::string text = RenderProbeExposition(pinned, result);
  EXPECT_TRUE(HasLine(text, R"(starttls_mx_hosts{domain="pinned.test"} 2)"));
  EXPECT_TRUE(HasLine(text, R"(starttls_null_mx{domain="pinned.test"} 0)"));
  EXPECT_TRUE(Samples(text, "starttls_mx_dnssec_authenticated").empty());
}

}  // namespace
}  // namespace stx::metrics

namespace stx::metrics {
namespace {

// The stream a scrape is served from: any piece size gives the same text as rendering at once.
TEST(MetricsStream, PiecesOfAnySizeMakeTheSameText) {
  const state::ExporterState state = MakeState();
  const std::string whole = RenderExposition(state, BuildInfo{"v", "r"}, kNow);
  const auto strip_process = [](const std::string& text) {
    return text.substr(0, text.find("# HELP process_"));
  };
  for (const std::size_t budget : {std::size_t{1}, std::size_t{100}, std::size_t{4096}}) {
    ExpositionStream stream(state, BuildInfo{"v", "r"}, kNow);
    std::string joined;
    std::size_t pieces = 0;
    for (bool more = true; more && pieces < 100000; ++pieces) {
      std::string piece;
      more = stream.Next(piece, budget);
      if (more) {
        EXPECT_FALSE(piece.empty()) << "an empty piece before the end";
      }
      joined += piece;
    }
    EXPECT_EQ(strip_process(joined), strip_process(whole)) << "budget " << budget;
    EXPECT_NE(joined.find("# HELP process_cpu_seconds_total"), std::string::npos);
    if (budget == 1) {
      EXPECT_GT(pieces, 20u);  // one partner's family per piece, at least
    }
  }
}

// Between two pieces the event loop runs: probes complete and reloads add or drop partners.
// Whatever happens, every family stays one group and no series appears twice.
TEST(MetricsStream, StateChangingBetweenPiecesNeverDuplicatesASeries) {
  state::ExporterState state = MakeState();
  ExpositionStream stream(state, BuildInfo{"v", "r"}, kNow);
  std::string text;
  int step = 0;
  for (bool more = true; more && step < 100000; ++step) {
    more = stream.Next(text, 200);
    if (step == 3) {  // a reload: one partner gone, one new (sorting first and last)
      config::ExporterConfig config;
      config.global = state.global();
      for (const auto& [domain, p] : state.partners()) config.partners.push_back(p.partner);
      std::erase_if(config.partners, [](const auto& p) { return p.domain == "nullmx.test"; });
      config.partners.push_back(MakePartner("aaa-new.test"));
      config.partners.push_back(MakePartner("zzz-new.test"));
      state.ApplyConfig(config);
    }
    if (step == 5) {  // a probe completed: partner.test now has one address only
      probe::TargetProbeResult result = PartnerResult();
      result.results.resize(1);
      state.Find("partner.test")->last = std::move(result);
    }
  }
  std::set<std::string> families;
  std::set<std::string> series;
  std::string open;
  for (const auto& line : Lines(text)) {
    if (line.starts_with("# TYPE ")) {
      const std::string name = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(families.insert(name).second) << "family written twice: " << name;
      open = name;
      continue;
    }
    if (line.starts_with("#")) continue;
    EXPECT_EQ(ParseSample(line).name, open) << "sample outside its family's group: " << line;
    EXPECT_TRUE(series.insert(line.substr(0, line.rfind(' '))).second) << "twice: " << line;
  }
  EXPECT_GE(families.size(), 30u);
  // The partner added last (after every domain written so far) shows up; the one dropped
  // before its families were written does not show up in them.
  EXPECT_TRUE(Mentions(text, "zzz-new.test"));
  EXPECT_TRUE(HasLine(text, R"(starttls_exporter_partners 6)"));
}

TEST(MetricsStream, EmptyStateHasOnlyTheExportersOwnFamilies) {
  state::ExporterState state;
  const std::string text = RenderExposition(state, BuildInfo{"v", "r"}, kNow);
  EXPECT_TRUE(HasLine(text, "starttls_exporter_partners 0"));
  EXPECT_EQ(text.find("starttls_ehlo_status"), std::string::npos);
  EXPECT_EQ(text.find("starttls_partner_info"), std::string::npos);
}

}  // namespace
}  // namespace stx::metrics
