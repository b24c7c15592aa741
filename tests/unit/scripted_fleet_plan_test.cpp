// The fleet plan: mix parsing, exact apportionment, deterministic order, names and addresses.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <stdexcept>

#include "scripted/behaviours.hpp"
#include "scripted/fleet_plan.hpp"

namespace stx::scripted {
namespace {

std::map<std::string, std::size_t> CountByBehaviour(const std::vector<FleetPartner>& partners) {
  std::map<std::string, std::size_t> counts;
  for (const FleetPartner& p : partners) ++counts[p.behaviour];
  return counts;
}

TEST(FleetMix, ParsesNamesAndWeights) {
  const auto mix = ParseFleetMix("compliant=70,misordered=20,hostile=10");
  ASSERT_EQ(mix.size(), 3u);
  EXPECT_EQ(mix[0].behaviour, "compliant");
  EXPECT_EQ(mix[0].weight, 70u);
  EXPECT_EQ(mix[2].behaviour, "hostile");
  EXPECT_EQ(mix[2].weight, 10u);
}

TEST(FleetMix, RejectsBadEntriesNamingThem) {
  const struct {
    const char* text;
    const char* message;
  } cases[] = {
      {"", "fleet mix: empty"},
      {"compliant", "fleet mix: expected NAME=WEIGHT, found 'compliant'"},
      {"=5", "fleet mix: expected NAME=WEIGHT, found '=5'"},
      {"nonesuch=1", "fleet mix: unknown behaviour 'nonesuch'"},
      {"compliant=0", "fleet mix: weight of 'compliant' must be a positive integer, found '0'"},
      {"compliant=x", "fleet mix: weight of 'compliant' must be a positive integer, found 'x'"},
      {"compliant=-1", "fleet mix: weight of 'compliant' must be a positive integer, found '-1'"},
      {"compliant=1,compliant=2", "fleet mix: 'compliant' given twice"},
  };
  for (const auto& c : cases) {
    try {
      ParseFleetMix(c.text);
      ADD_FAILURE() << "accepted '" << c.text << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()), c.message) << c.text;
    }
  }
}

TEST(FleetMix, HostileIsEveryBehaviourButTheWellFormedOnes) {
  const auto hostile = HostileBehaviourNames();
  for (const char* well_formed : {"compliant", "misordered", "no_starttls", "multiline_banner",
                                  "expired_cert", "wrong_host_cert"}) {
    EXPECT_EQ(std::count(hostile.begin(), hostile.end(), well_formed), 0) << well_formed;
  }
  for (const char* name : {"silent", "slow_banner", "broken_tls", "premature_final",
                           "plaintext_injection", "masked", "starttls_refused"}) {
    EXPECT_EQ(std::count(hostile.begin(), hostile.end(), name), 1) << name;
  }
  EXPECT_EQ(hostile.size() + 6, BehaviourNames().size());
}

TEST(FleetPlan, CountsFollowTheWeightsExactly) {
  // 10 partners over weights 1:1:1 -> 3.33 each: the leftover partner goes to the first share.
  const auto partners = PlanFleet(
      {10, "127.1.0.1", ParseFleetMix("compliant=1,misordered=1,no_starttls=1"), "fleet.test", 1});
  const auto counts = CountByBehaviour(partners);
  EXPECT_EQ(counts.at("compliant"), 4u);
  EXPECT_EQ(counts.at("misordered"), 3u);
  EXPECT_EQ(counts.at("no_starttls"), 3u);

  // 70/20/10 of 1,000 exactly.
  const auto big = CountByBehaviour(
      PlanFleet({1000, "127.1.0.1", ParseFleetMix("compliant=70,misordered=20,no_starttls=10"),
                 "x.test", 7}));
  EXPECT_EQ(big.at("compliant"), 700u);
  EXPECT_EQ(big.at("misordered"), 200u);
  EXPECT_EQ(big.at("no_starttls"), 100u);
}

TEST(FleetPlan, OneMixAndSeedAlwaysGiveTheSameFleet) {
  const auto mix = ParseFleetMix("compliant=50,misordered=30,hostile=20");
  const auto a = PlanFleet({500, "127.1.0.1", mix, "fleet.test", 42});
  const auto b = PlanFleet({500, "127.1.0.1", mix, "fleet.test", 42});
  const auto c = PlanFleet({500, "127.1.0.1", mix, "fleet.test", 43});
  std::vector<std::string> order_a, order_b, order_c;
  for (const auto& p : a) order_a.push_back(p.behaviour);
  for (const auto& p : b) order_b.push_back(p.behaviour);
  for (const auto& p : c) order_c.push_back(p.behaviour);
  EXPECT_EQ(order_a, order_b);
  EXPECT_NE(order_a, order_c);                          // another seed, another order...
  EXPECT_EQ(CountByBehaviour(a), CountByBehaviour(c));  // ...same counts
}

TEST(FleetPlan, HostileSharesGoRoundRobinOverEveryHostileBehaviour) {
  const auto hostile = HostileBehaviourNames();
  const std::size_t n = hostile.size() * 3;
  const auto partners = PlanFleet({n, "127.1.0.1", ParseFleetMix("hostile=1"), "fleet.test", 1});
  for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(partners[i].behaviour, hostile[i % hostile.size()]);
}

TEST(FleetPlan, NamesAndAddressesCountUpSkippingZeroAnd255) {
  const auto partners =
      PlanFleet({3, "127.1.0.254", ParseFleetMix("compliant=1"), "fleet.test", 1});
  ASSERT_EQ(partners.size(), 3u);
  EXPECT_EQ(partners[0].domain, "p00001.fleet.test");
  EXPECT_EQ(partners[0].mx_host, "mx-00001.fleet.test");
  EXPECT_EQ(partners[0].address, "127.1.0.254");
  EXPECT_EQ(partners[1].address, "127.1.1.1");  // not .255, not .0
  EXPECT_EQ(partners[2].address, "127.1.1.2");
  EXPECT_EQ(partners[2].domain, "p00003.fleet.test");
  // A first address ending in .0 starts at .1.
  EXPECT_EQ(PlanFleet({1, "127.2.0.0", ParseFleetMix("compliant=1"), "f.test", 1})[0].address,
            "127.2.0.1");
  // Names widen past 99,999 partners.
  const auto wide = PlanFleet({100000, "127.1.0.1", ParseFleetMix("compliant=1"), "f.test", 1});
  EXPECT_EQ(wide.back().domain, "p100000.f.test");
  EXPECT_EQ(wide.front().domain, "p000001.f.test");
}

TEST(FleetPlan, RefusesToLeaveTheLoopbackNetwork) {
  const auto mix = ParseFleetMix("compliant=1");
  EXPECT_THROW(PlanFleet({3, "127.255.255.253", mix, "fleet.test", 1}), std::invalid_argument);
  EXPECT_THROW(PlanFleet({1, "10.0.0.1", mix, "fleet.test", 1}), std::invalid_argument);
  EXPECT_THROW(PlanFleet({1, "not-an-address", mix, "fleet.test", 1}), std::invalid_argument);
  EXPECT_THROW(PlanFleet({1, "127.1.0.1", {}, "fleet.test", 1}), std::invalid_argument);
}

}  // namespace
}  // namespace stx::scripted
