// The evidence list of an address: one list, in one order, that every renderer shows.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "assess/evidence.hpp"
#include "support/sender_profiles.hpp"

namespace stx::assess {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;
constexpr std::int64_t kDay = 86400;

probe::AddressProbeResult Misordered() {
  probe::AddressProbeResult r;
  r.mx_host = "mx.partner.test";
  r.address = boost::asio::ip::make_address("192.0.2.7");
  r.banner = "220 mx.partner.test ESMTP";
  r.ehlo_class = smtp::EhloClass::kMisordered;
  test::SetSees(r, "lenient", true);
  r.tls_outcome = probe::TlsOutcome::kEstablished;
  r.tls = tls::TlsFacts{};
  r.tls->version = "TLSv1.3";
  r.tls->cipher = "TLS_AES_256_GCM_SHA384";
  r.tls->leaf = tls::CertificateInfo{};
  r.tls->leaf->subject = "CN=mx.partner.test";
  r.tls->leaf->issuer = "CN=Test CA";
  r.tls->leaf->dns_names = {"mx.partner.test"};
  r.tls->leaf->not_before = kNow - 30 * kDay;
  r.tls->leaf->not_after = kNow - 2 * kDay;  // expired
  r.tls->chain_length = 2;
  r.tls->chain_earliest_not_after = r.tls->leaf->not_after;
  r.tls->chain_valid = false;
  r.tls->verify_error = "certificate has expired";
  r.tls->expected_host = "mx.partner.test";
  r.tls->hostname_valid = true;
  r.tls->failures = {"certificate-expired"};
  r.ehlo_tls_keywords = {"PIPELINING", "SIZE"};
  r.findings.push_back({smtp::FindingCode::kStarttlsOnGreetingLine, "ehlo", "on line 1"});
  return r;
}

std::vector<std::string> Keys(const std::vector<EvidenceItem>& items) {
  std::vector<std::string> keys;
  for (const auto& item : items) keys.push_back(item.key);
  return keys;
}

const EvidenceItem& Find(const std::vector<EvidenceItem>& items, const std::string& key) {
  for (const auto& item : items) {
    if (item.key == key) return item;
  }
  ADD_FAILURE() << "no evidence item " << key;
  static const EvidenceItem kNone;
  return kNone;
}

TEST(Evidence, ListsEveryFactInDisplayOrderWithOneItemPerSenderProfile) {
  const auto items = AddressEvidence(Misordered(), kNow, smtp::DefaultSenders());
  EXPECT_EQ(Keys(items),
            (std::vector<std::string>{"banner", "client.strict", "client.lenient", "senders",
                                      "tls", "certificate", "ehlo_tls_keywords", "rfc8460",
                                      "findings"}));
  const EvidenceItem& strict = Find(items, "client.strict");
  EXPECT_EQ(strict.label, "strict client");
  EXPECT_EQ(strict.note, "Postfix, Cisco ESA, Go, Python");
  EXPECT_EQ(PlainText(strict.lines.at(0)), "sends in clear text: STARTTLS not seen");
  EXPECT_EQ(ItemTone(strict), Tone::kBad);
  EXPECT_EQ(ItemTone(Find(items, "client.lenient")), Tone::kGood);
}

TEST(Evidence, CertificateFactsSayWhatIsWrong) {
  const auto items = AddressEvidence(Misordered(), kNow, smtp::DefaultSenders());
  const EvidenceItem& cert = Find(items, "certificate");
  std::vector<std::string> lines;
  for (const auto& line : cert.lines) lines.push_back(PlainText(line));
  EXPECT_EQ(lines.at(0), "CN=mx.partner.test");
  EXPECT_EQ(lines.at(1), "issuer CN=Test CA");
  EXPECT_NE(lines.at(2).find("(EXPIRED 2 days ago)"), std::string::npos) << lines.at(2);
  EXPECT_EQ(lines.at(3), "names mx.partner.test");
  EXPECT_EQ(lines.at(4),
            "chain of 2: NOT trusted (certificate has expired); host name mx.partner.test: "
            "matches");
  EXPECT_EQ(ItemTone(cert), Tone::kBad);
  // Misordered: a sender that reads the reply as RFC 5321 says never gets to the certificate.
  EXPECT_EQ(PlainText(Find(items, "rfc8460").lines.at(0)),
            "a standards-following sender reports starttls-not-supported");
}

TEST(Evidence, FindingsAreAListAndSayNoneWhenEmpty) {
  probe::AddressProbeResult r = Misordered();
  const auto items = AddressEvidence(r, kNow, smtp::DefaultSenders());
  const EvidenceItem& findings = Find(items, "findings");
  EXPECT_TRUE(findings.list);
  ASSERT_EQ(findings.lines.size(), 1u);
  EXPECT_EQ(PlainText(findings.lines[0]), "starttls-on-greeting-line (ehlo): on line 1");
  r.findings.clear();
  const auto without = AddressEvidence(r, kNow, smtp::DefaultSenders());
  EXPECT_TRUE(Find(without, "findings").lines.empty());
}

TEST(Evidence, AnAddressWithoutEhloReplyShowsTheErrorAndNoTlsFacts) {
  probe::AddressProbeResult r;
  r.mx_host = "mx.partner.test";
  r.ehlo_class = smtp::EhloClass::kError;
  r.error = probe::ProbeError{probe::Stage::kBanner, probe::FailureKind::kTimeout,
                              "no complete banner within 10 ms"};
  const auto items = AddressEvidence(r, kNow, smtp::DefaultSenders());
  EXPECT_EQ(Keys(items),
            (std::vector<std::string>{"error", "client.strict", "client.lenient", "findings"}));
  EXPECT_EQ(PlainText(items[0].lines.at(0)), "banner_timeout: no complete banner within 10 ms");
  EXPECT_EQ(items[0].lines[0][0].tone, Tone::kCode);
  EXPECT_EQ(PlainText(items[1].lines.at(0)), "cannot deliver: no complete banner within 10 ms");
}

TEST(Evidence, AddressText) {
  probe::AddressProbeResult r;
  r.address = boost::asio::ip::make_address("2001:db8::1");
  r.port = 2525;
  EXPECT_EQ(AddressText(r), "[2001:db8::1]:2525");
  r.error = probe::ProbeError{probe::Stage::kDns, probe::FailureKind::kNxDomain, "x"};
  EXPECT_EQ(AddressText(r), "(no address)");
}

}  // namespace
}  // namespace stx::assess
