// The real Resolver (libunbound on Asio) against the real dnsmasq on 127.0.0.1: every case of
// MailRouting, the lookup statuses dnsmasq can produce, and TCP fallback. Loopback only.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/asio.hpp"
#include "dns/resolver.hpp"
#include "support/dnsmasq_server.hpp"
#include "support/run_bounded.hpp"

namespace stx::dns {
namespace {

using test::RunBounded;

using testing::ElementsAre;
using testing::HasSubstr;
using testing::IsEmpty;
using testing::Not;
using testing::UnorderedElementsAreArray;

/// Runs `op` on `io` until it completes; fails the test if that takes longer than `limit`.
// A lookup that does not complete in time is a failure, reported with a default answer.
template <typename T>
T Lookup(asio::io_context& io, awaitable<T> op) {
  const std::chrono::milliseconds limit = std::chrono::seconds(10);
  std::optional<T> result = RunBounded(io, std::move(op), limit);
  if (!result) {
    ADD_FAILURE() << "lookup did not complete within " << limit.count() << "ms";
    return T{};
  }
  return std::move(*result);
}

std::vector<std::string> Strings(const AddressAnswer& answer) {
  std::vector<std::string> out;
  for (const auto& a : answer.addresses) out.push_back(a.to_string());
  return out;
}

/// The test zone. multi.test has four MX (one tie), exchangers with A only, AAAA only, both
/// and neither.
std::vector<std::string> ZoneRecords() {
  return {
      "--mx-host=multi.test,mx-b.multi.test,20", "--mx-host=multi.test,mx-backup.multi.test,30",
      "--mx-host=multi.test,mx-a.multi.test,20", "--mx-host=multi.test,mx-primary.multi.test,10",
      "--host-record=mx-primary.multi.test,192.0.2.10,2001:db8::10",
      "--host-record=mx-primary.multi.test,192.0.2.11", "--host-record=mx-a.multi.test,192.0.2.20",
      "--host-record=mx-b.multi.test,2001:db8::20",
      // mx-backup.multi.test has no address at all: NXDOMAIN for A and AAAA.
      "--host-record=implicit.test,192.0.2.30,2001:db8::30",  // no MX: implicit MX
      "--host-record=implicit4.test,192.0.2.31",
      "--dns-rr=nullmx.test,15,000000",  // MX 0 "." (RFC 7505): preference 0, root name
      "--mx-host=mixed.test,mx.mixed.test,10", "--dns-rr=mixed.test,15,000000",
      "--host-record=mx.mixed.test,192.0.2.40",
      "--txt-record=nodata.test,no mail here",  // exists, but no MX, A or AAAA
  };
}

class DnsResolverWithDnsmasq : public testing::Test {
 protected:
  void SetUp() override { Start(ZoneRecords()); }

  void Start(std::vector<std::string> records) {
    resolver_.reset();
    dnsmasq_ = std::make_unique<test::DnsmasqServer>(std::move(records));
    resolver_ = std::make_unique<Resolver>(io_.get_executor(), Options(dnsmasq_->server()));
  }

  static ResolverOptions Options(std::string server) {
    ResolverOptions options;
    options.server = std::move(server);
    options.timeout = std::chrono::milliseconds(1000);
    options.tries = 2;
    options.trust_anchor_file = STX_UNUSED_TRUST_ANCHOR;
    return options;
  }

  void TearDown() override {
    if (HasFailure() && dnsmasq_) std::cerr << "dnsmasq log:\n" << dnsmasq_->Log();
    resolver_.reset();  // before io_
  }

  MxAnswer Mx(const std::string& name) { return Lookup(io_, resolver_->LookupMx(name)); }
  AddressAnswer Addresses(const std::string& name, AddressFamily family) {
    return Lookup(io_, resolver_->LookupAddresses(name, family));
  }
  MailRouting Routing(const std::string& domain, RoutingOptions options = {}) {
    return Lookup(io_, resolver_->ResolveMailRouting(domain, options));
  }

