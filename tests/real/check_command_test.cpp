// `starttls_exporter check` end to end: real dnsmasq for MX/A/AAAA, scripted partners and a
// real Postfix on loopback, the command's JSON and exit status as a user sees them.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "app/check_command.hpp"
#include "scripted/ephemeral_pki.hpp"
#include "scripted/scripted_smtp_server.hpp"
#include "support/child_process.hpp"
#include "support/dnsmasq_server.hpp"
#include "support/postfix_server.hpp"

namespace stx::test {
using namespace stx::scripted;  // NOLINT(google-build-using-namespace): test code
namespace {

using nlohmann::json;

struct CheckRun {
  int status = -1;
  std::string out;
  std::string err;
  json report;
};

CheckRun RunCheckCommand(app::CheckCommandOptions options) {
  CheckRun run;
  std::ostringstream out, err;
  run.status = app::RunCheck(options, out, err);
  run.out = out.str();
  run.err = err.str();
  if (options.json && !run.out.empty()) run.report = json::parse(run.out);
  return run;
}

class CheckCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("stx-check");
    pki_ = std::make_unique<EphemeralPki>(dir_);
    port_ = FreeLoopbackPort();
  }

  ServerScript Script(ServerScript script, const std::string& host) {
    const CertFiles files = pki_->Issue(CertSpec::Valid(host));
    script.cert_chain_path = files.cert_chain_pem_path;
    script.key_path = files.key_path;
    return script;
  }

  app::CheckCommandOptions Options(const std::string& target, const DnsmasqServer& dns) {
    app::CheckCommandOptions o;
    o.target = target;
    o.json = true;
    o.ehlo_name = "probe.example";
    o.dns_server = dns.server();
    o.dns_trust_anchor_file = STX_UNUSED_TRUST_ANCHOR;
    o.timeout = "5s";
    o.port = port_;
    o.ca_file = pki_->ca_path();
    return o;
  }

  std::string dir_;
  std::unique_ptr<EphemeralPki> pki_;
  std::uint16_t port_ = 0;
};

TEST_F(CheckCommand, DomainWithMisorderedPrimaryAndCompliantBackup) {
  ScriptedSmtpServer mx1(Script(ServerScript::Misordered(), "mx1.partner.test"), "127.0.0.2",
                         port_);
  ScriptedSmtpServer mx2(Script(ServerScript::Compliant(), "mx2.partner.test"), "127.0.0.3", port_);
  DnsmasqServer dns(
      {"--mx-host=partner.test,mx2.partner.test,20", "--mx-host=partner.test,mx1.partner.test,10",
       "--host-record=mx1.partner.test,127.0.0.2", "--host-record=mx2.partner.test,127.0.0.3"});
  app::CheckCommandOptions options = Options("partner.test", dns);
  options.ipv4_only = true;
  const CheckRun run = RunCheckCommand(options);

  EXPECT_EQ(run.status, 1) << run.err << run.out;
  const json& r = run.report;
  EXPECT_EQ(r["domain"], "partner.test");
  EXPECT_EQ(r["routing"]["kind"], "mx");
  ASSERT_EQ(r["results"].size(), 2u) << run.out;
  const json& first = r["results"][0];
  EXPECT_EQ(first["mx"], "mx1.partner.test");
  EXPECT_EQ(first["preference"], 10);
  EXPECT_EQ(first["address"], "127.0.0.2");
  EXPECT_EQ(first["port"], port_);
  EXPECT_EQ(first["ehlo_class"], "misordered");
  EXPECT_EQ(first["error"], nullptr);
  EXPECT_EQ(first["client_profiles"]["strict"]["gets_tls"], false);
  EXPECT_EQ(first["client_profiles"]["lenient"]["gets_tls"], true);
  EXPECT_EQ(first["tls"]["outcome"], "established");
  EXPECT_EQ(first["tls"]["hostname_valid"], true);
  EXPECT_EQ(first["tls"]["chain_valid"], true);
  EXPECT_EQ(first["findings"][0]["code"], "starttls-on-greeting-line");
  EXPECT_NE(first["explanation"].get<std::string>().find("FIRST line"), std::string::npos);
  EXPECT_FALSE(first["transcript"].empty());

  const json& second = r["results"][1];
  EXPECT_EQ(second["mx"], "mx2.partner.test");
  EXPECT_EQ(second["ehlo_class"], "compliant");
  EXPECT_EQ(second["tls"]["version"], "TLSv1.3");
  EXPECT_EQ(r["summary"]["misordered"], 1);
  EXPECT_EQ(r["summary"]["compliant"], 1);

  // SNI carried each MX host's own name.
  ASSERT_TRUE(mx1.WaitForClosed(1, std::chrono::seconds(5)));
  EXPECT_EQ(mx1.Connections().at(0).sni, "mx1.partner.test");
}

