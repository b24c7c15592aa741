#pragma once
// A probe result whose every partner-controlled string holds given bytes, for the renderer
// tests and the renderer fuzz target (no GoogleTest here). Only the result's shape comes from
// `variant`; what the strings hold is up to the caller.
#include <array>
#include <string>

#include <boost/asio/ip/address.hpp>

#include "probe/probe_result.hpp"

namespace stx::test {

/// The strings a partner controls, one per field of the result that quotes it.
struct HostileBytes {
  std::string mx_host, banner, greeting, keyword, subject, issuer, dns_name, tls_detail,
      error_detail, finding_detail, transcript, ehlo_lines, verify_error, cipher;
};

inline probe::TargetProbeResult HostileResult(const HostileBytes& b, unsigned variant) {
  constexpr std::array kClasses{smtp::EhloClass::kCompliant, smtp::EhloClass::kMisordered,
                                smtp::EhloClass::kNoStarttls, smtp::EhloClass::kError};
  constexpr std::array kOutcomes{probe::TlsOutcome::kNotAttempted, probe::TlsOutcome::kEstablished,
                                 probe::TlsOutcome::kStarttlsRefused,
                                 probe::TlsOutcome::kStarttlsFailed,
                                 probe::TlsOutcome::kHandshakeFailed};
  probe::AddressProbeResult r;
  r.mx_host = b.mx_host;
  r.address = boost::asio::ip::make_address("192.0.2.7");
  r.ehlo_class = kClasses[variant % kClasses.size()];
  r.ehlo.ehlo_class = r.ehlo_class;
  r.banner = b.banner;
  r.ehlo.greeting = b.greeting;
  r.ehlo.keywords = {b.keyword, "STARTTLS"};
  r.ehlo.sees_starttls = smtp::ProfileSet(variant >> 2);
  r.ehlo.starttls_line = (variant >> 4) % 4;
  if (r.ehlo_class == smtp::EhloClass::kMisordered) r.misordered_ehlo = b.ehlo_lines;
  if (r.ehlo_class == smtp::EhloClass::kError) {
    r.error =
        probe::ProbeError{probe::Stage::kBanner, probe::FailureKind::kRejected, b.error_detail};
  }
  r.tls_outcome = kOutcomes[(variant >> 6) % kOutcomes.size()];
  r.tls_detail = b.tls_detail;
  if ((variant >> 9) % 2 == 0) {
    r.tls = tls::TlsFacts{};
    r.tls->version = "TLSv1.3";
    r.tls->cipher = b.cipher;
    r.tls->leaf = tls::CertificateInfo{};
    r.tls->leaf->subject = b.subject;
    r.tls->leaf->issuer = b.issuer;
    r.tls->leaf->dns_names = {b.dns_name};
    r.tls->leaf->ip_addresses = {b.dns_name};
    r.tls->leaf->serial = b.dns_name;
    r.tls->leaf->sha256_fingerprint = b.subject;
    r.tls->leaf->public_key = b.issuer;
    r.tls->leaf->not_before = 1'700'000'000;
    r.tls->leaf->not_after = 1'800'000'000;
    r.tls->chain_earliest_not_after = 1'750'000'000;
    r.tls->chain_length = 2;
    r.tls->verify_error = b.verify_error;
    r.tls->expected_host = b.mx_host;
    r.tls->failures = {b.verify_error};
  }
  r.ehlo_tls_keywords = {b.keyword};
  r.findings.push_back({smtp::FindingCode::kNonAscii, b.greeting, b.finding_detail});
  r.transcript.push_back({probe::TranscriptLine::Direction::kServer, false, b.transcript});
  r.transcript.push_back({probe::TranscriptLine::Direction::kNote, true, b.tls_detail});

  probe::TargetProbeResult target;
  target.target = target.domain = "partner.test";
  if ((variant >> 10) % 2 == 1) {
    target.error =
        probe::ProbeError{probe::Stage::kDns, probe::FailureKind::kServFail, b.error_detail};
  }
  target.routing = dns::MailRouting{};
  target.routing->kind = dns::RoutingKind::kMx;
  target.routing->exchangers.push_back(dns::MailExchanger{b.mx_host, 10, {}, {}, {}});
  target.routing->detail = b.error_detail;
  target.results.push_back(std::move(r));
  return target;
}

}  // namespace stx::test
