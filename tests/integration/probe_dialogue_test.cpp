// The real probe (agent/probe) against this project's scripted SMTP server on loopback.
#include <gtest/gtest.h>
#include <openssl/tls1.h>

#include <algorithm>
#include <string>

#include "assess/explanation.hpp"
#include "assess/rfc8460.hpp"
#include "assess/sender_verdict.hpp"
#include "scripted/ephemeral_pki.hpp"
#include "scripted/scripted_smtp_server.hpp"
#include "support/child_process.hpp"
#include "support/probe_runner.hpp"
#include "support/sender_profiles.hpp"

namespace stx::test {
using namespace stx::scripted;  // NOLINT(google-build-using-namespace): test code
namespace {

using namespace std::chrono_literals;
using probe::AddressProbeResult;
using probe::TlsOutcome;
using smtp::EhloClass;
using smtp::FindingCode;

bool HasFinding(const AddressProbeResult& r, FindingCode code) {
  return std::any_of(r.findings.begin(), r.findings.end(),
                     [code](const smtp::Finding& f) { return f.code == code; });
}

bool TranscriptHas(const AddressProbeResult& r, const std::string& text) {
  return std::any_of(r.transcript.begin(), r.transcript.end(),
                     [&](const probe::TranscriptLine& l) { return l.text == text; });
}

class ProbeDialogue : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(MakeTempDir("stx-probe-pki"));
    pki_ = new EphemeralPki(*dir_);
  }
  static void TearDownTestSuite() {
    delete pki_;
    delete dir_;
  }

  // A script serving a certificate from the suite's PKI.
  static ServerScript WithCert(ServerScript script, const CertSpec& spec) {
    const CertFiles files = pki_->Issue(spec);
    script.cert_chain_path = files.cert_chain_pem_path;
    script.key_path = files.key_path;
    return script;
  }

  // TLS 1.2 with the anonymous AECDH-AES256-SHA first among `ciphers`, the server's choice.
  static ServerScript AnonymousFirst(const char* ciphers) {
    ServerScript script = WithCert(ServerScript::Compliant(), CertSpec::Valid("mx.test"));
    script.max_tls_version = TLS1_2_VERSION;
    script.cipher_list = ciphers;
    return script;
  }

  static ProbeRun Probe(const ScriptedSmtpServer& server, probe::ProbeOptions options = {}) {
    return RunProbe(server.address(), server.port(), pki_->ca_path(), options);
  }

  static std::string* dir_;
  static EphemeralPki* pki_;
};
std::string* ProbeDialogue::dir_ = nullptr;
EphemeralPki* ProbeDialogue::pki_ = nullptr;

TEST_F(ProbeDialogue, CompliantServerGivesTlsToEveryClient) {
  ScriptedSmtpServer server(WithCert(ServerScript::Compliant(), CertSpec::Valid("mx.test")));
  const AddressProbeResult r = Probe(server).result;

  EXPECT_EQ(r.ehlo_class, EhloClass::kCompliant);
  EXPECT_FALSE(r.error.has_value());
  ASSERT_EQ(r.tls_outcome, TlsOutcome::kEstablished) << r.tls_detail;
  ASSERT_TRUE(r.tls.has_value());
  EXPECT_EQ(r.tls->version, "TLSv1.3");
  EXPECT_FALSE(r.tls->cipher.empty());
  EXPECT_TRUE(r.tls->chain_valid) << r.tls->verify_error;
  EXPECT_TRUE(r.tls->hostname_valid);
  EXPECT_TRUE(r.tls->failures.empty());
  ASSERT_TRUE(r.tls->leaf.has_value());
  EXPECT_EQ(r.tls->leaf->dns_names, std::vector<std::string>{"mx.test"});
  EXPECT_TRUE(GetsTls(r, "strict"));
  EXPECT_TRUE(GetsTls(r, "lenient"));
  EXPECT_EQ(r.ehlo_tls_keywords.ToVector(),
            (std::vector<std::string>{"PIPELINING", "SIZE", "8BITMIME"}));
  EXPECT_TRUE(r.findings.empty());
  EXPECT_TRUE(TranscriptHas(r, "250-STARTTLS"));
  EXPECT_TRUE(TranscriptHas(r, "EHLO probe.test"));

  ASSERT_TRUE(server.WaitForClosed(1, 5s));
  const ConnectionRecord c = server.Connections().at(0);
  EXPECT_EQ(c.PlaintextLines(), (std::vector<std::string>{"EHLO probe.test", "STARTTLS"}));
  EXPECT_EQ(c.TlsLines(), (std::vector<std::string>{"EHLO probe.test", "QUIT"}));
  EXPECT_EQ(c.sni, "mx.test");
  for (const char* verb : {"MAIL", "RCPT", "DATA", "HELO"})
    EXPECT_FALSE(c.HasCommand(verb)) << verb;
}

