// DANE (RFC 7672) checked by the real probe against this project's scripted server on
// loopback: the TLSA answer the routing would have found is handed to the target, the probe
// checks the chain the server presents against it with OpenSSL's DANE API, and the assessment
// says what a DANE sender makes of it. The DNS side (which answers are secure) has its own
// tests against a signed zone (tests/real/dns_dnssec_test.cpp, tests/real/dane_check_test.cpp).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "assess/dane.hpp"
#include "assess/evidence.hpp"
#include "assess/rfc8460.hpp"
#include "scripted/ephemeral_pki.hpp"
#include "scripted/scripted_smtp_server.hpp"
#include "support/child_process.hpp"
#include "support/probe_runner.hpp"
#include "support/tlsa_data.hpp"

namespace stx::test {
using namespace stx::scripted;  // NOLINT(google-build-using-namespace): test code
namespace {

using assess::DaneRequirement;
using assess::DaneStatus;
using dns::TlsaRecord;
using testing::Contains;
using testing::HasSubstr;

constexpr const char* kMx = "mx.partner.test";

class ProbeDane : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(MakeTempDir("stx-dane-pki"));
    pki_ = new EphemeralPki(*dir_);
  }
  static void TearDownTestSuite() {
    delete pki_;
    delete dir_;
  }

  /// Serves `spec`'s certificate with `script`; remembers its files for the records.
  void Serve(const CertSpec& spec, ServerScript script = ServerScript::Compliant()) {
    files_ = pki_->Issue(spec);
    script.cert_chain_path = files_.cert_chain_pem_path;
    script.key_path = files_.key_path;
    server_ = std::make_unique<ScriptedSmtpServer>(script);
  }

  /// A record for certificate `index` of the served chain (0: the server's own).
  TlsaRecord Record(std::uint8_t usage, std::uint8_t selector, std::uint8_t mtype,
                    std::size_t index = 0) const {
    return {usage, selector, mtype, TlsaData(files_.cert_chain_pem_path, index, selector, mtype)};
  }
  /// A DANE-EE record for a key the server does not use (the stale record of a renewal).
  static TlsaRecord StaleRecord() {
    const CertFiles other = pki_->Issue(CertSpec::Valid(kMx));
    return {3, 1, 1, TlsaData(other.cert_pem_path, 0, 1, 1)};
  }

  static dns::TlsaAnswer Secure(std::vector<TlsaRecord> records) {
    dns::TlsaAnswer answer;
    answer.name = std::string("_25._tcp.") + kMx;
    answer.status = dns::LookupStatus::kOk;
    answer.dnssec = dns::DnssecStatus::kSecure;
    answer.records = std::move(records);
    return answer;
  }

  probe::AddressProbeResult Probe(dns::TlsaAnswer answer, const std::string& next_hop = "") {
    probe::AddressTarget target{kMx,
                                10,
                                boost::asio::ip::make_address("127.0.0.1"),
                                server_->port(),
                                std::make_shared<const dns::TlsaAnswer>(std::move(answer)),
                                next_hop,
                                dns::DnssecStatus::kSecure};
    return RunProbe(std::move(target), pki_->ca_path()).result;
  }

  static std::string* dir_;
  static EphemeralPki* pki_;
  CertFiles files_;
  std::unique_ptr<ScriptedSmtpServer> server_;
};
std::string* ProbeDane::dir_ = nullptr;
EphemeralPki* ProbeDane::pki_ = nullptr;

TEST_F(ProbeDane, DaneEeRecordOfTheServersKeyMatchesAtDepthZero) {
  Serve(CertSpec::Valid(kMx));
  const auto r = Probe(Secure({Record(3, 1, 1)}));
  ASSERT_TRUE(r.tls.has_value());
  ASSERT_NE(r.tls->dane, nullptr);
  EXPECT_TRUE(r.tls->dane->matched) << r.tls->dane->verify_error;
  EXPECT_EQ(r.tls->dane->depth, 0);
  EXPECT_EQ(r.tls->dane->record, Record(3, 1, 1));
  const assess::DaneAssessment dane = assess::AssessDane(r);
  EXPECT_EQ(dane.status, DaneStatus::kMatch);
  EXPECT_EQ(dane.requirement, DaneRequirement::kAuthenticate);
  EXPECT_EQ(dane.usable, 1u);
  // One record: a new key breaks delivery unless its record is published first.
  EXPECT_TRUE(dane.rollover_risk);
  EXPECT_THAT(dane.detail, HasSubstr("TLSA 3 1 1 at depth 0"));
  // Every form of the association: whole certificate or key, bytes or digests.
  for (const std::uint8_t selector : {std::uint8_t{0}, std::uint8_t{1}}) {
    for (const std::uint8_t mtype : {std::uint8_t{0}, std::uint8_t{1}, std::uint8_t{2}}) {
      const auto each = Probe(Secure({Record(3, selector, mtype)}));
      ASSERT_TRUE(each.tls && each.tls->dane);
      EXPECT_TRUE(each.tls->dane->matched) << "3 " << int(selector) << " " << int(mtype);
    }
  }
}

