// The MTA-STS policy fetch (RFC 8461 §3.3) against a real HTTPS server (nginx, one virtual host
// per partner) whose names a real DNS server (dnsmasq) answers, each way it can fail kept
// apart as a sender would see it. Loopback only: the policy hosts live on 127.0.0.91, port 443
// where senders fetch them (the tests run as root, as Postfix's do).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/asio.hpp"
#include "dns/resolver.hpp"
#include "policy/sts_fetch.hpp"
#include "scripted/ephemeral_pki.hpp"
#include "scripted/scripted_smtp_server.hpp"
#include "support/child_process.hpp"
#include "support/dnsmasq_server.hpp"
#include "support/https_policy_server.hpp"
#include "support/run_bounded.hpp"
#include "tls/client_context.hpp"

namespace stx::test {
using namespace stx::scripted;  // NOLINT(google-build-using-namespace): test code
namespace {

using namespace std::chrono_literals;
using policy::StsFetch;
using policy::StsFetchStatus;
using testing::HasSubstr;

constexpr const char* kPolicyAddress = "127.0.0.91";
constexpr const char* kSilentAddress = "127.0.0.92";
const std::string kPolicy =
    "version: STSv1\nmode: enforce\nmx: mx.ok.sts.test\nmx: *.ok.sts.test\nmax_age: 604800\n";

class MtaStsFetch : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(MakeTempDir("stx-sts-fetch"));
    pki_ = new EphemeralPki(*dir_ + "/pki");
    std::vector<PolicySite> sites;
    const auto site = [&](const std::string& domain, const CertSpec& spec, std::string location) {
      const CertFiles files = pki_->Issue(spec);
      sites.push_back({domain, files.cert_chain_pem_path, files.key_path, std::move(location)});
    };
    const auto valid = [](const std::string& domain) {
      return CertSpec::Valid("mta-sts." + domain);
    };
    site("ok.sts.test", valid("ok.sts.test"), PolicyAnswer(kPolicy));
    std::string crlf;
    for (const char c : kPolicy) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    site("crlf.sts.test", valid("crlf.sts.test"), PolicyAnswer(crlf, "text/plain; charset=utf-8"));
    site("redirect.sts.test", valid("redirect.sts.test"),
         "return 301 https://mta-sts.ok.sts.test/.well-known/mta-sts.txt;");
    site("html.sts.test", valid("html.sts.test"), PolicyAnswer(kPolicy, "text/html"));
    site("big.sts.test", valid("big.sts.test"), PolicyAnswer(kPolicy + std::string(70'000, '#')));
    site("missing.sts.test", valid("missing.sts.test"), "return 404;");
    site("invalid.sts.test", valid("invalid.sts.test"),
         PolicyAnswer("version: STSv1\nmode: enforce\nmax_age: 86400\n"));
    site("wrongname.sts.test", CertSpec::Valid("www.wrongname.sts.test"), PolicyAnswer(kPolicy));
    site("expired.sts.test", CertSpec::Expired("mta-sts.expired.sts.test"), PolicyAnswer(kPolicy));
    site("selfsigned.sts.test", CertSpec::SelfSigned("mta-sts.selfsigned.sts.test"),
         PolicyAnswer(kPolicy));
    // A wildcard for the whole left-most label is valid for the policy host (RFC 6125 §6.4.3).
    site("wildcard.sts.test", CertSpec::Valid("*.wildcard.sts.test"), PolicyAnswer(kPolicy));
    server_ = new HttpsPolicyServer(kPolicyAddress, 443, std::move(sites));
    std::vector<std::string> records;
    for (const char* domain : {"ok", "crlf", "redirect", "html", "big", "missing", "invalid",
                               "wrongname", "expired", "selfsigned", "wildcard"}) {
      records.push_back("--host-record=mta-sts." + std::string(domain) + ".sts.test," +
                        kPolicyAddress);
    }
    records.push_back(std::string("--host-record=mta-sts.silent.sts.test,") + kSilentAddress);
    dns_ = new DnsmasqServer(records);
  }
  static void TearDownTestSuite() {
    delete dns_;
    delete server_;
    delete pki_;
    delete dir_;
  }

  StsFetch Fetch(const std::string& domain, std::chrono::milliseconds timeout = 5s) {
    asio::io_context io;
    dns::ResolverOptions resolver_options;
    resolver_options.server = dns_->server();
    resolver_options.trust_anchor_file = "";
    dns::Resolver resolver(io.get_executor(), resolver_options);
    policy::StsFetchOptions options;
    options.timeout = timeout;
    auto context = tls::MakeClientContext({pki_->ca_path(), /*system_trust_store=*/false});
    auto fetch =
        RunBounded(io, policy::FetchStsPolicy(domain, resolver, context, options), timeout + 5s);
    if (!fetch) {
      ADD_FAILURE() << "the fetch of " << domain << " did not end\n" << server_->Log();
      return {};
    }
    return *fetch;
  }

  static std::string* dir_;
  static EphemeralPki* pki_;
  static HttpsPolicyServer* server_;
  static DnsmasqServer* dns_;
};
std::string* MtaStsFetch::dir_ = nullptr;
EphemeralPki* MtaStsFetch::pki_ = nullptr;
HttpsPolicyServer* MtaStsFetch::server_ = nullptr;
DnsmasqServer* MtaStsFetch::dns_ = nullptr;

TEST_F(MtaStsFetch, ValidPolicyIsRead) {
  const StsFetch fetch = Fetch("ok.sts.test");
  ASSERT_EQ(ToString(fetch.status), "ok") << fetch.detail << server_->Log();
  EXPECT_EQ(fetch.url, "https://mta-sts.ok.sts.test/.well-known/mta-sts.txt");
  EXPECT_EQ(fetch.address, "127.0.0.91:443");
  EXPECT_EQ(fetch.http_status, 200);
  ASSERT_TRUE(fetch.read.policy.has_value());
  EXPECT_EQ(fetch.read.policy->mode, policy::StsMode::kEnforce);
  EXPECT_EQ(fetch.read.policy->max_age, 604800u);
  EXPECT_EQ(fetch.read.policy->mx, (std::vector<std::string>{"mx.ok.sts.test", "*.ok.sts.test"}));
}

TEST_F(MtaStsFetch, CrlfLinesAndACharsetParameterAreFine) {
  const StsFetch fetch = Fetch("crlf.sts.test");
  EXPECT_EQ(ToString(fetch.status), "ok") << fetch.detail;
  EXPECT_EQ(fetch.content_type, "text/plain; charset=utf-8");
}

TEST_F(MtaStsFetch, WildcardCertificateForTheLeftmostLabelIsValid) {
  EXPECT_EQ(ToString(Fetch("wildcard.sts.test").status), "ok");
}

TEST_F(MtaStsFetch, RedirectIsNotFollowed) {
  const StsFetch fetch = Fetch("redirect.sts.test");
  EXPECT_EQ(ToString(fetch.status), "redirect");
  EXPECT_EQ(fetch.http_status, 301);
  EXPECT_EQ(fetch.location, "https://mta-sts.ok.sts.test/.well-known/mta-sts.txt");
  EXPECT_EQ(policy::Rfc8460ResultType(fetch.status), "sts-policy-fetch-error");
}

TEST_F(MtaStsFetch, WrongContentTypeOversizeAndNotFound) {
  const StsFetch html = Fetch("html.sts.test");
  EXPECT_EQ(ToString(html.status), "wrong_content_type") << html.detail;
  EXPECT_THAT(html.detail, HasSubstr("text/html"));
  EXPECT_EQ(policy::Rfc8460ResultType(html.status), "sts-policy-invalid");
  const StsFetch big = Fetch("big.sts.test");
  EXPECT_EQ(ToString(big.status), "too_large")
      << big.detail << " " << big.content_type << " " << big.http_status << "\n"
      << server_->Log();
  const StsFetch missing = Fetch("missing.sts.test");
  EXPECT_EQ(ToString(missing.status), "http_error");
  EXPECT_EQ(missing.http_status, 404);
}

TEST_F(MtaStsFetch, InvalidPolicySaysWhy) {
  const StsFetch fetch = Fetch("invalid.sts.test");
  EXPECT_EQ(ToString(fetch.status), "invalid_policy");
  EXPECT_EQ(fetch.detail, "the policy is not valid: no mx pattern");
}

TEST_F(MtaStsFetch, CertificateProblemsAreWebPkiInvalid) {
  for (const char* domain : {"wrongname.sts.test", "expired.sts.test", "selfsigned.sts.test"}) {
    const StsFetch fetch = Fetch(domain);
    EXPECT_EQ(ToString(fetch.status), "certificate_invalid") << domain << ": " << fetch.detail;
    EXPECT_EQ(policy::Rfc8460ResultType(fetch.status), "sts-webpki-invalid");
    EXPECT_EQ(fetch.http_status, 0) << "no request is sent over an unauthenticated session";
  }
  EXPECT_THAT(Fetch("wrongname.sts.test").detail,
              HasSubstr("not valid for mta-sts.wrongname.sts.test"));
  EXPECT_THAT(Fetch("expired.sts.test").detail, HasSubstr("certificate has expired"));
}

TEST_F(MtaStsFetch, NoPolicyHostAndASilentOneAreBoundedFailures) {
  const StsFetch none = Fetch("nohost.sts.test");
  EXPECT_EQ(ToString(none.status), "dns_failed");
  EXPECT_THAT(none.detail, HasSubstr("no address for mta-sts.nohost.sts.test"));
  // Accepts TCP, never says a word: the fetch's deadline, not a hang.
  ServerScript silent = ServerScript::Silent();
  ScriptedSmtpServer listener(silent, kSilentAddress, 443);
  const auto start = std::chrono::steady_clock::now();
  const StsFetch fetch = Fetch("silent.sts.test", 2s);
  EXPECT_EQ(ToString(fetch.status), "timeout") << fetch.detail;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

}  // namespace
}  // namespace stx::test