TEST_F(ProbeDialogue, SeedMisorderedReplyIsMisorderedAndOnlyLenientClientsGetTls) {
  ScriptedSmtpServer server(WithCert(ServerScript::Misordered(), CertSpec::Valid("mx.test")));
  const AddressProbeResult r = Probe(server).result;

  EXPECT_EQ(r.ehlo_class, EhloClass::kMisordered);
  EXPECT_FALSE(SeesStarttls(r, "strict"));
  EXPECT_TRUE(SeesStarttls(r, "lenient"));
  EXPECT_EQ(r.ehlo.starttls_line, 1u);
  EXPECT_FALSE(GetsTls(r, "strict"));
  EXPECT_TRUE(GetsTls(r, "lenient"));  // STARTTLS is sent anyway: the server does accept it
  EXPECT_EQ(r.tls_outcome, TlsOutcome::kEstablished);
  EXPECT_TRUE(HasFinding(r, FindingCode::kStarttlsOnGreetingLine));
  EXPECT_NE(assess::Explanation(r).find("FIRST line"), std::string::npos);
  const std::vector<std::string> corrected = assess::CorrectedEhlo(r);
  ASSERT_FALSE(corrected.empty());
  EXPECT_EQ(corrected.front(), "250-mail.domain1.com");
  EXPECT_TRUE(TranscriptHas(r, "250-STARTTLS"));
}

TEST_F(ProbeDialogue, NoStarttlsNeverSendsStarttls) {
  ScriptedSmtpServer server(ServerScript::NoStarttls());
  const AddressProbeResult r = Probe(server).result;
  EXPECT_EQ(r.ehlo_class, EhloClass::kNoStarttls);
  EXPECT_EQ(r.tls_outcome, TlsOutcome::kNotAttempted);
  EXPECT_FALSE(r.tls.has_value());
  EXPECT_FALSE(GetsTls(r, "strict"));
  EXPECT_FALSE(GetsTls(r, "lenient"));
  ASSERT_TRUE(server.WaitForClosed(1, 5s));
  const ConnectionRecord c = server.Connections().at(0);
  EXPECT_FALSE(c.HasCommand("STARTTLS"));
  EXPECT_TRUE(c.HasCommand("QUIT"));
}

TEST_F(ProbeDialogue, StarttlsRefusedIsItsOwnOutcome) {
  ScriptedSmtpServer server(ServerScript::StarttlsRefused());
  const AddressProbeResult r = Probe(server).result;
  EXPECT_EQ(r.ehlo_class, EhloClass::kCompliant);
  EXPECT_EQ(r.tls_outcome, TlsOutcome::kStarttlsRefused);
  EXPECT_NE(r.tls_detail.find("454"), std::string::npos) << r.tls_detail;
  EXPECT_FALSE(GetsTls(r, "strict"));
  EXPECT_TRUE(SeesStarttls(r, "strict"));
}

TEST_F(ProbeDialogue, BrokenTlsIsAHandshakeFailure) {
  ScriptedSmtpServer server(ServerScript::BrokenTls());
  const AddressProbeResult r = Probe(server).result;
  EXPECT_EQ(r.ehlo_class, EhloClass::kCompliant);
  EXPECT_EQ(r.tls_outcome, TlsOutcome::kHandshakeFailed);
  EXPECT_FALSE(r.tls_detail.empty());
  EXPECT_FALSE(GetsTls(r, "strict"));
}

