// The failure-reason taxonomy "<stage>_<kind>" of agent/probe/probe_result.hpp: pure, no I/O.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "probe/probe_result.hpp"

namespace stx::probe {
namespace {

struct RefusalCase {
  Stage stage;
  int code;
  const char* reason;
};

class RefusalTable : public ::testing::TestWithParam<RefusalCase> {};

// RFC 5321 §3.8 / §4.2.3: 421 is "service not available, closing transmission channel" —
// transient, often rate limiting aimed at the prober — and gets its own reason; every other
// negative reply (5xx policy refusals, other 4xx) is "rejected".
TEST_P(RefusalTable, ReasonOfANegativeReply) {
  const RefusalCase& c = GetParam();
  const ProbeError error{c.stage, RefusalKind(c.code), "x"};
  EXPECT_EQ(error.Reason(), c.reason) << c.code;
}

INSTANTIATE_TEST_SUITE_P(Probe, RefusalTable,
                         ::testing::Values(RefusalCase{Stage::kBanner, 554, "banner_rejected"},
                                           RefusalCase{Stage::kBanner, 421, "banner_unavailable"},
                                           RefusalCase{Stage::kBanner, 450, "banner_rejected"},
                                           RefusalCase{Stage::kEhlo, 421, "ehlo_unavailable"},
                                           RefusalCase{Stage::kEhlo, 550, "ehlo_rejected"},
                                           RefusalCase{Stage::kEhlo, 454, "ehlo_rejected"},
                                           RefusalCase{Stage::kEhlo, 502, "ehlo_rejected"}));

TEST(ProbeResult, EveryFailureKindHasItsOwnName) {
  const FailureKind kinds[] = {FailureKind::kTimeout,     FailureKind::kRefused,
                               FailureKind::kUnreachable, FailureKind::kClosed,
                               FailureKind::kReset,       FailureKind::kRejected,
                               FailureKind::kUnavailable, FailureKind::kProtocolViolation,
                               FailureKind::kTooLarge,    FailureKind::kNxDomain,
                               FailureKind::kServFail,    FailureKind::kNoData,
                               FailureKind::kFailed};
  std::set<std::string_view> names;
  for (const FailureKind kind : kinds) {
    const std::string_view name = ToString(kind);
    EXPECT_FALSE(name.empty());
    EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_"), std::string_view::npos)
        << name;  // a label value: snake_case
    EXPECT_TRUE(names.insert(name).second) << name << " named twice";
  }
  EXPECT_EQ(ToString(FailureKind::kUnavailable), "unavailable");
}

}  // namespace
}  // namespace stx::probe
