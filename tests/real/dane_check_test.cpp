// DANE end to end, as the user types it: `check <domain>` against real signed zones (NSD,
// ldns-signzone; support/signed_zone_server) whose MX hosts are scripted SMTP servers on
// loopback, the exporter's resolver validating from the rig's trust anchor. The TLSA records
// are computed from the certificates the servers serve, so "match" and "mismatch" are the
// OpenSSL DANE check's verdicts on real chains, not fixtures.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "scripted/ephemeral_pki.hpp"
#include "scripted/scripted_smtp_server.hpp"
#include "support/child_process.hpp"
#include "support/signed_zone_server.hpp"
#include "support/tlsa_data.hpp"

namespace stx::test {
using namespace stx::scripted;  // NOLINT(google-build-using-namespace): test code
namespace {

using namespace std::chrono_literals;
using testing::HasSubstr;

class DaneCheck : public testing::Test {
 protected:
  DaneCheck()
      : dir_(MakeTempDir("stx-dane-check")),
        pki_(dir_ + "/pki"),
        port_(FreeLoopbackPort()),
        current_(pki_.Issue(Spec("mx.match.dnssec.test", "127.0.0.81"))),
        stale_server_cert_(pki_.Issue(Spec("mx.stale.dnssec.test", "127.0.0.82"))),
        previous_key_(pki_.Issue(Spec("mx.stale.dnssec.test", "127.0.0.82"))),
        unusable_cert_(pki_.Issue(Spec("mx.unusable.dnssec.test", "127.0.0.83"))),
        bogus_cert_(pki_.Issue(Spec("mx.bogustlsa.dnssec.test", "127.0.0.84"))) {
    servers_.push_back(Serve(current_, "127.0.0.81"));
    servers_.push_back(Serve(stale_server_cert_, "127.0.0.82"));
    servers_.push_back(Serve(unusable_cert_, "127.0.0.83"));
    servers_.push_back(Serve(bogus_cert_, "127.0.0.84"));
    rig_ = std::make_unique<SignedZoneServer>(Zones());
  }

  static CertSpec Spec(const std::string& host, const std::string& address) {
    CertSpec spec = CertSpec::Valid(host);
    spec.ip_sans = {address};
    return spec;
  }
  std::unique_ptr<ScriptedSmtpServer> Serve(const CertFiles& files, const std::string& address) {
    ServerScript script = ServerScript::Compliant();
    script.cert_chain_path = files.cert_chain_pem_path;
    script.key_path = files.key_path;
    return std::make_unique<ScriptedSmtpServer>(script, address, port_);
  }
  static std::string DaneEe(const CertFiles& files) {
    return "TLSA 3 1 1 " + TlsaHex(files.cert_pem_path, 0, 1, 1);
  }
  static std::vector<std::string> Mail(const std::string& address) {
    return {"@ MX 10 mx", "mx A " + address};
  }

  std::vector<SignedZone> Zones() const {
    std::vector<std::string> match = Mail("127.0.0.81");
    match.push_back("_25._tcp.mx " + DaneEe(current_));
    std::vector<std::string> stale = Mail("127.0.0.82");
    // The key before the last renewal: the record was never updated.
    stale.push_back("_25._tcp.mx " + DaneEe(previous_key_));
    std::vector<std::string> unusable = Mail("127.0.0.83");
    unusable.push_back("_25._tcp.mx TLSA 1 1 1 " + TlsaHex(unusable_cert_.cert_pem_path, 0, 1, 1));
    return {
        {"dnssec.test.", ZoneMode::kSecure, {}},
        {"match.dnssec.test.", ZoneMode::kSecure, match},
        {"stale.dnssec.test.", ZoneMode::kSecure, stale},
        {"unusable.dnssec.test.", ZoneMode::kSecure, unusable},
        {"bogustlsa.dnssec.test.", ZoneMode::kSecure, Mail("127.0.0.84")},
        // The TLSA records alone in a zone of their own whose signatures expired.
        {"_tcp.mx.bogustlsa.dnssec.test.", ZoneMode::kBogusExpired, {"_25 " + DaneEe(bogus_cert_)}},
    };
  }

