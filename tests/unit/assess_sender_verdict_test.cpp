// What each sender profile gets from an address, and the sentence that says so: by the
// profile's position in the table, from the bit the classifier set for it.
#include <gtest/gtest.h>

#include <openssl/tls1.h>

#include <array>

#include "assess/sender_verdict.hpp"
#include "smtp/client_profile.hpp"

namespace stx::assess {
namespace {

using probe::AddressProbeResult;
using probe::FailureKind;
using probe::ProbeError;
using probe::Stage;
using probe::TlsOutcome;

struct VerdictCase {
  smtp::EhloClass ehlo_class;
  bool sees_starttls;
  TlsOutcome outcome;
  const char* verdict;
  bool gets_tls;
};

class Verdicts : public ::testing::TestWithParam<VerdictCase> {};

// The sentences are what the status page, the reports and /api/v1/targets show.
TEST_P(Verdicts, SayWhatTheClientDoes) {
  const VerdictCase& c = GetParam();
  AddressProbeResult r;
  r.ehlo_class = c.ehlo_class;
  r.ehlo.sees_starttls[0] = c.sees_starttls;
  r.tls_outcome = c.outcome;
  r.tls_detail = "454 4.7.0 TLS not available";
  if (c.outcome == TlsOutcome::kEstablished) {
    r.tls = tls::TlsFacts{};
    r.tls->version = "TLSv1.3";
    r.tls->cipher = "TLS_AES_256_GCM_SHA384";
  }
  if (c.ehlo_class == smtp::EhloClass::kError) {
    r.error = ProbeError{Stage::kBanner, FailureKind::kTimeout, "no complete banner within 10 ms"};
  }
  EXPECT_EQ(SeesStarttls(r, 0), c.sees_starttls && c.ehlo_class != smtp::EhloClass::kError);
  EXPECT_EQ(GetsTls(r, 0), c.gets_tls);
  EXPECT_EQ(Verdict(r, 0), c.verdict);
  // Another profile that does not see STARTTLS gets no TLS, whatever the upgrade did.
  EXPECT_FALSE(GetsTls(r, 1));
}

INSTANTIATE_TEST_SUITE_P(
    Assess, Verdicts,
    ::testing::Values(
        VerdictCase{smtp::EhloClass::kCompliant, true, TlsOutcome::kEstablished,
                    "uses TLS (TLSv1.3, TLS_AES_256_GCM_SHA384)", true},
        VerdictCase{smtp::EhloClass::kMisordered, false, TlsOutcome::kEstablished,
                    "sends in clear text: STARTTLS not seen", false},
        VerdictCase{smtp::EhloClass::kCompliant, true, TlsOutcome::kStarttlsRefused,
                    "sends in clear text: STARTTLS refused: 454 4.7.0 TLS not available",
                    false},
        VerdictCase{smtp::EhloClass::kCompliant, true, TlsOutcome::kStarttlsFailed,
                    "sends in clear text: no usable reply to STARTTLS: 454 4.7.0 TLS not "
                    "available",
                    false},
        VerdictCase{smtp::EhloClass::kCompliant, true, TlsOutcome::kHandshakeFailed,
                    "sends in clear text: TLS handshake failed: 454 4.7.0 TLS not available",
                    false},
        VerdictCase{smtp::EhloClass::kCompliant, true, TlsOutcome::kNotAttempted,
                    "sends in clear text: STARTTLS not attempted", false},
        VerdictCase{smtp::EhloClass::kError, false, TlsOutcome::kNotAttempted,
                    "cannot deliver: no complete banner within 10 ms", false}));

// ----- Outcome: what a sender does with the message, from its row and the probe's facts ------

// A throwaway row for each behaviour, so the model is tested apart from the real senders'
// data (tests/senders proves those).
constexpr smtp::EhloRule kRfc{};
constexpr std::array kRows{
    smtp::ClientProfile{"opportunistic", "t", "t", "t", kRfc, smtp::TlsAcceptance{},
                        smtp::NoTlsBehaviour{}, ""},
    smtp::ClientProfile{"careful", "t", "t", "t", kRfc,
                        smtp::TlsAcceptance{TLS1_2_VERSION, true},
                        smtp::NoTlsBehaviour{smtp::NoTlsAction::kClear, smtp::NoTlsAction::kDefer,
                                             smtp::NoTlsAction::kClearRetry},
                        ""},
    smtp::ClientProfile{"patient", "t", "t", "t", kRfc, smtp::TlsAcceptance{},
                        smtp::NoTlsBehaviour{smtp::NoTlsAction::kDefer,
                                             smtp::NoTlsAction::kClearRetry,
                                             smtp::NoTlsAction::kDeferThenClear},
                        ""},
    // Checks the chain but not the name (Jakarta Mail by default).
    smtp::ClientProfile{"chain_only", "t", "t", "t", kRfc,
                        smtp::TlsAcceptance{TLS1_2_VERSION, true, false},
                        smtp::NoTlsBehaviour{smtp::NoTlsAction::kClear, smtp::NoTlsAction::kDefer,
                                             smtp::NoTlsAction::kDefer},
                        ""},
    // Judges each reply by its first digit (nodemailer).
    smtp::ClientProfile{"positive_replies", "t", "t", "t", kRfc, smtp::TlsAcceptance{},
                        smtp::NoTlsBehaviour{}, "", smtp::ProfileKind::kSender,
                        smtp::Injection::kDiscarded, smtp::OutOfStep::kSendsOnPositiveReplies},
    // Enforces DANE (Postfix's `dane` level), opportunistic elsewhere.
    smtp::ClientProfile{"dane", "t", "t", "t", kRfc, smtp::TlsAcceptance{},
                        smtp::NoTlsBehaviour{}, "", smtp::ProfileKind::kSender,
                        smtp::Injection::kDiscarded, smtp::OutOfStep::kGivesUp,
                        smtp::PolicyEnforcement{true}},
};
constexpr std::size_t kDaneRow = 5;

AddressProbeResult Seen(TlsOutcome outcome, const char* version = "TLSv1.3") {
  AddressProbeResult r;
  r.ehlo_class = smtp::EhloClass::kCompliant;
  r.ehlo.sees_starttls = smtp::ProfileSet(0b111111);
  r.tls_outcome = outcome;
  r.tls_detail = "454 4.7.0 TLS not available";
  if (outcome == TlsOutcome::kEstablished) {
    r.tls = tls::TlsFacts{};
    r.tls->version = version;
    r.tls->chain_valid = r.tls->hostname_valid = true;
    r.tls->expected_host = "mx.test";
  }
  return r;
}

struct OutcomeCase {
  const char* name;
  AddressProbeResult result;
  std::size_t row;
  bool starttls, tls;
  Delivery delivery;
  const char* reason;
  bool copy_in_clear = false;
};

class Outcomes : public ::testing::TestWithParam<OutcomeCase> {
 protected:
  const smtp::ScopedClientProfiles scoped_{kRows};
};

TEST_P(Outcomes, FollowTheRow) {
  const OutcomeCase& c = GetParam();
  const SenderOutcome o = Outcome(c.result, c.row);
  EXPECT_EQ(o.starttls, c.starttls);
  EXPECT_EQ(o.tls, c.tls);
  EXPECT_EQ(ToString(o.delivery), ToString(c.delivery));
  EXPECT_EQ(o.reason, c.reason);
  EXPECT_EQ(o.copy_in_clear, c.copy_in_clear);
}

AddressProbeResult NotSeen() {
  AddressProbeResult r = Seen(TlsOutcome::kNotAttempted);
  r.ehlo.sees_starttls.reset();
  return r;
}

AddressProbeResult WrongHost() {
  AddressProbeResult r = Seen(TlsOutcome::kEstablished);
  r.tls->hostname_valid = false;
  return r;
}

AddressProbeResult Untrusted() {
  AddressProbeResult r = Seen(TlsOutcome::kEstablished);
  r.tls->chain_valid = false;
  r.tls->verify_error = "self-signed certificate";
  return r;
}

// "250 mx.test" then "250-STARTTLS" and "250 SIZE 1000": a reply after the final line.
AddressProbeResult LinesAfterFinalLine(bool positive, bool seen = false) {
  AddressProbeResult r = seen ? Seen(TlsOutcome::kEstablished) : NotSeen();
  r.findings.push_back({smtp::FindingCode::kStarttlsAfterFinalLine, "ehlo", "line 2"});
  r.ehlo_trailing_positive = positive;
  return r;
}

// The probe's session used an anonymous cipher; the second handshake got `second`.
AddressProbeResult Anonymous(TlsOutcome second) {
  AddressProbeResult r = Untrusted();
  r.tls->cipher = "AECDH-AES256-SHA";
  auto handshake = std::make_shared<probe::MainstreamHandshake>();
  handshake->why = "the server chose AECDH-AES256-SHA, which no mainstream sender offers";
  handshake->outcome = second;
  if (second == TlsOutcome::kEstablished) {
    handshake->tls = Seen(TlsOutcome::kEstablished, "TLSv1.2").tls;
  } else {
    handshake->detail = "sslv3 alert handshake failure";
  }
  r.mainstream = std::move(handshake);
  return r;
}

// The MX host's TLSA answer: validated, with one DANE-EE record (usage 3) or one PKIX-EE record
// (usage 1, which SMTP cannot use); and, with TLS, the DANE check's verdict on the chain.
AddressProbeResult WithTlsa(AddressProbeResult r, std::uint8_t usage, bool matched,
                            dns::DnssecStatus dnssec = dns::DnssecStatus::kSecure) {
  auto answer = std::make_shared<dns::TlsaAnswer>();
  answer->name = "_25._tcp.mx.test";
  answer->status = dns::LookupStatus::kOk;
  answer->dnssec = dnssec;
  answer->records = {{usage, 1, 1, std::string(32, 'k')}};
  r.tlsa = std::move(answer);
  if (r.tls && usage == 3 && dnssec == dns::DnssecStatus::kSecure) {
    auto check = std::make_shared<tls::DaneVerification>();
    check->matched = matched;
    check->depth = matched ? 0 : -1;
    check->record = r.tlsa->records.front();
    r.tls->dane = std::move(check);
  }
  return r;
}

AddressProbeResult NoEhlo() {
  AddressProbeResult r;
  r.error = ProbeError{Stage::kBanner, FailureKind::kTimeout, "no complete banner"};
  return r;
}

INSTANTIATE_TEST_SUITE_P(
    Assess, Outcomes,
    ::testing::Values(
        // A sender that checks the chain and the name authenticates the server.
        OutcomeCase{"tls", Seen(TlsOutcome::kEstablished), 1, true, true,
                    Delivery::kTlsAuthenticated, "TLSv1.3"},
        OutcomeCase{"tls_unchecked", Seen(TlsOutcome::kEstablished), 0, true, true,
                    Delivery::kTls, "TLSv1.3"},
        OutcomeCase{"missing_clear", NotSeen(), 0, false, false, Delivery::kClear,
                    "STARTTLS not seen"},
        OutcomeCase{"missing_defer", NotSeen(), 2, false, false, Delivery::kDeferred,
                    "STARTTLS not seen"},
        OutcomeCase{"refused_defer", Seen(TlsOutcome::kStarttlsRefused), 1, true, false,
                    Delivery::kDeferred, "STARTTLS refused: 454 4.7.0 TLS not available"},
        OutcomeCase{"refused_retry", Seen(TlsOutcome::kStarttlsRefused), 2, true, false,
                    Delivery::kClear,
                    "STARTTLS refused: 454 4.7.0 TLS not available; retried in clear on a new "
                    "connection"},
        OutcomeCase{"handshake_then_clear", Seen(TlsOutcome::kHandshakeFailed), 2, true, false,
                    Delivery::kDeferred,
                    "TLS handshake failed: 454 4.7.0 TLS not available; deferred, then sent in "
                    "clear on a later attempt"},
        OutcomeCase{"old_version_any", Seen(TlsOutcome::kEstablished, "TLSv1"), 0, true, true,
                    Delivery::kTls, "TLSv1"},
        OutcomeCase{"old_version_refused", Seen(TlsOutcome::kEstablished, "TLSv1.1"), 1, true,
                    false, Delivery::kClear,
                    "the server's highest TLS version is TLSv1.1; the sender needs TLSv1.2 or "
                    "later; retried in clear on a new connection"},
        OutcomeCase{"wrong_host_unchecked", WrongHost(), 0, true, true, Delivery::kTls,
                    "TLSv1.3"},
        OutcomeCase{"wrong_host_checked", WrongHost(), 1, true, false, Delivery::kClear,
                    "certificate not valid for mx.test; retried in clear on a new connection"},
        OutcomeCase{"untrusted_checked", Untrusted(), 1, true, false, Delivery::kClear,
                    "certificate not trusted: self-signed certificate; retried in clear on a "
                    "new connection"},
        OutcomeCase{"wrong_host_chain_only", WrongHost(), 3, true, true, Delivery::kTls,
                    "TLSv1.3"},
        OutcomeCase{"untrusted_chain_only", Untrusted(), 3, true, false, Delivery::kDeferred,
                    "certificate not trusted: self-signed certificate"},
        OutcomeCase{"out_of_step_gives_up", LinesAfterFinalLine(true), 0, false, false,
                    Delivery::kDeferred,
                    "lines after the EHLO reply's final line put the sender out of step with "
                    "the server"},
        OutcomeCase{"out_of_step_positive", LinesAfterFinalLine(true), 4, false, false,
                    Delivery::kDeferred,
                    "lines after the EHLO reply's final line, all positive, read as the "
                    "replies to the next commands: the message goes in clear and the sender "
                    "reports a failure (the server may have taken it)",
                    true},
        OutcomeCase{"out_of_step_negative", LinesAfterFinalLine(false), 4, false, false,
                    Delivery::kDeferred,
                    "lines after the EHLO reply's final line put the sender out of step with "
                    "the server"},
        OutcomeCase{"out_of_step_starttls_seen", LinesAfterFinalLine(true, true), 4, false,
                    false, Delivery::kDeferred,
                    "lines after the EHLO reply's final line put the sender out of step with "
                    "the server"},
        OutcomeCase{"second_handshake_decides", Anonymous(TlsOutcome::kEstablished), 1, true,
                    true, Delivery::kTlsAuthenticated, "TLSv1.2"},
        OutcomeCase{"second_handshake_fails", Anonymous(TlsOutcome::kHandshakeFailed), 1, true,
                    false, Delivery::kClear,
                    "the server chose AECDH-AES256-SHA, which no mainstream sender offers; "
                    "with what senders offer: sslv3 alert handshake failure; retried in clear "
                    "on a new connection"},
        OutcomeCase{"no_ehlo", NoEhlo(), 0, false, false, Delivery::kDeferred,
                    "no EHLO reply: banner_timeout"},
        // RFC 7672 §2.2: where DANE applies, TLS is mandatory and must match.
        OutcomeCase{"dane_match", WithTlsa(Seen(TlsOutcome::kEstablished), 3, true), kDaneRow,
                    true, true, Delivery::kTlsAuthenticated, "TLSv1.3, DANE-authenticated"},
        OutcomeCase{"dane_mismatch", WithTlsa(Seen(TlsOutcome::kEstablished), 3, false),
                    kDaneRow, true, false, Delivery::kDeferred,
                    "no usable TLSA record matches the certificate"},
        OutcomeCase{"dane_mismatch_ignored_by_others",
                    WithTlsa(Seen(TlsOutcome::kEstablished), 3, false), 0, true, true,
                    Delivery::kTls, "TLSv1.3"},
        OutcomeCase{"dane_no_starttls", WithTlsa(NotSeen(), 3, false), kDaneRow, false, false,
                    Delivery::kDeferred, "STARTTLS not seen; DANE requires TLS"},
        OutcomeCase{"dane_handshake_failed", WithTlsa(Seen(TlsOutcome::kHandshakeFailed), 3, false),
                    kDaneRow, true, false, Delivery::kDeferred,
                    "TLS handshake failed: 454 4.7.0 TLS not available; DANE requires TLS"},
        OutcomeCase{"dane_unusable", WithTlsa(Seen(TlsOutcome::kEstablished), 1, false),
                    kDaneRow, true, true, Delivery::kTls,
                    "TLSv1.3, not authenticated (no usable TLSA record)"},
        OutcomeCase{"dane_bogus",
                    WithTlsa(Seen(TlsOutcome::kEstablished), 3, true, dns::DnssecStatus::kBogus),
                    kDaneRow, false, false, Delivery::kDeferred,
                    "the TLSA answer is DNSSEC-bogus"},
        OutcomeCase{"dane_insecure",
                    WithTlsa(Seen(TlsOutcome::kEstablished), 3, true, dns::DnssecStatus::kInsecure),
                    kDaneRow, true, true, Delivery::kTls, "TLSv1.3"}),
    [](const ::testing::TestParamInfo<OutcomeCase>& row) { return std::string(row.param.name); });

}  // namespace
}  // namespace stx::assess
