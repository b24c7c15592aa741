// MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) as the user types it: `check <domain>` against a
// real DNS server (dnsmasq: MX, A and the _mta-sts / _smtp._tls TXT records), a real HTTPS
// server for the policies (nginx on 127.0.0.93:443, where senders fetch them; the tests run as
// root) and scripted MX hosts on loopback. Each partner shows one way a policy helps or hurts
// delivery for a sender that enforces it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "scripted/ephemeral_pki.hpp"
#include "scripted/scripted_smtp_server.hpp"
#include "support/child_process.hpp"
#include "support/dnsmasq_server.hpp"
#include "support/https_policy_server.hpp"

namespace stx::test {
using namespace stx::scripted;  // NOLINT(google-build-using-namespace): test code
namespace {

using namespace std::chrono_literals;
using testing::HasSubstr;

constexpr const char* kPolicyHost = "127.0.0.93";

struct Partner {
  std::string domain;
  std::string mx;       ///< its MX host
  std::string address;  ///< the MX host's address
  std::string policy;   ///< the policy body ("" for none served)
  std::vector<std::string> sts_txt;
  std::string location;  ///< nginx directives instead of serving `policy`
};

std::string Policy(const std::string& mode, const std::string& mx) {
  return "version: STSv1\nmode: " + mode + "\nmx: " + mx + "\nmax_age: 604800\n";
}

class MtaStsCheck : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(MakeTempDir("stx-sts-check"));
    pki_ = new EphemeralPki(*dir_ + "/pki");
    port_ = FreeLoopbackPort();
    const std::vector<Partner> partners = {
        {"covered.sts.test",
         "mx.covered.sts.test",
         "127.0.0.94",
         Policy("enforce", "mx.covered.sts.test"),
         {"v=STSv1; id=20261206"},
         ""},
        // The MX moved to mx2 and the policy still names mx only.
        {"uncovered.sts.test",
         "mx2.uncovered.sts.test",
         "127.0.0.95",
         Policy("enforce", "mx.uncovered.sts.test"),
         {"v=STSv1; id=20261206"},
         ""},
        {"testing.sts.test",
         "mx2.testing.sts.test",
         "127.0.0.96",
         Policy("testing", "mx.testing.sts.test"),
         {"v=STSv1; id=1"},
         ""},
        {"redirect.sts.test",
         "mx.redirect.sts.test",
         "127.0.0.97",
         "",
         {"v=STSv1; id=1"},
         "return 302 https://www.redirect.sts.test/mta-sts.txt;"},
        {"twotxt.sts.test",
         "mx.twotxt.sts.test",
         "127.0.0.98",
         Policy("enforce", "mx.twotxt.sts.test"),
         {"v=STSv1; id=1", "v=STSv1; id=2"},
         ""},
    };
    std::vector<PolicySite> sites;
    std::vector<std::string> dns;
    servers_ = new std::vector<std::unique_ptr<ScriptedSmtpServer>>();
    for (const Partner& p : partners) {
      CertSpec mx_spec = CertSpec::Valid(p.mx);
      mx_spec.ip_sans = {p.address};
      const CertFiles mx_cert = pki_->Issue(mx_spec);
      ServerScript script = ServerScript::Compliant();
      script.cert_chain_path = mx_cert.cert_chain_pem_path;
      script.key_path = mx_cert.key_path;
      servers_->push_back(std::make_unique<ScriptedSmtpServer>(script, p.address, port_));
      const CertFiles web = pki_->Issue(CertSpec::Valid("mta-sts." + p.domain));
      sites.push_back({p.domain, web.cert_chain_pem_path, web.key_path,
                       p.location.empty() ? PolicyAnswer(p.policy) : p.location});
      dns.push_back("--mx-host=" + p.domain + "," + p.mx + ",10");
      dns.push_back("--host-record=" + p.mx + "," + p.address);
      dns.push_back("--host-record=mta-sts." + p.domain + "," + kPolicyHost);
      for (const std::string& txt : p.sts_txt) {
        dns.push_back("--txt-record=_mta-sts." + p.domain + "," + txt);
      }
    }
    dns.push_back(
        "--txt-record=_smtp._tls.covered.sts.test,v=TLSRPTv1; rua=mailto:tls@covered.sts.test");
    web_ = new HttpsPolicyServer(kPolicyHost, 443, std::move(sites));
    dns_ = new DnsmasqServer(dns);
  }
  static void TearDownTestSuite() {
    delete dns_;
    delete web_;
    delete servers_;
    delete pki_;
    delete dir_;
  }