TEST_F(CheckCommand, PrimaryOnlyProbesTheLowestPreference) {
  ScriptedSmtpServer mx1(Script(ServerScript::Compliant(), "mx1.partner.test"), "127.0.0.2", port_);
  DnsmasqServer dns(
      {"--mx-host=partner.test,mx1.partner.test,10", "--mx-host=partner.test,mx2.partner.test,20",
       "--host-record=mx1.partner.test,127.0.0.2", "--host-record=mx2.partner.test,127.0.0.3"});
  app::CheckCommandOptions options = Options("partner.test", dns);
  options.primary_only = true;
  const CheckRun run = RunCheckCommand(options);
  EXPECT_EQ(run.status, 0) << run.out;
  ASSERT_EQ(run.report["results"].size(), 1u);
  EXPECT_EQ(run.report["results"][0]["mx"], "mx1.partner.test");
}

TEST_F(CheckCommand, EveryAddressOfAnMxHostIsProbedIpv4AndIpv6) {
  ScriptedSmtpServer v4(Script(ServerScript::Compliant(), "mx.dual.test"), "127.0.0.2", port_);
  ScriptedSmtpServer v6(Script(ServerScript::NoStarttls(), "mx.dual.test"), "::1", port_);
  DnsmasqServer dns(
      {"--mx-host=dual.test,mx.dual.test,10", "--host-record=mx.dual.test,127.0.0.2,::1"});
  const CheckRun run = RunCheckCommand(Options("dual.test", dns));
  EXPECT_EQ(run.status, 1) << run.out;
  ASSERT_EQ(run.report["results"].size(), 2u) << run.out;
  EXPECT_EQ(run.report["results"][0]["address"], "127.0.0.2");
  EXPECT_EQ(run.report["results"][0]["ehlo_class"], "compliant");
  EXPECT_EQ(run.report["results"][1]["address"], "::1");
  EXPECT_EQ(run.report["results"][1]["ehlo_class"], "no_starttls");

  app::CheckCommandOptions only_v6 = Options("dual.test", dns);
  only_v6.ipv6_only = true;
  const CheckRun run6 = RunCheckCommand(only_v6);
  ASSERT_EQ(run6.report["results"].size(), 1u);
  EXPECT_EQ(run6.report["results"][0]["address"], "::1");
}

TEST_F(CheckCommand, ImplicitMxUsesTheDomainsOwnAddress) {
  ScriptedSmtpServer server(Script(ServerScript::Compliant(), "implicit.test"), "127.0.0.4", port_);
  DnsmasqServer dns({"--host-record=implicit.test,127.0.0.4"});
  const CheckRun run = RunCheckCommand(Options("implicit.test", dns));
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_EQ(run.report["routing"]["kind"], "implicit_mx");
  ASSERT_EQ(run.report["results"].size(), 1u);
  EXPECT_EQ(run.report["results"][0]["mx"], "implicit.test");
  EXPECT_EQ(run.report["results"][0]["ehlo_class"], "compliant");
}

TEST_F(CheckCommand, NullMxIsItsOwnOutcomeNotAFailure) {
  DnsmasqServer dns({"--dns-rr=nullmx.test,15,000000"});
  const CheckRun run = RunCheckCommand(Options("nullmx.test", dns));
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_EQ(run.report["routing"]["kind"], "null_mx");
  EXPECT_EQ(run.report["error"], nullptr);
  EXPECT_TRUE(run.report["results"].empty());

  app::CheckCommandOptions text = Options("nullmx.test", dns);
  text.json = false;
  EXPECT_NE(RunCheckCommand(text).out.find("RFC 7505"), std::string::npos);
}

TEST_F(CheckCommand, NxDomainIsADnsError) {
  DnsmasqServer dns(std::vector<std::string>{});
  const CheckRun run = RunCheckCommand(Options("nonexistent.test", dns));
  EXPECT_EQ(run.status, 2);
  EXPECT_EQ(run.report["error"]["reason"], "dns_nxdomain");
  EXPECT_TRUE(run.report["results"].empty());
}

TEST_F(CheckCommand, MxHostWithoutAddressIsReportedNotDropped) {
  ScriptedSmtpServer mx1(Script(ServerScript::Compliant(), "mx1.partner.test"), "127.0.0.2", port_);
  DnsmasqServer dns({"--mx-host=partner.test,mx1.partner.test,10",
                     "--mx-host=partner.test,gone.partner.test,20",
                     "--host-record=mx1.partner.test,127.0.0.2"});
  const CheckRun run = RunCheckCommand(Options("partner.test", dns));
  EXPECT_EQ(run.status, 2) << run.out;
  ASSERT_EQ(run.report["results"].size(), 2u) << run.out;
  EXPECT_EQ(run.report["results"][0]["ehlo_class"], "compliant");
  EXPECT_EQ(run.report["results"][1]["mx"], "gone.partner.test");
  EXPECT_EQ(run.report["results"][1]["ehlo_class"], "error");
  EXPECT_EQ(run.report["results"][1]["error"]["stage"], "dns");
}

