// The status of an address and of a partner, their severity order, and `check`'s exit status.
#include <gtest/gtest.h>

#include <vector>

#include "assess/status.hpp"

namespace stx::assess {
namespace {

using probe::AddressProbeResult;
using probe::TargetProbeResult;

// An address of `ehlo_class`; a compliant one gives every sender profile TLS.
AddressProbeResult Address(smtp::EhloClass ehlo_class) {
  AddressProbeResult r;
  r.ehlo_class = ehlo_class;
  if (ehlo_class == smtp::EhloClass::kCompliant) {
    r.ehlo.sees_starttls.set();
    r.tls_outcome = probe::TlsOutcome::kEstablished;
  }
  if (ehlo_class == smtp::EhloClass::kError) {
    r.error = probe::ProbeError{probe::Stage::kConnect, probe::FailureKind::kRefused, "refused"};
  }
  return r;
}

TargetProbeResult Target(std::vector<smtp::EhloClass> classes) {
  TargetProbeResult t;
  for (const auto c : classes) t.results.push_back(Address(c));
  return t;
}

TEST(Status, NamesAndOrderAreTheInterface) {
  std::vector<std::string> names;
  for (const Status s : kStatusesWorstFirst) names.emplace_back(ToString(s));
  EXPECT_EQ(names, (std::vector<std::string>{"misordered", "no_starttls", "error", "compliant",
                                             "null_mx", "unknown"}));
  for (std::size_t i = 1; i < kStatusesWorstFirst.size(); ++i) {
    EXPECT_TRUE(Worse(kStatusesWorstFirst[i - 1], kStatusesWorstFirst[i]));
    EXPECT_FALSE(Describe(kStatusesWorstFirst[i]).empty());
  }
}

TEST(Status, APartnerIsListedUnderItsWorstAddress) {
  using smtp::EhloClass;
  EXPECT_EQ(TargetStatus(nullptr), Status::kUnknown);
  const TargetProbeResult mixed =
      Target({EhloClass::kCompliant, EhloClass::kError, EhloClass::kMisordered});
  EXPECT_EQ(TargetStatus(&mixed), Status::kMisordered);
  const TargetProbeResult good = Target({EhloClass::kCompliant, EhloClass::kCompliant});
  EXPECT_EQ(TargetStatus(&good), Status::kCompliant);
  TargetProbeResult dns_failed;
  dns_failed.error = probe::ProbeError{probe::Stage::kDns, probe::FailureKind::kServFail, "x"};
  EXPECT_EQ(TargetStatus(&dns_failed), Status::kError);
}

TEST(Status, NullMxIsItsOwnStatusButNoResultsOtherwiseIsAnError) {
  TargetProbeResult null_mx;
  null_mx.routing = dns::MailRouting{};
  null_mx.routing->kind = dns::RoutingKind::kNullMx;
  EXPECT_EQ(TargetStatus(&null_mx), Status::kNullMx);
  const TargetProbeResult nothing;
  EXPECT_EQ(TargetStatus(&nothing), Status::kError);
}

TEST(CheckExit, AFindingOutranksAnErrorAndAnErrorOutranksSuccess) {
  using smtp::EhloClass;
  const std::vector<TargetProbeResult> good{Target({EhloClass::kCompliant})};
  EXPECT_EQ(CheckExitStatus(good), kAllCompliant);
  const std::vector<TargetProbeResult> finding_and_error{
      Target({EhloClass::kCompliant, EhloClass::kError}), Target({EhloClass::kNoStarttls})};
  EXPECT_EQ(CheckExitStatus(finding_and_error), kNotCompliant);
  const std::vector<TargetProbeResult> error{Target({EhloClass::kCompliant, EhloClass::kError})};
  EXPECT_EQ(CheckExitStatus(error), kErrorOrUsage);
  TargetProbeResult null_mx;
  null_mx.routing = dns::MailRouting{};
  null_mx.routing->kind = dns::RoutingKind::kNullMx;
  EXPECT_EQ(CheckExitStatus(std::vector<TargetProbeResult>{null_mx}), kAllCompliant);
}

// What senders get decides: a compliant reply whose STARTTLS is refused, or whose handshake
// fails, leaves every sender without TLS.
TEST(CheckExit, ACompliantReplyWithoutTlsIsNotCompliant) {
  for (const auto outcome : {probe::TlsOutcome::kStarttlsRefused,
                             probe::TlsOutcome::kStarttlsFailed,
                             probe::TlsOutcome::kHandshakeFailed}) {
    TargetProbeResult t = Target({smtp::EhloClass::kCompliant});
    t.results[0].tls_outcome = outcome;
    EXPECT_EQ(CheckExitStatus(std::vector<TargetProbeResult>{t}), kNotCompliant);
  }
}

// A completed probe with no address and no null MX (a probe that threw, a routing answer with
// no exchanger) must not read as success.
TEST(CheckExit, NoResultsWithoutANullMxIsAnError) {
  EXPECT_EQ(CheckExitStatus(std::vector<TargetProbeResult>{TargetProbeResult{}}), kErrorOrUsage);
}

}  // namespace
}  // namespace stx::assess