  asio::io_context io_;
  std::unique_ptr<test::DnsmasqServer> dnsmasq_;
  std::unique_ptr<Resolver> resolver_;
};

TEST_F(DnsResolverWithDnsmasq, MxRecordsSortedByPreferenceThenHost) {
  const MxAnswer mx = Mx("multi.test");
  ASSERT_EQ(mx.status, LookupStatus::kOk) << mx.detail;
  std::vector<std::pair<int, std::string>> records;
  for (const auto& r : mx.records) records.emplace_back(r.preference, r.host);
  EXPECT_THAT(records, ElementsAre(std::pair<int, std::string>{10, "mx-primary.multi.test"},
                                   std::pair<int, std::string>{20, "mx-a.multi.test"},
                                   std::pair<int, std::string>{20, "mx-b.multi.test"},
                                   std::pair<int, std::string>{30, "mx-backup.multi.test"}));
  EXPECT_EQ(mx.dnssec, DnssecStatus::kInsecure);  // dnsmasq's zones are unsigned
}

TEST_F(DnsResolverWithDnsmasq, AddressLookups) {
  const AddressAnswer v4 = Addresses("mx-primary.multi.test", AddressFamily::kV4);
  ASSERT_EQ(v4.status, LookupStatus::kOk) << v4.detail;
  EXPECT_THAT(Strings(v4), UnorderedElementsAreArray({"192.0.2.10", "192.0.2.11"}));
  const AddressAnswer v6 = Addresses("mx-primary.multi.test", AddressFamily::kV6);
  ASSERT_EQ(v6.status, LookupStatus::kOk) << v6.detail;
  EXPECT_THAT(Strings(v6), ElementsAre("2001:db8::10"));
  EXPECT_EQ(Addresses("mx-a.multi.test", AddressFamily::kV6).status, LookupStatus::kNoData);
  EXPECT_EQ(Addresses("nothing.multi.test", AddressFamily::kV4).status, LookupStatus::kNxDomain);
}

TEST_F(DnsResolverWithDnsmasq, RoutingLooksUpEveryExchanger) {
  const MailRouting routing = Routing("multi.test");
  EXPECT_EQ(routing.kind, RoutingKind::kMx) << routing.detail;
  EXPECT_EQ(routing.mx_status, LookupStatus::kOk);
  ASSERT_EQ(routing.exchangers.size(), 4u);
  const auto& primary = routing.exchangers[0];
  EXPECT_EQ(primary.host, "mx-primary.multi.test");
  EXPECT_EQ(primary.preference, 10);
  EXPECT_THAT(Strings(primary.ipv4), UnorderedElementsAreArray({"192.0.2.10", "192.0.2.11"}));
  EXPECT_THAT(Strings(primary.ipv6), ElementsAre("2001:db8::10"));

  EXPECT_EQ(routing.exchangers[1].host, "mx-a.multi.test");
  EXPECT_THAT(Strings(routing.exchangers[1].ipv4), ElementsAre("192.0.2.20"));
  EXPECT_EQ(routing.exchangers[1].ipv6.status, LookupStatus::kNoData);

  EXPECT_EQ(routing.exchangers[2].host, "mx-b.multi.test");
  EXPECT_EQ(routing.exchangers[2].ipv4.status, LookupStatus::kNoData);
  EXPECT_THAT(Strings(routing.exchangers[2].ipv6), ElementsAre("2001:db8::20"));

  EXPECT_EQ(routing.exchangers[3].host, "mx-backup.multi.test");
  EXPECT_EQ(routing.exchangers[3].preference, 30);
  EXPECT_EQ(routing.exchangers[3].ipv4.status, LookupStatus::kNxDomain);
  EXPECT_EQ(routing.exchangers[3].ipv6.status, LookupStatus::kNxDomain);
}

TEST_F(DnsResolverWithDnsmasq, PrimaryOnlyKeepsLowestPreference) {
  RoutingOptions options;
  options.primary_only = true;
  const MailRouting routing = Routing("multi.test", options);
  EXPECT_EQ(routing.kind, RoutingKind::kMx);
  ASSERT_EQ(routing.exchangers.size(), 1u);
  EXPECT_EQ(routing.exchangers[0].host, "mx-primary.multi.test");
  // Only the primary's addresses were asked for.
  EXPECT_THAT(dnsmasq_->Log(), Not(HasSubstr("query[A] mx-a.multi.test")));
}

TEST_F(DnsResolverWithDnsmasq, Ipv4OnlyDoesNotAskAaaa) {
  RoutingOptions options;
  options.ipv6 = false;
  const MailRouting routing = Routing("multi.test", options);
  ASSERT_EQ(routing.exchangers.size(), 4u);
  for (const auto& e : routing.exchangers) {
    EXPECT_EQ(e.ipv6.status, LookupStatus::kError) << e.host;
    EXPECT_EQ(e.ipv6.detail, "not asked") << e.host;
    EXPECT_NE(e.ipv4.detail, "not asked") << e.host;
  }
  EXPECT_THAT(Strings(routing.exchangers[0].ipv4),
              UnorderedElementsAreArray({"192.0.2.10", "192.0.2.11"}));
  EXPECT_THAT(dnsmasq_->Log(), Not(HasSubstr("query[AAAA]")));
}

TEST_F(DnsResolverWithDnsmasq, Ipv6OnlyDoesNotAskA) {
  RoutingOptions options;
  options.ipv4 = false;
  const MailRouting routing = Routing("multi.test", options);
  ASSERT_EQ(routing.exchangers.size(), 4u);
  for (const auto& e : routing.exchangers) EXPECT_EQ(e.ipv4.detail, "not asked") << e.host;
  EXPECT_THAT(Strings(routing.exchangers[0].ipv6), ElementsAre("2001:db8::10"));
  EXPECT_THAT(dnsmasq_->Log(), Not(HasSubstr("query[A] ")));
}

TEST_F(DnsResolverWithDnsmasq, ImplicitMx) {
  EXPECT_EQ(Mx("implicit.test").status, LookupStatus::kNoData);
  const MailRouting routing = Routing("implicit.test");
  EXPECT_EQ(routing.kind, RoutingKind::kImplicit) << routing.detail;
  EXPECT_EQ(routing.mx_status, LookupStatus::kNoData);
  ASSERT_EQ(routing.exchangers.size(), 1u);
  EXPECT_EQ(routing.exchangers[0].host, "implicit.test");
  EXPECT_EQ(routing.exchangers[0].preference, 0);
  EXPECT_THAT(Strings(routing.exchangers[0].ipv4), ElementsAre("192.0.2.30"));
  EXPECT_THAT(Strings(routing.exchangers[0].ipv6), ElementsAre("2001:db8::30"));
}

TEST_F(DnsResolverWithDnsmasq, ImplicitMxWithoutAddressOfAskedFamilyFails) {
  RoutingOptions options;
  options.ipv4 = false;
  const MailRouting routing = Routing("implicit4.test", options);  // has only an A record
  EXPECT_EQ(routing.kind, RoutingKind::kFailed);
  EXPECT_EQ(routing.mx_status, LookupStatus::kNoData);
  EXPECT_THAT(routing.detail, HasSubstr("no MX records and no address records"));
  EXPECT_THAT(routing.detail, HasSubstr("AAAA nodata"));
}

TEST_F(DnsResolverWithDnsmasq, NullMx) {
  const MxAnswer mx = Mx("nullmx.test");
  ASSERT_EQ(mx.status, LookupStatus::kOk) << mx.detail;
  ASSERT_EQ(mx.records.size(), 1u);
  EXPECT_EQ(mx.records[0].preference, 0);
  EXPECT_EQ(mx.records[0].host, "");

  const MailRouting routing = Routing("nullmx.test");
  EXPECT_EQ(routing.kind, RoutingKind::kNullMx);
  EXPECT_EQ(routing.mx_status, LookupStatus::kOk);
  EXPECT_THAT(routing.exchangers, IsEmpty());
  EXPECT_EQ(routing.detail, "");
  // No address lookups for a domain that accepts no mail.
  EXPECT_THAT(dnsmasq_->Log(), Not(HasSubstr("query[A] nullmx.test")));
}

TEST_F(DnsResolverWithDnsmasq, NullMxMixedWithRealMxIsIgnored) {
  const MailRouting routing = Routing("mixed.test");
  EXPECT_EQ(routing.kind, RoutingKind::kMx);
  ASSERT_EQ(routing.exchangers.size(), 1u);
  EXPECT_EQ(routing.exchangers[0].host, "mx.mixed.test");
  EXPECT_THAT(Strings(routing.exchangers[0].ipv4), ElementsAre("192.0.2.40"));
}

TEST_F(DnsResolverWithDnsmasq, NxDomain) {
  const MxAnswer mx = Mx("typo.test");
  EXPECT_EQ(mx.status, LookupStatus::kNxDomain);
  EXPECT_THAT(mx.detail, HasSubstr("NXDOMAIN"));
  const MailRouting routing = Routing("typo.test");
  EXPECT_EQ(routing.kind, RoutingKind::kFailed);
  EXPECT_EQ(routing.mx_status, LookupStatus::kNxDomain);
  EXPECT_THAT(routing.detail, HasSubstr("MX lookup for typo.test failed: nxdomain"));
  EXPECT_THAT(routing.exchangers, IsEmpty());
}

TEST_F(DnsResolverWithDnsmasq, NameWithoutMxOrAddressFails) {
  const MxAnswer mx = Mx("nodata.test");
  EXPECT_EQ(mx.status, LookupStatus::kNoData);
  const MailRouting routing = Routing("nodata.test");
  EXPECT_EQ(routing.kind, RoutingKind::kFailed);
  EXPECT_EQ(routing.mx_status, LookupStatus::kNoData);
  EXPECT_THAT(routing.detail, HasSubstr("no MX records and no address records for nodata.test"));
  EXPECT_THAT(routing.detail, HasSubstr("A nodata, AAAA nodata"));
}

TEST_F(DnsResolverWithDnsmasq, RefusedUpstreamIsServFail) {
  // Outside the local zone with no upstream server, dnsmasq answers REFUSED (it forwards
  // nowhere). A recursive resolver does not pass an upstream's REFUSED on: it found no
  // server that would answer, which it reports as SERVFAIL (RFC 1035 §4.1.1, RFC 8914 §4.21).
  const MxAnswer mx = Mx("example.com");
  EXPECT_EQ(mx.status, LookupStatus::kServFail) << mx.detail;
  EXPECT_THAT(mx.detail, HasSubstr("refused query"));
  EXPECT_THAT(dnsmasq_->Log(), HasSubstr("query[MX] example.com from"));
  const MailRouting routing = Routing("example.com");
  EXPECT_EQ(routing.kind, RoutingKind::kFailed);
  EXPECT_EQ(routing.mx_status, LookupStatus::kServFail);
}

TEST_F(DnsResolverWithDnsmasq, ServFailFromDnssecValidationFailure) {
  test::DnsmasqOptions upstream_options;
  upstream_options.args = {"--mx-host=servfail.test,mx.servfail.test,10",
                           "--host-record=mx.servfail.test,192.0.2.50"};
  upstream_options.local_zones = {"servfail.test"};
  test::DnsmasqServer upstream(upstream_options);
  auto records = ZoneRecords();
  for (auto& arg : test::DnsmasqServer::ServFailZoneArgs("servfail.test", upstream.port())) {
    records.push_back(std::move(arg));
  }
  Start(records);

  const MxAnswer mx = Mx("servfail.test");
  EXPECT_EQ(mx.status, LookupStatus::kServFail) << mx.detail;
  EXPECT_THAT(mx.detail, HasSubstr("SERVFAIL"));
  const MailRouting routing = Routing("servfail.test");
  EXPECT_EQ(routing.kind, RoutingKind::kFailed);
  EXPECT_EQ(routing.mx_status, LookupStatus::kServFail);
  EXPECT_THAT(dnsmasq_->Log(), HasSubstr("validation servfail.test is BOGUS"));
  // The local zone is unaffected by validation.
  EXPECT_EQ(Routing("multi.test").kind, RoutingKind::kMx);
}

TEST_F(DnsResolverWithDnsmasq, LargeAnswerFallsBackToTcp) {
  // 100 AAAA records (~2.8 kB) do not fit the 1232-byte EDNS0 UDP payload: dnsmasq sets TC and
  // the resolver repeats the query over TCP (RFC 7766), then keeps the connection open for
  // more (RFC 7766 §6.2.1), which must not stall the next questions.
  std::vector<std::string> records = ZoneRecords();
  std::vector<std::string> expected;
  for (int i = 1; i <= 100; ++i) {
    records.push_back("--host-record=big.test,2001:db8::" + std::to_string(i));
    expected.push_back("2001:db8::" + std::to_string(i));
  }
  Start(records);
  const AddressAnswer answer = Addresses("big.test", AddressFamily::kV6);
  ASSERT_EQ(answer.status, LookupStatus::kOk) << answer.detail;
  EXPECT_THAT(Strings(answer), UnorderedElementsAreArray(expected));
  const MxAnswer after = Mx("multi.test");
  EXPECT_EQ(after.records.size(), 4u) << after.detail << "\n"
                                      << dnsmasq_->Log();  // UDP still fine afterwards
}

TEST_F(DnsResolverWithDnsmasq, ManyConcurrentRoutings) {
  constexpr int kCount = 40;
  std::vector<std::optional<MailRouting>> results(kCount);
  int finished = 0;
  for (int i = 0; i < kCount; ++i) {
    auto done = [&results, &finished, i](std::exception_ptr e, MailRouting routing) {
      if (!e) results[static_cast<std::size_t>(i)] = std::move(routing);
      ++finished;
    };
    const std::string domain = i % 2 == 0 ? "multi.test" : "implicit.test";
    asio::co_spawn(io_, resolver_->ResolveMailRouting(domain, {}), done);
  }
  io_.run_for(std::chrono::seconds(10));
  ASSERT_EQ(finished, kCount);
  for (int i = 0; i < kCount; ++i) {
    const auto& r = results[static_cast<std::size_t>(i)];
    ASSERT_TRUE(r.has_value()) << i;
    EXPECT_EQ(r->kind, i % 2 == 0 ? RoutingKind::kMx : RoutingKind::kImplicit) << i;
    EXPECT_EQ(r->exchangers.size(), i % 2 == 0 ? 4u : 1u) << i;
  }
}

TEST_F(DnsResolverWithDnsmasq, QueriesExactlyTheNameGiven) {
  EXPECT_EQ(Mx("multi.test.").status, LookupStatus::kOk);
  // No search list: a relative-looking name is asked as is, never with a suffix appended.
  EXPECT_EQ(Mx("multi").status, LookupStatus::kServFail);  // dnsmasq refused it
  EXPECT_THAT(dnsmasq_->Log(), HasSubstr("query[MX] multi from"));
  EXPECT_THAT(dnsmasq_->Log(), Not(HasSubstr("query[MX] multi.test.")));
}

TEST_F(DnsResolverWithDnsmasq, ServerOverIpv6Loopback) {
  resolver_.reset();
  test::DnsmasqOptions options;
  options.args = ZoneRecords();
  options.listen_ipv6 = true;
  dnsmasq_ = std::make_unique<test::DnsmasqServer>(options);
  resolver_ = std::make_unique<Resolver>(io_.get_executor(), Options(dnsmasq_->server_v6()));
  const MailRouting routing = Routing("implicit.test");
  EXPECT_EQ(routing.kind, RoutingKind::kImplicit) << routing.detail;
  EXPECT_THAT(dnsmasq_->Log(), HasSubstr("query[MX] implicit.test from ::1"));
}

}  // namespace
}  // namespace stx::dns