TEST_F(ProbeDialogue, ExpiredCertificateKeepsEveryOtherFact) {
  const CertFiles files = pki_->Issue(CertSpec::Expired("mx.test"));
  ServerScript script = ServerScript::Compliant();
  script.cert_chain_path = files.cert_chain_pem_path;
  script.key_path = files.key_path;
  ScriptedSmtpServer server(script);
  const AddressProbeResult r = Probe(server).result;
  ASSERT_EQ(r.tls_outcome, TlsOutcome::kEstablished);
  ASSERT_TRUE(r.tls && r.tls->leaf);
  EXPECT_FALSE(r.tls->chain_valid);
  EXPECT_EQ(r.tls->verify_error, "certificate has expired");
  EXPECT_EQ(r.tls->failures, std::vector<std::string>{"certificate-expired"});
  EXPECT_TRUE(r.tls->hostname_valid);
  EXPECT_EQ(r.tls->leaf->not_after, files.not_after_unix);
  EXPECT_EQ(r.tls->version, "TLSv1.3");
  EXPECT_TRUE(GetsTls(r, "strict"));  // opportunistic TLS still encrypts
}

TEST_F(ProbeDialogue, WrongHostCertificateIsAHostMismatchButTrusted) {
  ScriptedSmtpServer server(WithCert(ServerScript::Compliant(), CertSpec::WrongHost("other.test")));
  const AddressProbeResult r = Probe(server).result;
  ASSERT_TRUE(r.tls && r.tls->leaf);
  EXPECT_TRUE(r.tls->chain_valid);
  EXPECT_FALSE(r.tls->hostname_valid);
  EXPECT_EQ(r.tls->expected_host, "mx.test");
  EXPECT_EQ(r.tls->failures, std::vector<std::string>{"certificate-host-mismatch"});
}

TEST_F(ProbeDialogue, SelfSignedCertificateIsNotTrusted) {
  ScriptedSmtpServer server(WithCert(ServerScript::Compliant(), CertSpec::SelfSigned("mx.test")));
  const AddressProbeResult r = Probe(server).result;
  ASSERT_TRUE(r.tls && r.tls->leaf);
  EXPECT_FALSE(r.tls->chain_valid);
  EXPECT_EQ(r.tls->failures, std::vector<std::string>{"certificate-not-trusted"});
  EXPECT_TRUE(r.tls->hostname_valid);
}

TEST_F(ProbeDialogue, EarliestExpiryInTheChainIsTheIntermediates) {
  const CertFiles files = pki_->Issue(CertSpec::WithIntermediate("mx.test", 10, 60));
  ServerScript script = ServerScript::Compliant();
  script.cert_chain_path = files.cert_chain_pem_path;
  script.key_path = files.key_path;
  ScriptedSmtpServer server(script);
  const AddressProbeResult r = Probe(server).result;
  ASSERT_TRUE(r.tls && r.tls->leaf);
  EXPECT_EQ(r.tls->chain_length, 2u);
  EXPECT_TRUE(r.tls->chain_valid) << r.tls->verify_error;
  EXPECT_EQ(r.tls->leaf->not_after, files.not_after_unix);
  EXPECT_EQ(r.tls->chain_earliest_not_after, files.chain_not_after_unix);
  EXPECT_LT(r.tls->chain_earliest_not_after, r.tls->leaf->not_after);
}

