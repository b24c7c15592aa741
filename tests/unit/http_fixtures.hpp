#pragma once
// Probe results of every kind, built by hand, for the status page and targets API tests.
#include <chrono>
#include <string>
#include <vector>

#include "config/exporter_config.hpp"
#include "probe/probe_result.hpp"
#include "state/exporter_state.hpp"
#include "support/sender_profiles.hpp"

namespace stx::http::fixtures {

using Clock = std::chrono::system_clock;
using Line = probe::TranscriptLine;

inline const Clock::time_point kNow = Clock::from_time_t(1'790'000'000);  // 2026-09-21
constexpr std::int64_t kDay = 86400;

inline std::int64_t NowUnix() { return Clock::to_time_t(kNow); }

inline tls::TlsFacts GoodTls(const std::string& mx, std::int64_t expires_in) {
  tls::TlsFacts t;
  t.version = "TLSv1.3";
  t.cipher = "TLS_AES_256_GCM_SHA384";
  tls::CertificateInfo leaf;
  leaf.subject = "CN=" + mx;
  leaf.issuer = "CN=Test CA";
  leaf.dns_names = {mx};
  leaf.not_before = NowUnix() - 60 * kDay;
  leaf.not_after = NowUnix() + expires_in;
  t.leaf = leaf;
  t.chain_length = 2;
  t.chain_earliest_not_after = leaf.not_after;
  t.chain_valid = true;
  t.expected_host = mx;
  t.hostname_valid = true;
  return t;
}

inline probe::AddressProbeResult Base(const std::string& mx, const std::string& ip) {
  probe::AddressProbeResult r;
  r.mx_host = mx;
  r.mx_preference = 10;
  r.address = boost::asio::ip::make_address(ip);
  r.port = 25;
  r.started_at = kNow - std::chrono::seconds(42);
  r.duration_seconds = 0.25;
  r.banner = "220 " + mx + " ESMTP";
  r.transcript.push_back({Line::Direction::kNote, false, "connected to " + ip + ":25"});
  r.transcript.push_back({Line::Direction::kServer, false, r.banner});
  r.transcript.push_back({Line::Direction::kClient, false, "EHLO probe.example"});
  return r;
}

// The EHLO reply `ehlo_lines`, then STARTTLS, TLS and the second EHLO.
inline void TlsDialogue(probe::AddressProbeResult& r, const std::vector<std::string>& ehlo_lines) {
  for (const auto& line : ehlo_lines)
    r.transcript.push_back({Line::Direction::kServer, false, line});
  r.transcript.push_back({Line::Direction::kClient, false, "STARTTLS"});
  r.transcript.push_back({Line::Direction::kServer, false, "220 2.0.0 Ready"});
  r.transcript.push_back({Line::Direction::kClient, true, "EHLO probe.example"});
}

inline probe::AddressProbeResult Compliant(const std::string& mx, const std::string& ip) {
  probe::AddressProbeResult r = Base(mx, ip);
  r.ehlo_class = smtp::EhloClass::kCompliant;
  r.ehlo.ehlo_class = r.ehlo_class;
  r.ehlo.greeting = mx;
  r.ehlo.keywords = {"STARTTLS", "8BITMIME"};
  test::SetSees(r, "strict", true);
  test::SetSees(r, "lenient", true);
  r.ehlo.starttls_line = 2;
  TlsDialogue(r, {"250-" + mx, "250-STARTTLS", "250 8BITMIME"});
  r.tls_outcome = probe::TlsOutcome::kEstablished;
  r.tls = GoodTls(mx, 30 * kDay);
  return r;
}

inline probe::AddressProbeResult Misordered(const std::string& mx, const std::string& ip) {
  probe::AddressProbeResult r = Compliant(mx, ip);
  r.ehlo_class = smtp::EhloClass::kMisordered;
  r.ehlo.ehlo_class = r.ehlo_class;
  test::SetSees(r, "strict", false);
  r.ehlo.starttls_line = 1;
  r.transcript = Base(mx, ip).transcript;
  TlsDialogue(r, {"250-STARTTLS", "250-" + mx, "250 8BITMIME"});
  r.findings.push_back({smtp::FindingCode::kStarttlsOnGreetingLine, "ehlo",
                        "STARTTLS is on line 1 of the EHLO reply"});
  r.misordered_ehlo = "250-STARTTLS\n250-" + mx + "\n250 8BITMIME\n";
  return r;
}

inline probe::AddressProbeResult NoStarttls(const std::string& mx, const std::string& ip) {
  probe::AddressProbeResult r = Base(mx, ip);
  r.ehlo_class = smtp::EhloClass::kNoStarttls;
  r.ehlo.ehlo_class = r.ehlo_class;
  r.ehlo.greeting = mx;
  r.ehlo.keywords = {"8BITMIME"};
  r.transcript.push_back({Line::Direction::kServer, false, "250-" + mx});
  r.transcript.push_back({Line::Direction::kServer, false, "250 8BITMIME"});
  return r;
}

inline probe::AddressProbeResult Refused(const std::string& mx, const std::string& ip) {
  probe::AddressProbeResult r = Base(mx, ip);
  r.transcript = probe::Transcript();
  r.banner.clear();
  r.ehlo_class = smtp::EhloClass::kError;
  r.error =
      probe::ProbeError{probe::Stage::kConnect, probe::FailureKind::kRefused, "connection refused"};
  r.transcript.push_back(
      {Line::Direction::kNote, false, "connect to " + ip + ":25 failed: connection refused"});
  return r;
}

inline config::Partner Partner(const std::string& domain, const std::string& name = "") {
  config::Partner p;
  p.domain = domain;
  p.name = name.empty() ? domain : name;
  return p;
}

inline probe::TargetProbeResult Target(const std::string& domain,
                                       std::vector<probe::AddressProbeResult> results) {
  probe::TargetProbeResult t;
  t.target = domain;
  t.domain = domain;
  t.results = std::move(results);
  t.duration_seconds = 0.5;
  return t;
}

/// Seven partners, one of each kind: bank (misordered + compliant MX), shop (compliant),
/// legacy (no STARTTLS), down (connection refused), dnsfail (NXDOMAIN), nomail (null MX),
/// fresh (not probed yet). Every probe completed 42 s before kNow.
inline state::ExporterState MakeState() {
  config::ExporterConfig config;
  config.partners = {Partner("bank.example", "Bank"), Partner("shop.example"),
                     Partner("legacy.example"),       Partner("down.example"),
                     Partner("dnsfail.example"),      Partner("nomail.example"),
                     Partner("fresh.example")};
  config.partners[0].labels = {{"team", "payments"}, {"tier", "1"}};
  state::ExporterState state;
  state.ApplyConfig(config);

  state.RecordResult("bank.example",
                     Target("bank.example", {Misordered("mx1.bank.example", "192.0.2.1"),
                                             Compliant("mx2.bank.example", "192.0.2.2")}));
  state.RecordResult("shop.example",
                     Target("shop.example", {Compliant("mx.shop.example", "2001:db8::25")}));
  state.RecordResult("legacy.example",
                     Target("legacy.example", {NoStarttls("mx.legacy.example", "192.0.2.3")}));
  state.RecordResult("down.example",
                     Target("down.example", {Refused("mx.down.example", "192.0.2.4")}));
  probe::TargetProbeResult dnsfail = Target("dnsfail.example", {});
  dnsfail.error = probe::ProbeError{probe::Stage::kDns, probe::FailureKind::kNxDomain,
                                    "dnsfail.example: NXDOMAIN"};
  state.RecordResult("dnsfail.example", dnsfail);
  probe::TargetProbeResult nomail = Target("nomail.example", {});
  nomail.routing = dns::MailRouting{};
  nomail.routing->domain = "nomail.example";
  nomail.routing->kind = dns::RoutingKind::kNullMx;
  nomail.routing->mx_status = dns::LookupStatus::kOk;
  state.RecordResult("nomail.example", nomail);
  for (const auto& [domain, p] : state.partners()) {
    if (p.last) state.Find(domain)->last_completed = kNow - std::chrono::seconds(42);
  }
  state.reload.last_success_unix = NowUnix() - 3600;
  return state;
}

}  // namespace stx::http::fixtures
