#include "dns/mx_interpretation.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace stx::dns {
namespace {

using Exchangers = std::vector<std::pair<std::uint16_t, std::string>>;

MxAnswer Mx(LookupStatus status, std::vector<MxRecord> records = {}, std::string detail = "") {
  MxAnswer answer;
  answer.status = status;
  answer.records = std::move(records);
  answer.detail = std::move(detail);
  return answer;
}

Exchangers ExchangersOf(const MailRouting& routing) {
  Exchangers out;
  for (const auto& e : routing.exchangers) out.emplace_back(e.preference, e.host);
  return out;
}

struct InterpretCase {
  std::string name;
  std::string domain;
  MxAnswer mx;
  RoutingKind kind;
  Exchangers exchangers;
  std::string detail;
};

void PrintTo(const InterpretCase& c, std::ostream* os) { *os << c.name; }

class DnsInterpretMxTable : public testing::TestWithParam<InterpretCase> {};

TEST_P(DnsInterpretMxTable, BuildsRouting) {
  const InterpretCase& c = GetParam();
  const MailRouting routing = InterpretMx(c.domain, c.mx);
  EXPECT_EQ(routing.domain, c.domain);
  EXPECT_EQ(ToString(routing.kind), ToString(c.kind));
  EXPECT_EQ(routing.mx_status, c.mx.status);
  EXPECT_EQ(ExchangersOf(routing), c.exchangers);
  EXPECT_EQ(routing.detail, c.detail);
}

INSTANTIATE_TEST_SUITE_P(
    Table, DnsInterpretMxTable,
    testing::Values(InterpretCase{"SortsByPreferenceThenHost",
                                  "example.test",
                                  Mx(LookupStatus::kOk, {{20, "mx3.example.test"},
                                                         {10, "mx2.example.test"},
                                                         {10, "mx1.example.test"},
                                                         {5, "mx9.example.test"}}),
                                  RoutingKind::kMx,
                                  {{5, "mx9.example.test"},
                                   {10, "mx1.example.test"},
                                   {10, "mx2.example.test"},
                                   {20, "mx3.example.test"}},
                                  ""},
                    InterpretCase{"SingleMx",
                                  "example.test",
                                  Mx(LookupStatus::kOk, {{0, "mail.example.test"}}),
                                  RoutingKind::kMx,
                                  {{0, "mail.example.test"}},
                                  ""},
                    InterpretCase{"NullMx",
                                  "example.test",
                                  Mx(LookupStatus::kOk, {{0, ""}}),
                                  RoutingKind::kNullMx,
                                  {},
                                  ""},
                    InterpretCase{"NullMxWrittenWithDot",
                                  "example.test",
                                  Mx(LookupStatus::kOk, {{0, "."}}),
                                  RoutingKind::kNullMx,
                                  {},
                                  ""},
                    InterpretCase{"NullMxWithNonZeroPreferenceIsStillNoMail",
                                  "example.test",
                                  Mx(LookupStatus::kOk, {{10, ""}}),
                                  RoutingKind::kNullMx,
                                  {},
                                  ""},
                    InterpretCase{"NullMxMixedWithRealMxIgnoresTheDot",
                                  "example.test",
                                  Mx(LookupStatus::kOk, {{0, ""}, {10, "mx.example.test"}}),
                                  RoutingKind::kMx,
                                  {{10, "mx.example.test"}},
                                  ""},
                    InterpretCase{"NoDataIsImplicitMx",
                                  "example.test",
                                  Mx(LookupStatus::kNoData),
                                  RoutingKind::kImplicit,
                                  {{0, "example.test"}},
                                  ""},
                    InterpretCase{"ImplicitMxDropsTrailingDot",
                                  "example.test.",
                                  Mx(LookupStatus::kNoData),
                                  RoutingKind::kImplicit,
                                  {{0, "example.test"}},
                                  ""},
                    InterpretCase{"OkWithoutRecordsIsImplicitMx",
                                  "example.test",
                                  Mx(LookupStatus::kOk),
                                  RoutingKind::kImplicit,
                                  {{0, "example.test"}},
                                  ""},
                    InterpretCase{
                        "NxDomainFails",
                        "typo.test",
                        Mx(LookupStatus::kNxDomain, {}, "NXDOMAIN: the name does not exist"),
                        RoutingKind::kFailed,
                        {},
                        "MX lookup for typo.test failed: nxdomain (NXDOMAIN: the name does not "
                        "exist)"},
                    InterpretCase{"ServFailFails",
                                  "broken.test",
                                  Mx(LookupStatus::kServFail),
                                  RoutingKind::kFailed,
                                  {},
                                  "MX lookup for broken.test failed: servfail"},
                    InterpretCase{"RefusedFails",
                                  "x.test",
                                  Mx(LookupStatus::kRefused),
                                  RoutingKind::kFailed,
                                  {},
                                  "MX lookup for x.test failed: refused"},
                    InterpretCase{"TimeoutFails",
                                  "x.test",
                                  Mx(LookupStatus::kTimeout, {}, "slow"),
                                  RoutingKind::kFailed,
                                  {},
                                  "MX lookup for x.test failed: timeout (slow)"},
                    InterpretCase{"ErrorFails",
                                  "x.test",
                                  Mx(LookupStatus::kError, {}, "bad"),
                                  RoutingKind::kFailed,
                                  {},
                                  "MX lookup for x.test failed: error (bad)"}),
    [](const testing::TestParamInfo<InterpretCase>& p) { return p.param.name; });

TEST(DnsInterpretMx, CarriesTheDnssecVerdict) {
  MxAnswer mx = Mx(LookupStatus::kOk, {{10, "mx.example.test"}});
  mx.dnssec = DnssecStatus::kSecure;
  EXPECT_EQ(InterpretMx("example.test", mx).mx_dnssec, DnssecStatus::kSecure);
  mx.dnssec = DnssecStatus::kBogus;
  mx.why_bogus = "signature expired";
  EXPECT_EQ(InterpretMx("example.test", mx).mx_dnssec, DnssecStatus::kBogus);
  EXPECT_EQ(InterpretMx("example.test", mx).mx_why_bogus, "signature expired");
}

struct PrimaryCase {
  std::string name;
  Exchangers before;
  Exchangers after;
};

void PrintTo(const PrimaryCase& c, std::ostream* os) { *os << c.name; }

class DnsKeepPrimaryTable : public testing::TestWithParam<PrimaryCase> {};

TEST_P(DnsKeepPrimaryTable, KeepsLowestPreference) {
  MailRouting routing;
  routing.kind = RoutingKind::kMx;
  for (const auto& [preference, host] : GetParam().before) {
    MailExchanger e;
    e.preference = preference;
    e.host = host;
    routing.exchangers.push_back(e);
  }
  KeepPrimaryExchangers(routing);
  EXPECT_EQ(ExchangersOf(routing), GetParam().after);
}

INSTANTIATE_TEST_SUITE_P(
    Table, DnsKeepPrimaryTable,
    testing::Values(PrimaryCase{"Empty", {}, {}}, PrimaryCase{"One", {{10, "a"}}, {{10, "a"}}},
                    PrimaryCase{
                        "TiesKeepAll", {{10, "a"}, {10, "b"}, {20, "c"}}, {{10, "a"}, {10, "b"}}},
                    PrimaryCase{"Unsorted", {{30, "c"}, {5, "z"}, {5, "y"}}, {{5, "z"}, {5, "y"}}},
                    PrimaryCase{"ZeroPreference", {{0, "a"}, {1, "b"}}, {{0, "a"}}}),
    [](const testing::TestParamInfo<PrimaryCase>& p) { return p.param.name; });

AddressAnswer Addresses(LookupStatus status, std::vector<std::string> addresses = {},
                        std::string detail = "") {
  AddressAnswer answer;
  answer.status = status;
  answer.detail = std::move(detail);
  for (const auto& a : addresses) answer.addresses.push_back(boost::asio::ip::make_address(a));
  return answer;
}

struct ImplicitCase {
  std::string name;
  AddressAnswer ipv4;
  AddressAnswer ipv6;
  RoutingKind kind;
  std::string detail;
};

void PrintTo(const ImplicitCase& c, std::ostream* os) { *os << c.name; }

class DnsFinishImplicitMxTable : public testing::TestWithParam<ImplicitCase> {};

TEST_P(DnsFinishImplicitMxTable, NeedsAnAddress) {
  const ImplicitCase& c = GetParam();
  MailRouting routing = InterpretMx("example.test", Mx(LookupStatus::kNoData));
  ASSERT_EQ(routing.exchangers.size(), 1u);
  routing.exchangers[0].ipv4 = c.ipv4;
  routing.exchangers[0].ipv6 = c.ipv6;
  FinishImplicitMx(routing);
  EXPECT_EQ(ToString(routing.kind), ToString(c.kind));
  EXPECT_EQ(routing.mx_status, LookupStatus::kNoData);
  EXPECT_EQ(routing.detail, c.detail);
  EXPECT_EQ(routing.exchangers.size(), 1u);  // kept, so the address answers stay visible
}

INSTANTIATE_TEST_SUITE_P(
    Table, DnsFinishImplicitMxTable,
    testing::Values(
        ImplicitCase{"V4Only", Addresses(LookupStatus::kOk, {"192.0.2.1"}),
                     Addresses(LookupStatus::kNoData), RoutingKind::kImplicit, ""},
        ImplicitCase{"V6Only", Addresses(LookupStatus::kNoData),
                     Addresses(LookupStatus::kOk, {"2001:db8::1"}), RoutingKind::kImplicit, ""},
        ImplicitCase{"NeitherAddress", Addresses(LookupStatus::kNoData),
                     Addresses(LookupStatus::kNoData), RoutingKind::kFailed,
                     "no MX records and no address records for example.test (RFC 5321 §5.1 "
                     "implicit MX needs an address): A nodata, AAAA nodata"},
        ImplicitCase{"OnlyV4AskedAndAbsent", Addresses(LookupStatus::kNoData), NotAsked(),
                     RoutingKind::kFailed,
                     "no MX records and no address records for example.test (RFC 5321 §5.1 "
                     "implicit MX needs an address): A nodata"},
        ImplicitCase{"AddressLookupTimedOut", Addresses(LookupStatus::kTimeout, {}, "slow"),
                     Addresses(LookupStatus::kNoData), RoutingKind::kFailed,
                     "no MX records for example.test and its address lookup failed (implicit "
                     "MX, RFC 5321 §5.1): A timeout (slow), AAAA nodata"},
        ImplicitCase{"NothingAskedIsLeftAlone", NotAsked(), NotAsked(), RoutingKind::kImplicit,
                     ""}),
    [](const testing::TestParamInfo<ImplicitCase>& p) { return p.param.name; });

TEST(DnsFinishImplicitMx, LeavesOtherKindsAlone) {
  MailRouting routing = InterpretMx("example.test", Mx(LookupStatus::kOk, {{10, "mx.test"}}));
  routing.exchangers[0].ipv4 = Addresses(LookupStatus::kNoData);
  routing.exchangers[0].ipv6 = Addresses(LookupStatus::kNoData);
  FinishImplicitMx(routing);
  EXPECT_EQ(routing.kind, RoutingKind::kMx);
}

TEST(DnsNotAsked, IsRecognised) {
  EXPECT_TRUE(IsNotAsked(NotAsked()));
  EXPECT_EQ(NotAsked().status, LookupStatus::kError);
  EXPECT_EQ(NotAsked().detail, "not asked");
  EXPECT_FALSE(IsNotAsked(Addresses(LookupStatus::kError, {}, "other")));
}

TEST(DnsToString, NamesEveryValue) {
  EXPECT_EQ(ToString(LookupStatus::kOk), "ok");
  EXPECT_EQ(ToString(LookupStatus::kNoData), "nodata");
  EXPECT_EQ(ToString(LookupStatus::kNxDomain), "nxdomain");
  EXPECT_EQ(ToString(LookupStatus::kServFail), "servfail");
  EXPECT_EQ(ToString(LookupStatus::kRefused), "refused");
  EXPECT_EQ(ToString(LookupStatus::kTimeout), "timeout");
  EXPECT_EQ(ToString(LookupStatus::kError), "error");
  EXPECT_EQ(ToString(RoutingKind::kMx), "mx");
  EXPECT_EQ(ToString(RoutingKind::kImplicit), "implicit_mx");
  EXPECT_EQ(ToString(RoutingKind::kNullMx), "null_mx");
  EXPECT_EQ(ToString(RoutingKind::kFailed), "failed");
}

}  // namespace
}  // namespace stx::dns
