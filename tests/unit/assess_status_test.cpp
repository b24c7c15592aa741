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

const smtp::ProfileSet kDefault = smtp::DefaultSenders();

smtp::ProfileSet Senders(std::initializer_list<const char*> names) {
  smtp::ProfileSet set;
  for (const char* name : names) set.set(*smtp::FindClientProfile(name));
  return set;
}

int Exit(const std::vector<TargetProbeResult>& results) {
  return CheckExitStatus(results, std::vector<smtp::ProfileSet>(results.size(), kDefault));
}

TargetProbeResult Target(std::vector<smtp::EhloClass> classes) {
  TargetProbeResult t;
  for (const auto c : classes) t.results.push_back(Address(c));
  return t;
}

TEST(Status, NamesAndOrderAreTheInterface) {
  std::vector<std::string> names;
  for (const Status s : kStatusesWorstFirst) names.emplace_back(ToString(s));
  EXPECT_EQ(names, (std::vector<std::string>{"deferred", "misordered", "no_starttls", "tls_failed",
                                             "error", "compliant", "null_mx", "unknown"}));
  for (std::size_t i = 1; i < kStatusesWorstFirst.size(); ++i) {
    EXPECT_TRUE(Worse(kStatusesWorstFirst[i - 1], kStatusesWorstFirst[i]));
    EXPECT_FALSE(Describe(kStatusesWorstFirst[i]).empty());
  }
}

TEST(Status, APartnerIsListedUnderItsWorstAddress) {
  using smtp::EhloClass;
  EXPECT_EQ(TargetStatus(nullptr, kDefault), Status::kUnknown);
  const TargetProbeResult mixed =
      Target({EhloClass::kCompliant, EhloClass::kError, EhloClass::kMisordered});
  EXPECT_EQ(TargetStatus(&mixed, kDefault), Status::kMisordered);
  const TargetProbeResult good = Target({EhloClass::kCompliant, EhloClass::kCompliant});
  EXPECT_EQ(TargetStatus(&good, kDefault), Status::kCompliant);
  TargetProbeResult dns_failed;
  dns_failed.error = probe::ProbeError{probe::Stage::kDns, probe::FailureKind::kServFail, "x"};
  EXPECT_EQ(TargetStatus(&dns_failed, kDefault), Status::kError);
}

TEST(Status, NullMxIsItsOwnStatusButNoResultsOtherwiseIsAnError) {
  TargetProbeResult null_mx;
  null_mx.routing = dns::MailRouting{};
  null_mx.routing->kind = dns::RoutingKind::kNullMx;
  EXPECT_EQ(TargetStatus(&null_mx, kDefault), Status::kNullMx);
  const TargetProbeResult nothing;
  EXPECT_EQ(TargetStatus(&nothing, kDefault), Status::kError);
}

TEST(CheckExit, AFindingOutranksAnErrorAndAnErrorOutranksSuccess) {
  using smtp::EhloClass;
  const std::vector<TargetProbeResult> good{Target({EhloClass::kCompliant})};
  EXPECT_EQ(Exit(good), kAllCompliant);
  const std::vector<TargetProbeResult> finding_and_error{
      Target({EhloClass::kCompliant, EhloClass::kError}), Target({EhloClass::kNoStarttls})};
  EXPECT_EQ(Exit(finding_and_error), kNotCompliant);
  const std::vector<TargetProbeResult> error{Target({EhloClass::kCompliant, EhloClass::kError})};
  EXPECT_EQ(Exit(error), kErrorOrUsage);
  TargetProbeResult null_mx;
  null_mx.routing = dns::MailRouting{};
  null_mx.routing->kind = dns::RoutingKind::kNullMx;
  EXPECT_EQ(Exit({null_mx}), kAllCompliant);
}

// What senders get decides: a compliant reply whose STARTTLS is refused, or whose handshake
// fails, leaves every sender without TLS.
TEST(CheckExit, ACompliantReplyWithoutTlsIsNotCompliant) {
  for (const auto outcome : {probe::TlsOutcome::kStarttlsRefused,
                             probe::TlsOutcome::kStarttlsFailed,
                             probe::TlsOutcome::kHandshakeFailed}) {
    TargetProbeResult t = Target({smtp::EhloClass::kCompliant});
    t.results[0].tls_outcome = outcome;
    EXPECT_EQ(Exit({t}), kNotCompliant);
  }
}

// A partner is as bad as the worst outcome among our senders, named by its cause.
TEST(Status, FollowsOurSenders) {
  using smtp::EhloClass;
  // The seed's reply: STARTTLS on line 1, TLS works for those that see it.
  AddressProbeResult misordered = Address(EhloClass::kMisordered);
  misordered.ehlo.sees_starttls.set(*smtp::FindClientProfile("lenient"));
  misordered.ehlo.sees_starttls.set(*smtp::FindClientProfile("curl"));
  misordered.tls_outcome = probe::TlsOutcome::kEstablished;
  EXPECT_EQ(EhloStatus(misordered), Status::kMisordered);
  EXPECT_EQ(AddressStatus(misordered, kDefault), Status::kMisordered) << "strict in clear";
  EXPECT_EQ(AddressStatus(misordered, Senders({"lenient"})), Status::kCompliant);
  EXPECT_EQ(AddressStatus(misordered, Senders({"postfix"})), Status::kMisordered);
  // msmtp requires TLS and does not read line 1: it does not deliver.
  EXPECT_EQ(AddressStatus(misordered, Senders({"lenient", "msmtp"})), Status::kDeferred);

  // A compliant reply whose STARTTLS is refused: opportunistic senders go on in clear.
  AddressProbeResult refused = Address(EhloClass::kCompliant);
  refused.tls_outcome = probe::TlsOutcome::kStarttlsRefused;
  EXPECT_EQ(EhloStatus(refused), Status::kCompliant);
  EXPECT_EQ(AddressStatus(refused, kDefault), Status::kTlsFailed);
  EXPECT_EQ(AddressStatus(refused, Senders({"python"})), Status::kDeferred);

  TargetProbeResult partner;
  partner.results = {Address(EhloClass::kCompliant), refused};
  EXPECT_EQ(TargetStatus(&partner, kDefault), Status::kTlsFailed);
  EXPECT_EQ(TargetStatus(&partner, Senders({"python"})), Status::kDeferred);
  EXPECT_EQ(CheckExitStatus(std::vector{partner}, std::vector{Senders({"python"})}),
            kNotCompliant);

  AddressProbeResult down = Address(EhloClass::kError);
  EXPECT_EQ(AddressStatus(down, Senders({"msmtp"})), Status::kError) << "not a sender's outcome";
}

// A completed probe with no address and no null MX (a probe that threw, a routing answer with
// no exchanger) must not read as success.
TEST(CheckExit, NoResultsWithoutANullMxIsAnError) {
  EXPECT_EQ(Exit({TargetProbeResult{}}), kErrorOrUsage);
}

}  // namespace
}  // namespace stx::assess