TEST_F(ProbeDane, StaleRecordAfterAKeyChangeIsAMismatchAndEveryOtherFactStays) {
  Serve(CertSpec::Valid(kMx));
  // The record of the previous key, and a PKIX-EE record of the current one that SMTP ignores.
  const auto r = Probe(Secure({StaleRecord(), Record(1, 1, 1)}));
  ASSERT_TRUE(r.tls && r.tls->dane);
  EXPECT_FALSE(r.tls->dane->matched);
  EXPECT_EQ(r.tls->dane->depth, -1);
  EXPECT_THAT(r.tls->dane->verify_error, HasSubstr("no matching DANE TLSA records"));
  // Verify and continue: the session and its WebPKI verdict are all there.
  EXPECT_EQ(r.tls_outcome, probe::TlsOutcome::kEstablished);
  EXPECT_TRUE(r.tls->chain_valid);
  EXPECT_TRUE(r.tls->hostname_valid);
  EXPECT_FALSE(r.ehlo_tls_keywords.empty());
  const assess::DaneAssessment dane = assess::AssessDane(r);
  EXPECT_EQ(dane.status, DaneStatus::kMismatch);
  EXPECT_EQ(dane.records, 2u);
  EXPECT_EQ(dane.usable, 1u);
  EXPECT_THAT(dane.detail, HasSubstr("DANE senders do not deliver to this host"));
  EXPECT_THAT(assess::Rfc8460ResultTypes(r), Contains("tlsa-invalid"));
}

TEST_F(ProbeDane, NextKeyPublishedBesideTheCurrentOneMatchesWithoutRolloverRisk) {
  Serve(CertSpec::Valid(kMx));
  const auto r = Probe(Secure({StaleRecord(), Record(3, 1, 1)}));
  const assess::DaneAssessment dane = assess::AssessDane(r);
  EXPECT_EQ(dane.status, DaneStatus::kMatch) << dane.detail;
  EXPECT_FALSE(dane.rollover_risk);
}

// RFC 7672 §3.1.1: a DANE-EE match needs no trusted issuer, no name and no validity.
TEST_F(ProbeDane, DaneEeIgnoresNamesExpiryAndIssuer) {
  CertSpec spec = CertSpec::Expired("some-other-name.test");
  spec.self_signed = true;
  Serve(spec);
  const auto r = Probe(Secure({Record(3, 1, 1)}));
  ASSERT_TRUE(r.tls && r.tls->dane);
  EXPECT_FALSE(r.tls->chain_valid);
  EXPECT_FALSE(r.tls->hostname_valid);
  EXPECT_TRUE(r.tls->dane->matched) << r.tls->dane->verify_error;
  EXPECT_EQ(assess::AssessDane(r).status, DaneStatus::kMatch);
  EXPECT_THAT(assess::Rfc8460ResultTypes(r), testing::Not(Contains("tlsa-invalid")));
}

// RFC 7672 §3.2: a DANE-TA record names an issuer in the presented chain; the chain from it
// must be valid and the server certificate must carry the MX host's name.
TEST_F(ProbeDane, DaneTaRecordOfTheIntermediateMatchesAtDepthOneForTheMxName) {
  Serve(CertSpec::WithIntermediate(kMx, 90, 30));
  const auto r = Probe(Secure({Record(2, 0, 1, 1)}));
  ASSERT_TRUE(r.tls && r.tls->dane);
  EXPECT_TRUE(r.tls->dane->matched) << r.tls->dane->verify_error;
  EXPECT_EQ(r.tls->dane->depth, 1);
  EXPECT_EQ(r.tls->dane->matched_name, kMx);
}

TEST_F(ProbeDane, DaneTaWithACertificateForAnotherNameIsAMismatch) {
  CertSpec spec = CertSpec::WithIntermediate("elsewhere.test", 90, 30);
  Serve(spec);
  const auto r = Probe(Secure({Record(2, 0, 1, 1)}));
  ASSERT_TRUE(r.tls && r.tls->dane);
  EXPECT_FALSE(r.tls->dane->matched);
  EXPECT_THAT(r.tls->dane->verify_error, HasSubstr("mismatch"));
  EXPECT_EQ(assess::AssessDane(r).status, DaneStatus::kMismatch);
}

