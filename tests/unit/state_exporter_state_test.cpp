#include <gtest/gtest.h>

#include "state/exporter_state.hpp"

namespace stx::state {
namespace {

config::ExporterConfig ConfigWith(std::vector<std::string> domains) {
  config::ExporterConfig config;
  for (auto& d : domains) {
    config::Partner p;
    p.domain = d;
    p.name = d;
    config.partners.push_back(p);
  }
  return config;
}

probe::AddressProbeResult Row(const char* mx, const char* address, smtp::EhloClass c) {
  probe::AddressProbeResult r;
  r.mx_host = mx;
  r.address = boost::asio::ip::make_address(address);
  r.ehlo_class = c;
  if (c == smtp::EhloClass::kError) {
    r.error = probe::ProbeError{probe::Stage::kConnect, probe::FailureKind::kRefused, "refused"};
  }
  return r;
}

probe::TargetProbeResult Result(std::vector<probe::AddressProbeResult> rows) {
  probe::TargetProbeResult r;
  r.results = std::move(rows);
  return r;
}

TEST(ExporterState, CountsProbesAndStatusChanges) {
  ExporterState state;
  state.ApplyConfig(ConfigWith({"a.test"}));
  using C = smtp::EhloClass;
  EXPECT_TRUE(
      state.RecordResult("a.test", Result({Row("mx1", "127.0.0.2", C::kCompliant)})).empty());
  const auto changes =
      state.RecordResult("a.test", Result({Row("mx1", "127.0.0.2", C::kMisordered)}));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].change.from, "compliant");
  EXPECT_EQ(changes[0].change.to, "misordered");
  state.RecordResult("a.test", Result({Row("mx1", "127.0.0.2", C::kError)}));

  const PartnerState& p = *state.Find("a.test");
  EXPECT_EQ(p.probes_success, 2u);
  EXPECT_EQ(p.probes_error, 1u);
  EXPECT_EQ(p.status_changes.size(), 2u);
  EXPECT_EQ((p.status_changes.at({{"mx1", "127.0.0.2"}, "compliant", "misordered"})), 1u);
  EXPECT_EQ((p.status_changes.at({{"mx1", "127.0.0.2"}, "misordered", "error"})), 1u);
  EXPECT_EQ(KnownAddresses(p).at({"mx1", "127.0.0.2"}).status, "error");
}

TEST(ExporterState, CountsConsecutiveProbesWithTheSameStatus) {
  ExporterState state;
  state.ApplyConfig(ConfigWith({"a.test"}));
  using C = smtp::EhloClass;
  const AddressKey mx1{"mx1", "127.0.0.2"};
  state.RecordResult("a.test", Result({Row("mx1", "127.0.0.2", C::kCompliant)}));
  EXPECT_EQ(state.Find("a.test")->consecutive.at(mx1), 1u);
  state.RecordResult("a.test", Result({Row("mx1", "127.0.0.2", C::kCompliant)}));
  state.RecordResult("a.test", Result({Row("mx1", "127.0.0.2", C::kCompliant)}));
  EXPECT_EQ(state.Find("a.test")->consecutive.at(mx1), 3u);
  state.RecordResult("a.test", Result({Row("mx1", "127.0.0.2", C::kMisordered)}));
  EXPECT_EQ(state.Find("a.test")->consecutive.at(mx1), 1u);  // a new status starts over
  state.RecordResult("a.test", Result({Row("mx1", "127.0.0.2", C::kMisordered)}));
  EXPECT_EQ(state.Find("a.test")->consecutive.at(mx1), 2u);  // confirmed
}

TEST(ExporterState, VanishedAddressesDropOut) {
  ExporterState state;
  state.ApplyConfig(ConfigWith({"a.test"}));
  using C = smtp::EhloClass;
  state.RecordResult("a.test", Result({Row("mx1", "127.0.0.2", C::kCompliant),
                                       Row("mx2", "127.0.0.3", C::kCompliant)}));
  state.RecordResult("a.test", Result({Row("mx1", "127.0.0.2", C::kCompliant),
                                       Row("mx2", "127.0.0.3", C::kNoStarttls)}));
  EXPECT_EQ(state.Find("a.test")->status_changes.size(), 1u);
  state.RecordResult("a.test", Result({Row("mx1", "127.0.0.2", C::kCompliant)}));
  const PartnerState& p = *state.Find("a.test");
  EXPECT_TRUE(p.status_changes.empty());
  EXPECT_EQ(p.consecutive.size(), 1u);
  EXPECT_TRUE(p.hidden.empty());  // the rows of the latest probe are not kept twice
  EXPECT_EQ(KnownAddresses(p).size(), 1u);
}

TEST(ExporterState, DnsFailureIsAPartnerLevelErrorRow) {
  ExporterState state;
  state.ApplyConfig(ConfigWith({"a.test"}));
  state.RecordResult("a.test", Result({Row("mx1", "127.0.0.2", smtp::EhloClass::kCompliant)}));
  probe::TargetProbeResult dns_failure;
  dns_failure.error = probe::ProbeError{probe::Stage::kDns, probe::FailureKind::kServFail, "x"};
  state.RecordResult("a.test", dns_failure);
  const PartnerState& p = *state.Find("a.test");
  EXPECT_EQ(p.probes_error, 1u);
  EXPECT_EQ(KnownAddresses(p).at(AddressKey{}).status, "error");
  EXPECT_EQ(p.consecutive.count(AddressKey{}), 1u);
  EXPECT_EQ(p.consecutive.count({"mx1", "127.0.0.2"}), 0u);
}

TEST(ExporterState, ReloadKeepsUnchangedPartnersAndDropsRemovedOnes) {
  ExporterState state;
  state.ApplyConfig(ConfigWith({"a.test", "b.test"}));
  state.RecordResult("a.test", Result({Row("mx1", "127.0.0.2", smtp::EhloClass::kCompliant)}));
  state.RecordResult("b.test", Result({Row("mx1", "127.0.0.3", smtp::EhloClass::kCompliant)}));

  config::ExporterConfig next = ConfigWith({"a.test", "c.test"});
  next.partners[0].name = "Renamed A";
  state.ApplyConfig(next);
  ASSERT_NE(state.Find("a.test"), nullptr);
  EXPECT_EQ(state.Find("a.test")->probes_success, 1u);         // state kept
  EXPECT_EQ(state.Find("a.test")->partner.name, "Renamed A");  // config updated
  EXPECT_EQ(state.Find("b.test"), nullptr);
  ASSERT_NE(state.Find("c.test"), nullptr);
  EXPECT_FALSE(state.Find("c.test")->last.has_value());
  // A result for a partner removed while its probe ran is dropped.
  EXPECT_TRUE(state.RecordResult("b.test", Result({})).empty());
  EXPECT_EQ(state.Find("b.test"), nullptr);
}

}  // namespace
}  // namespace stx::state