TEST_F(CheckCommand, UsageErrorsSayWhatIsWrong) {
  DnsmasqServer dns(std::vector<std::string>{});
  app::CheckCommandOptions bad_timeout = Options("partner.test", dns);
  bad_timeout.timeout = "soon";
  CheckRun run = RunCheckCommand(bad_timeout);
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find("--timeout: found \"soon\": a number must come before each unit"),
            std::string::npos)
      << run.err;

  app::CheckCommandOptions bad_dns = Options("partner.test", dns);
  bad_dns.dns_server = "127.0.0.1:99999";
  run = RunCheckCommand(bad_dns);
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find("99999"), std::string::npos) << run.err;
  EXPECT_TRUE(run.out.empty());
}

// The real MTA: Debian's Postfix with STARTTLS and a certificate from the test CA, reached
// through real DNS as the MX of postfix.test.
TEST_F(CheckCommand, RealPostfixWithStarttlsIsCompliantWithVerifiedTls) {
  const CertFiles cert = pki_->Issue(CertSpec::Valid("mx.postfix.test"));
  PostfixOptions pf;
  pf.tls_chain_path = cert.cert_chain_pem_path;
  pf.tls_key_path = cert.key_path;
  PostfixServer postfix(pf);
  DnsmasqServer dns(
      {"--mx-host=postfix.test,mx.postfix.test,10", "--host-record=mx.postfix.test,127.0.0.1"});
  app::CheckCommandOptions options = Options("postfix.test", dns);
  options.port = postfix.port();
  const CheckRun run = RunCheckCommand(options);

  EXPECT_EQ(run.status, 0) << run.out << postfix.Log();
  ASSERT_EQ(run.report["results"].size(), 1u) << run.out;
  const json& r = run.report["results"][0];
  EXPECT_EQ(r["mx"], "mx.postfix.test");
  EXPECT_EQ(r["ehlo_class"], "compliant");
  EXPECT_EQ(r["ehlo"]["greeting"], "mx.postfix.test");
  EXPECT_EQ(r["tls"]["outcome"], "established");
  EXPECT_EQ(r["tls"]["version"], "TLSv1.3");
  EXPECT_EQ(r["tls"]["chain_valid"], true);
  EXPECT_EQ(r["tls"]["hostname_valid"], true);
  EXPECT_EQ(r["tls"]["certificate"]["not_after_unix"], cert.not_after_unix);
  EXPECT_EQ(r["client_profiles"]["strict"]["gets_tls"], true);
  EXPECT_TRUE(r["findings"].empty()) << r["findings"].dump();
}

TEST_F(CheckCommand, RealPostfixWithoutTlsIsNoStarttls) {
  PostfixServer postfix(PostfixOptions{});
  DnsmasqServer dns(
      {"--mx-host=postfix.test,mx.postfix.test,10", "--host-record=mx.postfix.test,127.0.0.1"});
  app::CheckCommandOptions options = Options("postfix.test", dns);
  options.port = postfix.port();
  const CheckRun run = RunCheckCommand(options);
  EXPECT_EQ(run.status, 1) << run.out;
  ASSERT_EQ(run.report["results"].size(), 1u);
  EXPECT_EQ(run.report["results"][0]["ehlo_class"], "no_starttls");
  EXPECT_EQ(run.report["results"][0]["tls"]["outcome"], "not_attempted");
}

TEST_F(CheckCommand, RealPostfixWithExpiredCertificateReportsItButStillEncrypts) {
  const CertFiles cert = pki_->Issue(CertSpec::Expired("mx.postfix.test"));
  PostfixOptions pf;
  pf.tls_chain_path = cert.cert_chain_pem_path;
  pf.tls_key_path = cert.key_path;
  PostfixServer postfix(pf);
  DnsmasqServer dns({"--host-record=mx.postfix.test,127.0.0.1"});
  app::CheckCommandOptions options =
      Options("mx.postfix.test:" + std::to_string(postfix.port()), dns);
  const CheckRun run = RunCheckCommand(options);
  EXPECT_EQ(run.status, 0) << run.out;
  ASSERT_EQ(run.report["results"].size(), 1u);
  const json& r = run.report["results"][0];
  EXPECT_EQ(r["ehlo_class"], "compliant");
  EXPECT_EQ(r["tls"]["chain_valid"], false);
  EXPECT_EQ(r["tls"]["failures"], json::array({"certificate-expired"}));
  EXPECT_EQ(r["tls"]["verify_error"], "certificate has expired");
  EXPECT_EQ(r["client_profiles"]["strict"]["gets_tls"], true);
}

}  // namespace
}  // namespace stx::test
