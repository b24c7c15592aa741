// What each sender profile gets from an address, and the sentence that says so: by the
// profile's position in the table, from the bit the classifier set for it.
#include <gtest/gtest.h>

#include "assess/sender_verdict.hpp"

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
                    "sends in clear (or defers when TLS is required): STARTTLS not seen", false},
        VerdictCase{smtp::EhloClass::kCompliant, true, TlsOutcome::kStarttlsRefused,
                    "sends in clear or defers: STARTTLS refused (454 4.7.0 TLS not available)",
                    false},
        VerdictCase{smtp::EhloClass::kCompliant, true, TlsOutcome::kStarttlsFailed,
                    "defers: STARTTLS failed (454 4.7.0 TLS not available)", false},
        VerdictCase{smtp::EhloClass::kCompliant, true, TlsOutcome::kHandshakeFailed,
                    "defers or falls back to clear text: TLS handshake failed (454 4.7.0 TLS not "
                    "available)",
                    false},
        VerdictCase{smtp::EhloClass::kCompliant, true, TlsOutcome::kNotAttempted,
                    "STARTTLS not attempted", false},
        VerdictCase{smtp::EhloClass::kError, false, TlsOutcome::kNotAttempted,
                    "cannot deliver: no complete banner within 10 ms", false}));

}  // namespace
}  // namespace stx::assess