TEST_F(ProbeDane, DaneTaAcceptsTheNextHopDomainAsTheName) {
  Serve(CertSpec::WithIntermediate("partner.test", 90, 30));
  const auto r = Probe(Secure({Record(2, 1, 1, 1)}), "partner.test");
  ASSERT_TRUE(r.tls && r.tls->dane);
  EXPECT_TRUE(r.tls->dane->matched) << r.tls->dane->verify_error;
  EXPECT_EQ(r.tls->dane->matched_name, "partner.test");
}

TEST_F(ProbeDane, DaneTaWithAnExpiredServerCertificateIsAMismatch) {
  Serve(CertSpec::WithIntermediate(kMx, 90, -1));
  const auto r = Probe(Secure({Record(2, 0, 1, 1)}));
  ASSERT_TRUE(r.tls && r.tls->dane);
  EXPECT_FALSE(r.tls->dane->matched);
  EXPECT_THAT(r.tls->dane->verify_error, HasSubstr("expired"));
}

TEST_F(ProbeDane, OnlyUnusableRecordsMeanTlsWithoutAuthenticationAndNoCheck) {
  Serve(CertSpec::Valid(kMx));
  TlsaRecord short_digest = Record(3, 1, 1);
  short_digest.data.pop_back();  // RFC 7671 §10.1.2: a digest of the wrong length never matches
  const auto r = Probe(Secure({Record(0, 0, 1, 0), Record(1, 1, 1), short_digest}));
  ASSERT_TRUE(r.tls.has_value());
  EXPECT_EQ(r.tls->dane, nullptr);
  const assess::DaneAssessment dane = assess::AssessDane(r);
  EXPECT_EQ(dane.status, DaneStatus::kUnusable);
  EXPECT_EQ(dane.requirement, DaneRequirement::kEncrypt);
  EXPECT_EQ(dane.records, 3u);
  EXPECT_EQ(dane.usable, 0u);
  EXPECT_THAT(assess::Rfc8460ResultTypes(r), Contains("tlsa-invalid"));
}

TEST_F(ProbeDane, UsableRecordsAndNoStarttlsMeanNoDeliveryForADaneSender) {
  Serve(CertSpec::Valid(kMx), ServerScript::NoStarttls());
  const auto r = Probe(Secure({Record(3, 1, 1)}));
  const assess::DaneAssessment dane = assess::AssessDane(r);
  EXPECT_EQ(dane.status, DaneStatus::kNoTls);
  EXPECT_THAT(dane.detail, HasSubstr("does not offer STARTTLS"));
  // The evidence every output renders says it, in the bad tone.
  const auto items = assess::AddressEvidence(r, 0, {});
  const auto item = std::find_if(items.begin(), items.end(),
                                 [](const assess::EvidenceItem& i) { return i.key == "dane"; });
  ASSERT_NE(item, items.end());
  EXPECT_EQ(assess::ItemTone(*item), assess::Tone::kBad);
  EXPECT_THAT(assess::PlainText(item->lines.at(0)), HasSubstr("no_tls: "));
}

TEST_F(ProbeDane, BogusFailedAndInsecureAnswers) {
  Serve(CertSpec::Valid(kMx));
  dns::TlsaAnswer bogus = Secure({Record(3, 1, 1)});
  bogus.dnssec = dns::DnssecStatus::kBogus;
  bogus.why_bogus = "signature expired";
  const auto b = Probe(bogus);
  EXPECT_EQ(assess::AssessDane(b).status, DaneStatus::kBogus);
  EXPECT_EQ(assess::AssessDane(b).requirement, DaneRequirement::kUnreachable);
  EXPECT_THAT(assess::AssessDane(b).detail, HasSubstr("signature expired"));
  EXPECT_THAT(assess::Rfc8460ResultTypes(b), Contains("dnssec-invalid"));

  dns::TlsaAnswer failed;
  failed.name = std::string("_25._tcp.") + kMx;
  failed.status = dns::LookupStatus::kServFail;
  const auto f = Probe(failed);
  EXPECT_EQ(assess::AssessDane(f).status, DaneStatus::kLookupFailed);
  EXPECT_EQ(assess::AssessDane(f).requirement, DaneRequirement::kUnreachable);

  dns::TlsaAnswer insecure = Secure({Record(3, 1, 1)});
  insecure.dnssec = dns::DnssecStatus::kInsecure;
  const auto i = Probe(insecure);
  ASSERT_TRUE(i.tls.has_value());
  EXPECT_EQ(i.tls->dane, nullptr);  // records that did not validate are not used
  EXPECT_EQ(assess::AssessDane(i).status, DaneStatus::kInsecure);
  EXPECT_EQ(assess::AssessDane(i).requirement, DaneRequirement::kNone);

  dns::TlsaAnswer none = Secure({});
  none.status = dns::LookupStatus::kNxDomain;
  EXPECT_EQ(assess::AssessDane(Probe(none)).status, DaneStatus::kNoTlsa);
}

}  // namespace
}  // namespace stx::test
