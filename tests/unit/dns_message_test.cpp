// ParseMxAnswer / ParseAddressAnswer / ReadWireName on answers as the validating resolver
// hands them over: RCODE, data flag, DNSSEC verdict and each record's RDATA in wire format
// (RFC 1035 §3.3.9 MX, §3.4.1 A; RFC 3596 §2.2 AAAA).
#include "dns/dns_message.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace stx::dns {
namespace {

using namespace std::string_literals;

/// A wire-format name from dotted text (test input only: no escapes).
std::string Wire(const std::string& dotted) {
  std::string out;
  std::size_t start = 0;
  while (start < dotted.size()) {
    std::size_t dot = dotted.find('.', start);
    if (dot == std::string::npos) dot = dotted.size();
    out += static_cast<char>(dot - start);
    out += dotted.substr(start, dot - start);
    start = dot + 1;
  }
  return out + '\0';
}

std::string MxRdata(int preference, const std::string& host) {
  return std::string{static_cast<char>(preference >> 8), static_cast<char>(preference & 0xff)} +
         Wire(host);
}

RawAnswer Answer(std::vector<std::string> records, DnssecStatus dnssec = DnssecStatus::kInsecure) {
  RawAnswer raw;
  raw.rcode = 0;
  raw.have_data = !records.empty();
  raw.records = std::move(records);
  raw.dnssec = dnssec;
  return raw;
}

RawAnswer Rcode(int rcode) {
  RawAnswer raw;
  raw.rcode = rcode;
  return raw;
}

RawAnswer Failure(std::string why, bool timed_out = false) {
  RawAnswer raw;
  raw.failure = std::move(why);
  raw.timed_out = timed_out;
  return raw;
}

TEST(DnsParseMxAnswer, SortsRecords) {
  // The upstream's order (mx2 first) is not the order senders try (RFC 5321 §5.1).
  const MxAnswer mx =
      ParseMxAnswer(Answer({MxRdata(20, "mx2.mail.test"), MxRdata(10, "mx1.mail.test")}));
  EXPECT_EQ(mx.status, LookupStatus::kOk);
  ASSERT_EQ(mx.records.size(), 2u);
  EXPECT_EQ(mx.records[0].preference, 10);
  EXPECT_EQ(mx.records[0].host, "mx1.mail.test");
  EXPECT_EQ(mx.records[1].preference, 20);
  EXPECT_EQ(mx.records[1].host, "mx2.mail.test");
  EXPECT_EQ(mx.dnssec, DnssecStatus::kInsecure);
  EXPECT_EQ(mx.detail, "");
}

TEST(DnsParseMxAnswer, CarriesTheDnssecVerdict) {
  EXPECT_EQ(ParseMxAnswer(Answer({MxRdata(10, "mx.test")}, DnssecStatus::kSecure)).dnssec,
            DnssecStatus::kSecure);
  RawAnswer bogus = Answer({MxRdata(10, "mx.test")}, DnssecStatus::kBogus);
  bogus.why_bogus = "signature expired";
  const MxAnswer mx = ParseMxAnswer(bogus);
  EXPECT_EQ(mx.dnssec, DnssecStatus::kBogus);
  EXPECT_EQ(mx.why_bogus, "signature expired");
  // A proven denial of existence is secure too (RFC 4035 §5.4).
  RawAnswer nx = Rcode(3);
  nx.dnssec = DnssecStatus::kSecure;
  EXPECT_EQ(ParseMxAnswer(nx).status, LookupStatus::kNxDomain);
  EXPECT_EQ(ParseMxAnswer(nx).dnssec, DnssecStatus::kSecure);
}

TEST(DnsParseMxAnswer, NullMxIsTheRootName) {
  const MxAnswer mx = ParseMxAnswer(Answer({"\0\0\0"s}));
  EXPECT_EQ(mx.status, LookupStatus::kOk);
  ASSERT_EQ(mx.records.size(), 1u);
  EXPECT_EQ(mx.records[0].preference, 0);
  EXPECT_EQ(mx.records[0].host, "");
}

struct StatusCase {
  std::string name;
  RawAnswer raw;
  LookupStatus status;
  std::string detail_contains;
};

void PrintTo(const StatusCase& c, std::ostream* os) { *os << c.name; }

class DnsParseStatusTable : public testing::TestWithParam<StatusCase> {};

TEST_P(DnsParseStatusTable, MapsStatus) {
  const StatusCase& c = GetParam();
  const MxAnswer mx = ParseMxAnswer(c.raw);
  EXPECT_EQ(ToString(mx.status), ToString(c.status));
  EXPECT_TRUE(mx.records.empty());
  EXPECT_NE(mx.detail.find(c.detail_contains), std::string::npos) << mx.detail;
}

INSTANTIATE_TEST_SUITE_P(
    Table, DnsParseStatusTable,
    testing::Values(StatusCase{"NxDomain", Rcode(3), LookupStatus::kNxDomain, "NXDOMAIN"},
                    StatusCase{"NoData", Rcode(0), LookupStatus::kNoData, "no MX records"},
                    StatusCase{"ServFail", Rcode(2), LookupStatus::kServFail, "SERVFAIL"},
                    StatusCase{"Refused", Rcode(5), LookupStatus::kRefused, "REFUSED"},
                    StatusCase{"FormErr", Rcode(1), LookupStatus::kError, "RCODE 1"},
                    StatusCase{"Timeout",
                               Failure("no answer from the DNS server within 4500 ms", true),
                               LookupStatus::kTimeout, "no answer"},
                    StatusCase{"Destroyed",
                               Failure("resolver destroyed while the query was in flight"),
                               LookupStatus::kError, "resolver destroyed"},
                    StatusCase{"TruncatedRdata", Answer({MxRdata(10, "mx.test").substr(0, 6)}),
                               LookupStatus::kError, "malformed MX record"},
                    StatusCase{"TrailingBytes", Answer({MxRdata(10, "mx.test") + "x"}),
                               LookupStatus::kError, "malformed MX record"},
                    StatusCase{"CompressionPointer", Answer({"\0\x0a\xc0\x0c"s}),
                               LookupStatus::kError, "malformed MX record"}),
    [](const testing::TestParamInfo<StatusCase>& p) { return p.param.name; });

TEST(DnsReadWireName, EscapesWhatIsNotAHostNameCharacter) {
  std::string name;
  std::size_t pos = 0;
  const std::string wire =
      "\x04"
      "a.b\n"
      "\x04"
      "test"
      "\0"s;
  ASSERT_TRUE(ReadWireName(wire, pos, name));
  EXPECT_EQ(name, "a\\.b\\010.test");
  EXPECT_EQ(pos, wire.size());
  pos = 0;
  EXPECT_FALSE(
      ReadWireName("\x05"
                   "abc"s,
                   pos, name))
      << "label past the end";
  EXPECT_FALSE(
      ReadWireName("\x03"
                   "abc"s,
                   pos, name))
      << "no root label";
  EXPECT_EQ(pos, 0u);
}

TEST(DnsParseAddressAnswer, ReadsA) {
  const AddressAnswer a =
      ParseAddressAnswer(Answer({"\xc0\x00\x02\x02"s, "\xc0\x00\x02\x01"s}), AddressFamily::kV4);
  EXPECT_EQ(a.status, LookupStatus::kOk);
  ASSERT_EQ(a.addresses.size(), 2u);
  EXPECT_EQ(a.addresses[0].to_string(), "192.0.2.2");
  EXPECT_EQ(a.addresses[1].to_string(), "192.0.2.1");
}

TEST(DnsParseAddressAnswer, ReadsAaaa) {
  const std::string v6 = "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01"s;
  const AddressAnswer a =
      ParseAddressAnswer(Answer({v6}, DnssecStatus::kSecure), AddressFamily::kV6);
  EXPECT_EQ(a.status, LookupStatus::kOk);
  ASSERT_EQ(a.addresses.size(), 1u);
  EXPECT_EQ(a.addresses[0].to_string(), "2001:db8::1");
  EXPECT_EQ(a.dnssec, DnssecStatus::kSecure);
}

TEST(DnsParseAddressAnswer, NoData) {
  const AddressAnswer a = ParseAddressAnswer(Rcode(0), AddressFamily::kV6);
  EXPECT_EQ(a.status, LookupStatus::kNoData);
  EXPECT_EQ(a.detail, "no AAAA records");
  EXPECT_TRUE(a.addresses.empty());
}

TEST(DnsParseAddressAnswer, RecordOfTheWrongSizeIsAnError) {
  const AddressAnswer a = ParseAddressAnswer(Answer({"\x01\x02\x03"s}), AddressFamily::kV4);
  EXPECT_EQ(a.status, LookupStatus::kError);
  EXPECT_EQ(a.detail, "malformed A record");
  EXPECT_TRUE(a.addresses.empty());
}

TEST(DnsParseAddressAnswer, NxDomain) {
  EXPECT_EQ(ParseAddressAnswer(Rcode(3), AddressFamily::kV6).status, LookupStatus::kNxDomain);
}

TEST(DnsParseTlsaAnswer, ReadsUsageSelectorMatchingTypeAndData) {
  const std::string digest(32, '\xab');
  const TlsaAnswer tlsa = ParseTlsaAnswer(
      Answer({"\x03\x01\x01"s + digest, "\x02\x00\x00"s + "cert"}, DnssecStatus::kSecure),
      "_25._tcp.mx.example.test");
  EXPECT_EQ(tlsa.name, "_25._tcp.mx.example.test");
  EXPECT_EQ(tlsa.status, LookupStatus::kOk);
  EXPECT_EQ(tlsa.dnssec, DnssecStatus::kSecure);
  ASSERT_EQ(tlsa.records.size(), 2u);
  EXPECT_EQ(tlsa.records[0], (TlsaRecord{3, 1, 1, digest}));
  EXPECT_EQ(tlsa.records[1], (TlsaRecord{2, 0, 0, "cert"}));
}

TEST(DnsParseTlsaAnswer, ShortRecordIsAnErrorAndNoDataIsNoData) {
  const TlsaAnswer short_record = ParseTlsaAnswer(Answer({"\x03\x01"s}), "_25._tcp.mx.test");
  EXPECT_EQ(short_record.status, LookupStatus::kError);
  EXPECT_EQ(short_record.detail, "malformed TLSA record");
  EXPECT_TRUE(short_record.records.empty());
  const TlsaAnswer none = ParseTlsaAnswer(Rcode(0), "_25._tcp.mx.test");
  EXPECT_EQ(none.status, LookupStatus::kNoData);
  EXPECT_EQ(none.detail, "no TLSA records");
}

// RFC 8461 §3.1: a record split into several strings is read joined.
TEST(DnsParseTxtAnswer, JoinsEachRecordsStrings) {
  const TxtAnswer txt = ParseTxtAnswer(
      Answer({"\x08v=STSv1;\x0b id=2026120"s, "\x0cv=TLSRPTv1; "s}), "_mta-sts.example.test");
  EXPECT_EQ(txt.name, "_mta-sts.example.test");
  ASSERT_EQ(txt.status, LookupStatus::kOk) << txt.detail;
  ASSERT_EQ(txt.records.size(), 2u);
  EXPECT_EQ(txt.records[0], "v=STSv1; id=2026120");
  EXPECT_EQ(txt.records[1], "v=TLSRPTv1; ");
}

TEST(DnsParseTxtAnswer, StringOverrunningItsRecordIsAnError) {
  const TxtAnswer txt = ParseTxtAnswer(Answer({"\x09short"s}), "_mta-sts.example.test");
  EXPECT_EQ(txt.status, LookupStatus::kError);
  EXPECT_EQ(txt.detail, "malformed TXT record");
  EXPECT_TRUE(txt.records.empty());
}

struct UsableCase {
  std::string name;
  TlsaRecord record;
  bool usable;
};

void PrintTo(const UsableCase& c, std::ostream* os) { *os << c.name; }

class DnsTlsaUsableForSmtp : public testing::TestWithParam<UsableCase> {};

TEST_P(DnsTlsaUsableForSmtp, FollowsRfc7672) {
  EXPECT_EQ(UsableForSmtp(GetParam().record), GetParam().usable);
}

INSTANTIATE_TEST_SUITE_P(
    Table, DnsTlsaUsableForSmtp,
    testing::Values(UsableCase{"DaneEeSpkiSha256", {3, 1, 1, std::string(32, 'x')}, true},
                    UsableCase{"DaneTaCertSha512", {2, 0, 2, std::string(64, 'x')}, true},
                    UsableCase{"DaneEeFull", {3, 0, 0, "der"}, true},
                    UsableCase{"PkixTaUnusableForSmtp", {0, 1, 1, std::string(32, 'x')}, false},
                    UsableCase{"PkixEeUnusableForSmtp", {1, 1, 1, std::string(32, 'x')}, false},
                    UsableCase{"Sha256OfWrongLength", {3, 1, 1, std::string(31, 'x')}, false},
                    UsableCase{"Sha512OfWrongLength", {3, 1, 2, std::string(32, 'x')}, false},
                    UsableCase{"EmptyFull", {3, 1, 0, ""}, false},
                    UsableCase{"UnknownSelector", {3, 2, 1, std::string(32, 'x')}, false},
                    UsableCase{"UnknownMatchingType", {3, 1, 3, std::string(32, 'x')}, false},
                    UsableCase{"UnknownUsage", {4, 1, 1, std::string(32, 'x')}, false}),
    [](const testing::TestParamInfo<UsableCase>& p) { return p.param.name; });

}  // namespace
}  // namespace stx::dns