// The probe offers every cipher; a server that prefers one no sender offers gets a second
// handshake, as a mainstream sender makes it, and a sender is judged on that one.
TEST_F(ProbeDialogue, AnonymousCipherGetsASecondHandshakeAsASenderMakesIt) {
  ScriptedSmtpServer server(AnonymousFirst("AECDH-AES256-SHA:ECDHE-ECDSA-AES256-GCM-SHA384"));
  const AddressProbeResult r = Probe(server).result;

  ASSERT_EQ(r.tls_outcome, TlsOutcome::kEstablished) << r.tls_detail;
  EXPECT_EQ(r.tls->cipher, "AECDH-AES256-SHA");
  EXPECT_FALSE(r.tls->chain_valid);  // no certificate at all
  ASSERT_NE(r.mainstream, nullptr);
  EXPECT_EQ(r.mainstream->why,
            "the server chose AECDH-AES256-SHA, which no mainstream sender offers");
  ASSERT_EQ(r.mainstream->outcome, TlsOutcome::kEstablished) << r.mainstream->detail;
  ASSERT_TRUE(r.mainstream->tls.has_value());
  EXPECT_EQ(r.mainstream->tls->version, "TLSv1.2");
  EXPECT_EQ(r.mainstream->tls->cipher, "ECDHE-ECDSA-AES256-GCM-SHA384");
  EXPECT_TRUE(r.mainstream->tls->chain_valid) << r.mainstream->tls->verify_error;
  EXPECT_EQ(server.ConnectionCount(), 2u);
  // A sender that checks the certificate gets it over the second handshake.
  const auto curl = smtp::FindClientProfile("curl");
  ASSERT_TRUE(curl.has_value());
  EXPECT_EQ(assess::Outcome(r, *curl).delivery, assess::Delivery::kTlsAuthenticated);
  EXPECT_TRUE(TranscriptHas(r, "second handshake: TLSv1.2, ECDHE-ECDSA-AES256-GCM-SHA384, "
                               "certificate chain verified"));
}

// Only when needed: a session a sender could get costs one connection.
TEST_F(ProbeDialogue, MainstreamCipherNeedsNoSecondHandshake) {
  ScriptedSmtpServer server(WithCert(ServerScript::Compliant(), CertSpec::Valid("mx.test")));
  const AddressProbeResult r = Probe(server).result;
  ASSERT_EQ(r.tls_outcome, TlsOutcome::kEstablished) << r.tls_detail;
  EXPECT_EQ(r.mainstream, nullptr);
  EXPECT_EQ(server.ConnectionCount(), 1u);
}

// A server whose only cipher no sender offers: the second handshake fails, and senders defer
// or go on in clear as their rows say.
TEST_F(ProbeDialogue, AnonymousOnlyServerFailsTheSecondHandshake) {
  ScriptedSmtpServer server(AnonymousFirst("AECDH-AES256-SHA"));
  const AddressProbeResult r = Probe(server).result;
  ASSERT_EQ(r.tls_outcome, TlsOutcome::kEstablished) << r.tls_detail;
  ASSERT_NE(r.mainstream, nullptr);
  EXPECT_EQ(r.mainstream->outcome, TlsOutcome::kHandshakeFailed);
  EXPECT_FALSE(r.mainstream->detail.empty());
  const auto curl = smtp::FindClientProfile("curl");
  ASSERT_TRUE(curl.has_value());
  EXPECT_EQ(assess::Outcome(r, *curl).delivery, assess::Delivery::kDeferred);
  // The readings stand for any session: lenient still counts the anonymous one.
  EXPECT_TRUE(GetsTls(r, "lenient"));
}

TEST_F(ProbeDialogue, MultiLineBannerIsReadWhole) {
  ScriptedSmtpServer server(WithCert(ServerScript::MultiLineBanner(), CertSpec::Valid("mx.test")));
  const AddressProbeResult r = Probe(server).result;
  EXPECT_EQ(r.ehlo_class, EhloClass::kCompliant);
  EXPECT_EQ(std::count(r.banner.begin(), r.banner.end(), '/'), 2) << r.banner;
}

TEST_F(ProbeDialogue, SlowBannerWithinTheDeadlineSucceeds) {
  ScriptedSmtpServer server(WithCert(ServerScript::SlowBanner(800ms), CertSpec::Valid("mx.test")));
  const ProbeRun run = Probe(server);
  EXPECT_EQ(run.result.ehlo_class, EhloClass::kCompliant);
  EXPECT_GE(run.wall, 800ms);
}

TEST_F(ProbeDialogue, SlowBannerPastTheStageDeadlineIsABannerTimeout) {
  ScriptedSmtpServer server(ServerScript::SlowBanner(5s));
  probe::ProbeOptions options;
  options.reply_timeout = 500ms;
  const ProbeRun run = Probe(server, options);
  ASSERT_TRUE(run.result.error.has_value());
  EXPECT_EQ(run.result.error->Reason(), "banner_timeout");
  EXPECT_LT(run.wall, 3s);
}