  ProgramRun Check(const std::string& domain, bool json) {
    std::vector<std::string> argv = {STX_EXPORTER_BINARY,
                                     "check",
                                     domain,
                                     "--dns-server=" + rig_->server(),
                                     "--dns.trust-anchor-file=" + rig_->trust_anchor_file(),
                                     "--port=" + std::to_string(port_),
                                     "--ca-file=" + pki_.ca_path(),
                                     "--timeout=5s",
                                     "-4"};
    if (json) argv.push_back("--json");
    return RunProgram(argv, "", 30s);
  }
  nlohmann::json CheckJson(const std::string& domain) {
    const ProgramRun run = Check(domain, true);
    auto parsed = nlohmann::json::parse(run.out, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << run.out << run.err << rig_->Log();
    return parsed;
  }
  /// The `dane` object of the domain's only result.
  static const nlohmann::json& Dane(const nlohmann::json& report) {
    return report.at("results").at(0).at("dane");
  }

  std::string dir_;
  EphemeralPki pki_;
  std::uint16_t port_;
  CertFiles current_, stale_server_cert_, previous_key_, unusable_cert_, bogus_cert_;
  std::vector<std::unique_ptr<ScriptedSmtpServer>> servers_;
  std::unique_ptr<SignedZoneServer> rig_;
};

TEST_F(DaneCheck, MatchingRecordAuthenticatesTheServer) {
  const auto report = CheckJson("match.dnssec.test");
  const auto& dane = Dane(report);
  EXPECT_EQ(dane["status"], "match") << dane;
  EXPECT_EQ(dane["tlsa_name"], "_25._tcp.mx.match.dnssec.test");
  EXPECT_EQ(dane["usable"], 1);
  EXPECT_EQ(dane["matched"]["usage"], 3);
  EXPECT_EQ(dane["matched"]["depth"], 0);
  EXPECT_EQ(dane["matched"]["data"], TlsaHex(current_.cert_pem_path, 0, 1, 1));
  EXPECT_EQ(dane["rollover_risk"], true);
  // A DANE sender authenticates the server; an opportunistic one just encrypts.
  const auto& senders = report["results"][0]["senders"];
  EXPECT_EQ(senders["postfix_dane"]["outcome"], "tls_authenticated") << senders["postfix_dane"];
  EXPECT_EQ(senders["postfix_dane"]["policy"], "dane");
  EXPECT_EQ(senders["postfix"]["outcome"], "tls");
  const ProgramRun text = Check("match.dnssec.test", false);
  EXPECT_THAT(text.out, HasSubstr("match: the certificate matches TLSA 3 1 1 at depth 0"))
      << text.out;
  EXPECT_THAT(text.out, HasSubstr("only one usable TLSA record")) << text.out;
}

TEST_F(DaneCheck, RecordLeftStaleAfterARenewalIsAMismatchUntilTheZoneIsFixed) {
  const auto report = CheckJson("stale.dnssec.test");
  const auto& dane = Dane(report);
  EXPECT_EQ(dane["status"], "mismatch") << dane;
  EXPECT_EQ(dane["matched"], nullptr);
  EXPECT_THAT(dane["verify_error"].get<std::string>(), HasSubstr("no matching DANE TLSA"));
  // The WebPKI facts of the same session are all there (verify and continue).
  EXPECT_EQ(report["results"][0]["tls"]["chain_valid"], true) << report["results"][0]["tls"];
  EXPECT_THAT(report["results"][0]["rfc8460_results"], testing::Contains("tlsa-invalid"));
  // What it does to delivery: the DANE sender defers, the opportunistic one does not care.
  const auto& senders = report["results"][0]["senders"];
  EXPECT_EQ(senders["postfix_dane"]["outcome"], "deferred") << senders["postfix_dane"];
  EXPECT_EQ(senders["postfix_dane"]["reason"], "no usable TLSA record matches the certificate");
  EXPECT_EQ(senders["postfix"]["outcome"], "tls");
  // The explanation to forward names the record that would match the key served now.
  EXPECT_THAT(report["results"][0]["explanation"].get<std::string>(),
              HasSubstr("_25._tcp.mx.stale.dnssec.test. IN TLSA 3 1 1 " +
                        TlsaHex(stale_server_cert_.cert_pem_path, 0, 1, 1)))
      << report["results"][0]["explanation"];
  const ProgramRun text = Check("stale.dnssec.test", false);
  EXPECT_THAT(text.out,
              HasSubstr("mismatch: no usable TLSA record at _25._tcp.mx.stale.dnssec.test "
                        "matches the certificate the server presents"))
      << text.out;
  EXPECT_THAT(text.out, HasSubstr("real senders: deferred: postfix_dane;")) << text.out;

  // The partner publishes the current key's record: the next check matches.
  std::vector<std::string> fixed = Mail("127.0.0.82");
  fixed.push_back("_25._tcp.mx " + DaneEe(stale_server_cert_));
  rig_->ReplaceZone({"stale.dnssec.test.", ZoneMode::kSecure, fixed});
  EXPECT_EQ(Dane(CheckJson("stale.dnssec.test"))["status"], "match");
}

TEST_F(DaneCheck, OnlyPkixUsagesAreUnusableForSmtp) {
  const auto report = CheckJson("unusable.dnssec.test");
  EXPECT_EQ(Dane(report)["status"], "unusable") << Dane(report);
  EXPECT_EQ(Dane(report)["records"], 1);
  EXPECT_EQ(Dane(report)["usable"], 0);
  const auto& postfix_dane = report["results"][0]["senders"]["postfix_dane"];
  EXPECT_EQ(postfix_dane["outcome"], "tls") << postfix_dane;
  EXPECT_EQ(postfix_dane["reason"], "TLSv1.3, not authenticated (no usable TLSA record)");
}

TEST_F(DaneCheck, BogusTlsaAnswerUnderSecureAddresses) {
  const auto report = CheckJson("bogustlsa.dnssec.test");
  const auto& tlsa = report["routing"]["exchangers"][0]["tlsa"];
  EXPECT_EQ(tlsa["dnssec"], "bogus") << tlsa << rig_->Log();
  EXPECT_EQ(Dane(report)["status"], "bogus") << Dane(report);
  EXPECT_THAT(report["results"][0]["rfc8460_results"], testing::Contains("dnssec-invalid"));
  EXPECT_EQ(report["results"][0]["senders"]["postfix_dane"]["outcome"], "deferred");
}

}  // namespace
}  // namespace stx::test
