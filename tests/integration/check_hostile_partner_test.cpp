// `starttls_exporter check`, the real binary, against partners that put hostile bytes where
// it quotes them (greeting, keywords, certificate names) or that refuse TLS: the command
// never aborts, its JSON is valid and ASCII, its text prints no control character and no line
// of the partner's, and its exit status follows what senders get.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>
#include <string>

#include "scripted/ephemeral_pki.hpp"
#include "scripted/scripted_smtp_server.hpp"
#include "support/child_process.hpp"
#include "support/displayable.hpp"

namespace stx::test {
namespace {

using scripted::CertSpec;
using scripted::ServerScript;

// A terminal title, a cleared screen and a fake verdict on a line of its own (no ',' : the
// PKI's SAN syntax), and bytes that are not UTF-8.
const std::string kAnsi = "\x1B]0;pwned\x07\x1B[2J\r\nCOMPLIANT";

class CheckHostilePartner : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("stx-check-hostile");
    pki_ = std::make_unique<scripted::EphemeralPki>(dir_);
  }

  ServerScript Hostile() {
    ServerScript script = ServerScript::Compliant();
    script.banner = "220 mx\xE9.evil.test " + kAnsi.substr(0, 8) + " ESMTP\r\n";
    script.ehlo_reply =
        "250-mx\xE9.evil.test\r\n250-X\xE9KEY\r\n250-\xC2\x9B"
        "2J\r\n250 STARTTLS\r\n";
    CertSpec spec = CertSpec::Valid("mx.evil.test");
    spec.dns_sans = {"\xFF\xFE.evil.test", kAnsi};
    const auto files = pki_->Issue(spec);
    script.cert_chain_path = files.cert_chain_pem_path;
    script.key_path = files.key_path;
    return script;
  }

  ProgramRun Check(const scripted::ScriptedSmtpServer& server, bool json) {
    std::vector<std::string> argv{STX_EXPORTER_BINARY, "check",
                                  "127.0.0.1:" + std::to_string(server.port()),
                                  "--ehlo-name=probe.example.com", "--timeout=5s"};
    if (json) argv.push_back("--json");
    return RunProgram(argv, "", std::chrono::seconds(20));
  }

  std::string dir_;
  std::unique_ptr<scripted::EphemeralPki> pki_;
};

TEST_F(CheckHostilePartner, JsonIsValidAsciiWhateverThePartnerSends) {
  scripted::ScriptedSmtpServer server(Hostile());
  const ProgramRun run = Check(server, true);
  EXPECT_EQ(run.exit_status, 0) << run.err;  // TLS for every sender: no abort, no error
  ASSERT_TRUE(nlohmann::json::accept(run.out)) << run.out;
  for (const char c : run.out) ASSERT_LT(static_cast<unsigned char>(c), 0x80) << run.out;
  EXPECT_EQ(Undisplayable(run.out, "\n"), "");
  const auto report = nlohmann::json::parse(run.out);
  const auto& names = report["results"][0]["tls"]["certificate"]["dns_names"];
  ASSERT_EQ(names.size(), 3u);
  EXPECT_EQ(names[1], "\xEF\xBF\xBD\xEF\xBF\xBD.evil.test");  // U+FFFD for each bad byte
  EXPECT_EQ(names[2], kAnsi);  // control characters stay data, escaped by JSON
}

TEST_F(CheckHostilePartner, TextPrintsNoControlCharacterAndNoLineOfThePartners) {
  scripted::ScriptedSmtpServer server(Hostile());
  const ProgramRun run = Check(server, false);
  EXPECT_EQ(run.exit_status, 0) << run.err;
  EXPECT_EQ(Undisplayable(run.out, "\n"), "") << run.out;
  std::istringstream lines(run.out);
  for (std::string line; std::getline(lines, line);) EXPECT_NE(line.rfind("COMPLIANT", 0), 0u);
  // The names are shown, escaped, so the SRE still sees what the certificate holds.
  EXPECT_NE(run.out.find(R"(\xff\xfe.evil.test)"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find(R"(\x1b]0;pwned\x07\x1b[2J\x0d\x0aCOMPLIANT)"), std::string::npos)
      << run.out;
}

// A compliant reply whose STARTTLS is refused, or whose handshake fails, gives no sender TLS:
// exit 1, not 0.
TEST_F(CheckHostilePartner, ExitStatusFollowsWhatSendersGet) {
  scripted::ScriptedSmtpServer refused(ServerScript::StarttlsRefused());
  ProgramRun run = Check(refused, true);
  EXPECT_EQ(run.exit_status, 1) << run.out << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out)["results"][0]["ehlo_class"], "compliant");

  scripted::ScriptedSmtpServer broken(ServerScript::BrokenTls());
  run = Check(broken, false);
  EXPECT_EQ(run.exit_status, 1) << run.out << run.err;
  EXPECT_NE(run.out.find("handshake_failed"), std::string::npos) << run.out;
}

}  // namespace
}  // namespace stx::test