TEST_F(ProbeDialogue, ServerThatNeverAnswersEndsWithinTheOverallDeadline) {
  ScriptedSmtpServer server(ServerScript::Silent());
  probe::ProbeOptions options;
  options.timeout = 1s;  // the stage limits (15 s) are longer: the overall deadline must win
  const ProbeRun run = Probe(server, options);
  EXPECT_EQ(run.result.ehlo_class, EhloClass::kError);
  ASSERT_TRUE(run.result.error.has_value());
  EXPECT_EQ(run.result.error->Reason(), "banner_timeout");
  EXPECT_GE(run.wall, 900ms);
  EXPECT_LT(run.wall, 3s);
}

TEST_F(ProbeDialogue, DrippingEhloReplyCostsOneDeadline) {
  ServerScript script = ServerScript::Compliant();
  script.ehlo_chunk_size = 1;
  script.ehlo_chunk_delay = 100ms;  // ~9 s for the whole reply
  ScriptedSmtpServer server(script);
  probe::ProbeOptions options;
  options.timeout = 1500ms;
  const ProbeRun run = Probe(server, options);
  ASSERT_TRUE(run.result.error.has_value());
  EXPECT_EQ(run.result.error->Reason(), "ehlo_timeout");
  EXPECT_LT(run.wall, 4s);
}

TEST_F(ProbeDialogue, MaskedStarttlsIsNoStarttlsWithAFinding) {
  ScriptedSmtpServer server(ServerScript::MaskedStarttls());
  const AddressProbeResult r = Probe(server).result;
  EXPECT_EQ(r.ehlo_class, EhloClass::kNoStarttls);
  EXPECT_TRUE(HasFinding(r, FindingCode::kStarttlsMasked));
}

TEST_F(ProbeDialogue, PrematureFinalLineIsMisordered) {
  ScriptedSmtpServer server(
      WithCert(ServerScript::PrematureFinalLine(), CertSpec::Valid("mx.test")));
  const AddressProbeResult r = Probe(server).result;
  EXPECT_EQ(r.ehlo_class, EhloClass::kMisordered);
  EXPECT_TRUE(HasFinding(r, FindingCode::kStarttlsAfterFinalLine));
  EXPECT_TRUE(HasFinding(r, FindingCode::kTextAfterFinalLine));
  EXPECT_FALSE(SeesStarttls(r, "strict"));
  EXPECT_TRUE(SeesStarttls(r, "lenient"));
}

TEST_F(ProbeDialogue, PlaintextInjectionIsAFinding) {
  ScriptedSmtpServer server(
      WithCert(ServerScript::PlaintextInjection(), CertSpec::Valid("mx.test")));
  const AddressProbeResult r = Probe(server).result;
  EXPECT_TRUE(HasFinding(r, FindingCode::kPlaintextInjection));
  EXPECT_EQ(r.tls_outcome, TlsOutcome::kEstablished) << r.tls_detail;
}

TEST_F(ProbeDialogue, RfcDeviationsAreFindingsThatDoNotChangeTheClass) {
  ServerScript script = WithCert(ServerScript::Compliant(), CertSpec::Valid("mx.test"));
  script.ehlo_reply = "250-mx.test\n251-SIZE 1\r\n250-" + std::string(600, 'X') +
                      "\r\n250-8BITM\xc3\x8d"
                      "ME\r\n250 STARTTLS\r\n";
  ScriptedSmtpServer server(script);
  const AddressProbeResult r = Probe(server).result;
  EXPECT_EQ(r.ehlo_class, EhloClass::kCompliant);
  EXPECT_TRUE(HasFinding(r, FindingCode::kBareLf));
  EXPECT_TRUE(HasFinding(r, FindingCode::kMixedReplyCodes));
  EXPECT_TRUE(HasFinding(r, FindingCode::kLineTooLong));
  EXPECT_TRUE(HasFinding(r, FindingCode::kNonAscii));
  EXPECT_TRUE(TranscriptHas(r, "250-8BITM\\xc3\\x8dME"));  // escaped, never raw bytes
}