  static ProgramRun Check(const std::string& domain, bool json) {
    std::vector<std::string> argv = {STX_EXPORTER_BINARY,
                                     "check",
                                     domain,
                                     "--dns-server=" + dns_->server(),
                                     "--dns.trust-anchor-file=" STX_UNUSED_TRUST_ANCHOR,
                                     "--port=" + std::to_string(port_),
                                     "--ca-file=" + pki_->ca_path(),
                                     "--timeout=5s",
                                     "-4"};
    if (json) argv.push_back("--json");
    return RunProgram(argv, "", 30s);
  }
  static nlohmann::json CheckJson(const std::string& domain) {
    const ProgramRun run = Check(domain, true);
    auto parsed = nlohmann::json::parse(run.out, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << run.out << run.err << web_->Log();
    return parsed;
  }

  static std::string* dir_;
  static EphemeralPki* pki_;
  static std::uint16_t port_;
  static std::vector<std::unique_ptr<ScriptedSmtpServer>>* servers_;
  static HttpsPolicyServer* web_;
  static DnsmasqServer* dns_;
};
std::string* MtaStsCheck::dir_ = nullptr;
EphemeralPki* MtaStsCheck::pki_ = nullptr;
std::uint16_t MtaStsCheck::port_ = 0;
std::vector<std::unique_ptr<ScriptedSmtpServer>>* MtaStsCheck::servers_ = nullptr;
HttpsPolicyServer* MtaStsCheck::web_ = nullptr;
DnsmasqServer* MtaStsCheck::dns_ = nullptr;

TEST_F(MtaStsCheck, CoveredMxWithAValidCertificateIsAuthenticatedDelivery) {
  const auto report = CheckJson("covered.sts.test");
  const auto& sts = report["policy"]["mta_sts"];
  EXPECT_EQ(sts["status"], "ok") << sts;
  EXPECT_EQ(sts["id"], "20261206");
  EXPECT_EQ(sts["fetch"]["status"], "ok") << sts["fetch"] << web_->Log();
  EXPECT_EQ(sts["mode"], "enforce");
  EXPECT_EQ(sts["mx"], nlohmann::json::array({"mx.covered.sts.test"}));
  EXPECT_EQ(sts["max_age"], 604800);
  EXPECT_EQ(sts["in_force"], true);
  EXPECT_EQ(report["policy"]["tls_rpt"]["status"], "ok");
  EXPECT_EQ(report["policy"]["tls_rpt"]["rua"],
            nlohmann::json::array({"mailto:tls@covered.sts.test"}));
  const auto& result = report["results"][0];
  EXPECT_EQ(result["mta_sts"]["status"], "valid") << result["mta_sts"];
  EXPECT_EQ(result["mta_sts"]["mx_match"], true);
  EXPECT_EQ(result["senders"]["mta_sts"]["outcome"], "tls_authenticated") << result["senders"];
  EXPECT_EQ(result["senders"]["mta_sts"]["policy"], "mta-sts");
  EXPECT_EQ(result["senders"]["postfix"]["outcome"], "tls");
}

TEST_F(MtaStsCheck, EnforcedPolicyThatDoesNotCoverTheMxDefersItsSenders) {
  const auto report = CheckJson("uncovered.sts.test");
  const auto& result = report["results"][0];
  EXPECT_EQ(result["mta_sts"]["status"], "mx_not_covered") << result["mta_sts"];
  EXPECT_EQ(result["mta_sts"]["enforce"], true);
  EXPECT_EQ(result["senders"]["mta_sts"]["outcome"], "deferred");
  EXPECT_EQ(result["senders"]["mta_sts"]["reason"],
            "the MX host is not covered by the MTA-STS policy");
  EXPECT_EQ(result["senders"]["postfix"]["outcome"], "tls") << "opportunistic senders do not care";
  EXPECT_THAT(result["rfc8460_results"], testing::Contains("validation-failure"));
  EXPECT_THAT(result["explanation"].get<std::string>(),
              HasSubstr("Your MTA-STS policy (RFC 8461) is in enforce mode and your MX host "
                        "mx2.uncovered.sts.test fails it: it matches none of the policy's mx "
                        "patterns (mx.uncovered.sts.test)."));
  const ProgramRun text = Check("uncovered.sts.test", false);
  EXPECT_THAT(text.out, HasSubstr("\n  MTA-STS: enforce, mx mx.uncovered.sts.test, max_age 604800 "
                                  "s, id 20261206\n  TLS-RPT: none"))
      << text.out;
  EXPECT_THAT(text.out, HasSubstr("MTA-STS:  mx_not_covered: MX host mx2.uncovered.sts.test "
                                  "matches none of the policy's mx patterns"))
      << text.out;
}

TEST_F(MtaStsCheck, TestingModeDeliversAndOnlyReports) {
  const auto report = CheckJson("testing.sts.test");
  const auto& result = report["results"][0];
  EXPECT_EQ(result["mta_sts"]["status"], "mx_not_covered");
  EXPECT_EQ(result["mta_sts"]["enforce"], false);
  EXPECT_EQ(result["senders"]["mta_sts"]["outcome"], "tls") << result["senders"]["mta_sts"];
  EXPECT_EQ(result["senders"]["mta_sts"]["policy"], nullptr);
}

TEST_F(MtaStsCheck, RedirectedFetchAndTwoRecordsLeaveNoPolicyInForce) {
  const auto redirect = CheckJson("redirect.sts.test");
  EXPECT_EQ(redirect["policy"]["mta_sts"]["fetch"]["status"], "redirect");
  EXPECT_EQ(redirect["policy"]["mta_sts"]["fetch"]["location"],
            "https://www.redirect.sts.test/mta-sts.txt");
  EXPECT_EQ(redirect["policy"]["mta_sts"]["in_force"], false);
  EXPECT_EQ(redirect["results"][0]["mta_sts"], nullptr);
  EXPECT_EQ(redirect["results"][0]["senders"]["mta_sts"]["outcome"], "tls");
  const auto two = CheckJson("twotxt.sts.test");
  EXPECT_EQ(two["policy"]["mta_sts"]["status"], "multiple") << two["policy"];
  EXPECT_EQ(two["policy"]["mta_sts"]["fetch"], nullptr);
}

}  // namespace
}  // namespace stx::test
