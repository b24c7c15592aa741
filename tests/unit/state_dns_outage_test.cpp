// What the exporter state keeps of a partner's addresses while DNS gives no answer, and what it
// forgets once DNS answers that they are gone.
#include <gtest/gtest.h>

#include "state/exporter_state.hpp"

namespace stx::state {
namespace {

using C = smtp::EhloClass;
using probe::FailureKind;

config::ExporterConfig OnePartner() {
  config::ExporterConfig config;
  config::Partner p;
  p.domain = p.name = "a.test";
  config.partners.push_back(p);
  return config;
}

probe::AddressProbeResult Row(const char* mx, const char* address, C c) {
  probe::AddressProbeResult r;
  r.mx_host = mx;
  r.address = boost::asio::ip::make_address(address);
  r.ehlo_class = c;
  return r;
}

probe::TargetProbeResult Rows(std::vector<probe::AddressProbeResult> rows) {
  probe::TargetProbeResult r;
  r.results = std::move(rows);
  return r;
}

/// The MX lookup failed: no address was reached.
probe::TargetProbeResult MxFailure(FailureKind kind) {
  probe::TargetProbeResult r;
  r.error = probe::ProbeError{probe::Stage::kDns, kind, "x"};
  return r;
}

/// The MX answer came, but `mx`'s address lookup failed.
probe::AddressProbeResult AddressFailure(const char* mx, FailureKind kind) {
  probe::AddressProbeResult r;
  r.mx_host = mx;
  r.error = probe::ProbeError{probe::Stage::kDns, kind, "x"};
  return r;
}

const StatusChangeKey kMx1Change{{"mx1", "127.0.0.2"}, "compliant", "misordered"};

class StateDnsOutage : public ::testing::TestWithParam<FailureKind> {
 protected:
  StateDnsOutage() {
    state_.ApplyConfig(OnePartner());
    // compliant, then misordered: one status change on record.
    state_.RecordResult("a.test", Rows({Row("mx1", "127.0.0.2", C::kCompliant)}));
    state_.RecordResult("a.test", Rows({Row("mx1", "127.0.0.2", C::kMisordered)}));
  }
  const PartnerState& Partner() { return *state_.Find("a.test"); }

  ExporterState state_;
};

TEST_P(StateDnsOutage, AnUnansweredMxLookupKeepsCountersAndWhatWasKnown) {
  state_.RecordResult("a.test", MxFailure(GetParam()));
  state_.RecordResult("a.test", MxFailure(GetParam()));
  EXPECT_EQ(Partner().status_changes.at(kMx1Change), 1u);
  EXPECT_EQ(Partner().consecutive.count({"mx1", "127.0.0.2"}), 0u);  // not a row of this probe
  EXPECT_EQ(Partner().consecutive.at(AddressKey{}), 2u);             // the error row's streak
  EXPECT_EQ(Partner().probes_error, 2u);

  // DNS answers again; the address turned compliant meanwhile: a change from what it was.
  const auto changes =
      state_.RecordResult("a.test", Rows({Row("mx1", "127.0.0.2", C::kCompliant)}));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].change.from, "misordered");
  EXPECT_EQ(Partner().status_changes.at(kMx1Change), 1u);
  EXPECT_EQ(Partner().status_changes.size(), 2u);
  EXPECT_EQ(KnownAddresses(Partner()).count(AddressKey{}), 0u);  // the outage's row is gone
}

TEST_P(StateDnsOutage, AnUnansweredAddressLookupKeepsThatMxHostsAddresses) {
  state_.RecordResult("a.test", Rows({AddressFailure("mx1", GetParam())}));
  EXPECT_EQ(Partner().status_changes.at(kMx1Change), 1u);
  const auto changes =
      state_.RecordResult("a.test", Rows({Row("mx1", "127.0.0.2", C::kMisordered)}));
  EXPECT_TRUE(changes.empty());
  EXPECT_EQ(Partner().consecutive.at({"mx1", "127.0.0.2"}), 2u);  // the streak goes on
}

INSTANTIATE_TEST_SUITE_P(NoAnswer, StateDnsOutage,
                         ::testing::Values(FailureKind::kTimeout, FailureKind::kServFail,
                                           FailureKind::kDnsRefused, FailureKind::kFailed),
                         [](const auto& p) { return std::string(probe::ToString(p.param)); });

TEST(StateDnsAnswer, NxDomainAndNoDataForgetTheAddresses) {
  for (const FailureKind kind : {FailureKind::kNxDomain, FailureKind::kNoData}) {
    ExporterState state;
    state.ApplyConfig(OnePartner());
    state.RecordResult("a.test", Rows({Row("mx1", "127.0.0.2", C::kCompliant)}));
    state.RecordResult("a.test", Rows({Row("mx1", "127.0.0.2", C::kMisordered)}));
    state.RecordResult("a.test", MxFailure(kind));
    const PartnerState& p = *state.Find("a.test");
    EXPECT_TRUE(p.status_changes.empty()) << probe::ToString(kind);
    EXPECT_EQ(KnownAddresses(p).size(), 1u);  // only the partner-level error row
    // When the address comes back, it is new: no change against a forgotten status.
    EXPECT_TRUE(
        state.RecordResult("a.test", Rows({Row("mx1", "127.0.0.2", C::kCompliant)})).empty());
  }
}

TEST(StateDnsAnswer, AnotherMxHostsFailureDoesNotKeepAVanishedAddress) {
  ExporterState state;
  state.ApplyConfig(OnePartner());
  state.RecordResult("a.test", Rows({Row("mx1", "127.0.0.2", C::kCompliant),
                                     Row("mx2", "127.0.0.3", C::kCompliant)}));
  state.RecordResult("a.test", Rows({Row("mx1", "127.0.0.2", C::kCompliant),
                                     Row("mx2", "127.0.0.3", C::kNoStarttls)}));
  // mx1's address lookup times out; mx2 is no longer in the MX answer at all.
  state.RecordResult("a.test", Rows({AddressFailure("mx1", FailureKind::kTimeout)}));
  const PartnerState& p = *state.Find("a.test");
  EXPECT_EQ(KnownAddresses(p).count({"mx1", "127.0.0.2"}), 1u);
  EXPECT_EQ(KnownAddresses(p).count({"mx2", "127.0.0.3"}), 0u);
  EXPECT_TRUE(p.status_changes.empty());  // mx2's change went with mx2
}

}  // namespace
}  // namespace stx::state