TEST_F(ProbeDialogue, BannerRejectedIsAnError) {
  ServerScript script = ServerScript::Compliant();
  script.banner = "554 5.7.1 no service for you\r\n";
  ScriptedSmtpServer server(script);
  const AddressProbeResult r = Probe(server).result;
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->Reason(), "banner_rejected");
  EXPECT_NE(r.error->detail.find("554"), std::string::npos);
}

TEST_F(ProbeDialogue, EhloRejectedIsAnError) {
  ServerScript script = ServerScript::Compliant();
  script.ehlo_reply = "550 5.7.1 we do not like you\r\n";
  ScriptedSmtpServer server(script);
  const AddressProbeResult r = Probe(server).result;
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->Reason(), "ehlo_rejected");
}

TEST_F(ProbeDialogue, HugeEhloReplyIsBoundedAndFailsFast) {
  ServerScript script = ServerScript::Compliant();
  script.ehlo_reply.clear();
  for (int i = 0; i < 100000; ++i) script.ehlo_reply += "250-X\r\n";
  script.ehlo_reply += "250 STARTTLS\r\n";
  ScriptedSmtpServer server(script);
  const ProbeRun run = Probe(server);
  ASSERT_TRUE(run.result.error.has_value());
  EXPECT_EQ(run.result.error->Reason(), "ehlo_too_large");
  EXPECT_LE(run.result.transcript.size(), 301u);  // bounded evidence
}

TEST_F(ProbeDialogue, GarbageInsteadOfAReplyIsAProtocolViolation) {
  ServerScript script = ServerScript::Compliant();
  script.ehlo_reply = "hello there\r\n";
  ScriptedSmtpServer server(script);
  const AddressProbeResult r = Probe(server).result;
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->Reason(), "ehlo_protocol_violation");
}

TEST_F(ProbeDialogue, ConnectionRefusedIsAnError) {
  const std::uint16_t port = FreeLoopbackPort();
  const AddressProbeResult r = RunProbe("127.0.0.1", port, pki_->ca_path()).result;
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->Reason(), "connect_refused");
}

TEST_F(ProbeDialogue, Rfc8460ResultTypesFollowWhatAStrictSenderSees) {
  ScriptedSmtpServer compliant(WithCert(ServerScript::Compliant(), CertSpec::Valid("mx.test")));
  EXPECT_TRUE(assess::Rfc8460ResultTypes(Probe(compliant).result).empty());
  ScriptedSmtpServer misordered(WithCert(ServerScript::Misordered(), CertSpec::Valid("mx.test")));
  EXPECT_EQ(assess::Rfc8460ResultTypes(Probe(misordered).result),
            std::vector<std::string>{"starttls-not-supported"});
  ScriptedSmtpServer refused(ServerScript::StarttlsRefused());
  EXPECT_EQ(assess::Rfc8460ResultTypes(Probe(refused).result),
            std::vector<std::string>{"starttls-not-supported"});
  ScriptedSmtpServer broken(ServerScript::BrokenTls());
  EXPECT_EQ(assess::Rfc8460ResultTypes(Probe(broken).result),
            std::vector<std::string>{"validation-failure"});
  ScriptedSmtpServer expired(WithCert(ServerScript::Compliant(), CertSpec::Expired("mx.test")));
  EXPECT_EQ(assess::Rfc8460ResultTypes(Probe(expired).result),
            std::vector<std::string>{"certificate-expired"});
  ScriptedSmtpServer silent(ServerScript::Silent());
  probe::ProbeOptions quick;
  quick.timeout = std::chrono::milliseconds(300);
  EXPECT_TRUE(assess::Rfc8460ResultTypes(Probe(silent, quick).result).empty());
}

TEST_F(ProbeDialogue, Ipv6LoopbackWorks) {
  ScriptedSmtpServer server(WithCert(ServerScript::Compliant(), CertSpec::Valid("mx.test")), "::1");
  const AddressProbeResult r = RunProbe("::1", server.port(), pki_->ca_path()).result;
  EXPECT_EQ(r.ehlo_class, EhloClass::kCompliant);
  EXPECT_EQ(r.tls_outcome, TlsOutcome::kEstablished);
  EXPECT_TRUE(r.address.is_v6());
}

}  // namespace
}  // namespace stx::test
