// Every command line the documentation shows, run through the real binary: argv in, exit status
// and output out. A test that calls RunCheck() or RunConfigCheck() directly cannot see that an
// option was never registered with the parser; these can. The partners are scripted servers on
// loopback (IPv4 and IPv6), the DNS a real dnsmasq.
#include <gtest/gtest.h>
#include <signal.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "scripted/ephemeral_pki.hpp"
#include "scripted/scripted_smtp_server.hpp"
#include "support/child_process.hpp"
#include "support/dnsmasq_server.hpp"
#include "support/http_client.hpp"
#include "support/wait.hpp"

namespace stx::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

/// One documented command line and what it must do.
struct CommandLine {
  std::string name = "";
  /// After the program name. Placeholders, filled in from the fixture: {config} (two partners
  /// with pinned MX hosts: a compliant one on 127.0.0.1 and a misordered one on ::1), {invalid}
  /// (an unknown key on line 3), {dns} (dnsmasq: MX of cli.test is mx1.cli.test (10) at
  /// 127.0.0.1 and ::1, and mx2.cli.test (20) at 127.0.0.1), {port} (the partners' SMTP port),
  /// {ca} (the CA of their certificates), {web} (a free port for the exporter's web server),
  /// {anchor} (a DNSSEC trust anchor for a zone no test serves: dnsmasq knows no root keys, so
  /// with the default root anchor every answer would read bogus).
  std::vector<std::string> args = {};
  int exit_status = 0;
  std::vector<std::string> stdout_has = {};
  std::vector<std::string> stderr_has = {};
  std::string input = "";  ///< standard input
  bool daemon = false;     ///< runs until /-/ready answers 200, then gets SIGTERM
  std::function<void(const ProgramRun&)> also = {};  ///< further checks
};

// The JSON on standard output; an empty object when there is none (a failure then).
json ParsedOut(const ProgramRun& run) {
  json parsed = json::parse(run.out, nullptr, false);
  EXPECT_TRUE(parsed.is_object()) << run.out;
  return parsed.is_object() ? parsed : json::object();
}

// The classes of a `check <target> --json` report, address by address, in order.
std::vector<std::string> Classes(const json& report) {
  std::vector<std::string> out;
  if (!report.contains("results") || !report["results"].is_array()) return out;
  for (const json& r : report["results"])
    out.push_back(r["address"].get<std::string>() + " " + r["ehlo_class"].get<std::string>());
  return out;
}

const char* const kBadName =
    "check: 'a..b': the name has an empty label (\"..\" or a leading dot); write a mail domain "
    "(example.com), a host with a port (mx.example.com:25, 192.0.2.1:25) or an IPv6 address in "
    "brackets ([2001:db8::1]:25)\n";

const std::vector<CommandLine>& DocumentedCommandLines() {
  static const std::vector<CommandLine> lines = {
      // --- the daemon's options ---
      {.name = "help",
       .args = {"--help"},
       .stdout_has = {"--config.file", "--config.check", "--shard", "--demo", "check",
                      "hash-password"}},
      {.name = "version",
       .args = {"--version"},
       .also =
           [](const ProgramRun& run) {
             EXPECT_TRUE(std::regex_match(run.out, std::regex("[0-9]+\\.[0-9]+\\.[0-9]+\n")))
                 << run.out;
           }},
      {.name = "config check, valid",
       .args = {"--config.file={config}", "--config.check"},
       .stdout_has = {"valid, 2 partners\n"}},
      {.name = "config check, invalid",
       .args = {"--config.check", "--config.file={invalid}"},
       .exit_status = 1,
       .stderr_has = {"invalid.toml:3:1: partner[1].domian: unknown key 'domian'; did you mean "
                      "'domain'?"}},
      {.name = "config check, one shard",
       .args = {"--config.check", "--config.file={config}", "--shard=1/2"},
       .stdout_has = {"valid, 2 partners, ", " on shard 1/2\n"}},
      {.name = "shard out of range",
       .args = {"--config.file={config}", "--shard=2/2"},
       .exit_status = 2,
       .stderr_has = {"INDEX/COUNT"}},
      {.name = "unknown log level",
       .args = {"--log.level=loud"},
       .exit_status = 2,
       .stderr_has = {"loud"}},
      {.name = "unknown option",
       .args = {"--no-such-option"},
       .exit_status = 2,
       .stderr_has = {"--no-such-option", "--help"}},
      {.name = "daemon, JSON logs",
       .args = {"--config.file={config}", "--web.listen-address=127.0.0.1:{web}",
                "--log.level=debug", "--log.format=json"},
       .stderr_has = {R"("msg":"starting starttls_exporter")", R"("msg":"shutting down")"},
       .daemon = true,
       .also =
           [](const ProgramRun& run) {
             std::istringstream log(run.err);
             for (std::string line; std::getline(log, line);) {
               EXPECT_TRUE(json::accept(line)) << line;
             }
           }},
      {.name = "daemon, logfmt, warnings only",
       .args = {"--config.file", "{config}", "--web.listen-address", "127.0.0.1:{web}",
                "--log.format", "logfmt", "--log.level", "warn"},
       .daemon = true,
       .also =
           [](const ProgramRun& run) {
             // warn hides the start line that info shows.
             EXPECT_EQ(run.err.find("starting starttls_exporter"), std::string::npos) << run.err;
           }},
      {.name = "demo",
       .args = {"--demo", "--web.listen-address=127.0.0.1:{web}"},
       .stderr_has = {"level=info msg=\"starting starttls_exporter\"", "config=--demo",
                      "partners=5"},
       .daemon = true},

      // --- check: one target ---
      {.name = "check help",
       .args = {"check", "--help"},
       .stdout_has = {"--config.file", "--json", "--ca-file", "-4", "-6"}},
      {.name = "check a domain, IPv4",
       .args = {"check", "cli.test", "--dns-server={dns}", "--dns.trust-anchor-file={anchor}", "--port={port}", "--ca-file={ca}",
                "--ehlo-name=probe.cli.test", "--timeout=5s", "-4"},
       .stdout_has = {"mx1.cli.test (MX preference 10)", "mx2.cli.test (MX preference 20)",
                      "COMPLIANT"}},
      {.name = "check a domain, both families",
       .args = {"check", "cli.test", "--dns-server", "{dns}", "--dns.trust-anchor-file", "{anchor}", "--port", "{port}", "--ca-file",
                "{ca}", "--timeout", "5s"},
       .exit_status = 1,
       .stdout_has = {"MISORDERED", "[::1]:"}},
      {.name = "check the primary MX, IPv6 only, JSON",
       .args = {"check", "cli.test", "--json", "--primary-only", "-6", "--dns-server={dns}", "--dns.trust-anchor-file={anchor}",
                "--port={port}", "--ca-file={ca}"},
       .exit_status = 1,
       .also =
           [](const ProgramRun& run) {
             EXPECT_EQ(Classes(ParsedOut(run)), std::vector<std::string>{"::1 misordered"});
           }},
      {.name = "check the primary MX, IPv4 only, JSON",
       .args = {"check", "cli.test", "--json", "--primary-only", "--ipv4-only",
                "--dns-server={dns}", "--dns.trust-anchor-file={anchor}", "--port={port}", "--ca-file={ca}"},
       .also =
           [](const ProgramRun& run) {
             EXPECT_EQ(Classes(ParsedOut(run)), std::vector<std::string>{"127.0.0.1 compliant"});
           }},
      {.name = "check host:port",
       .args = {"check", "mx1.cli.test:{port}", "--dns-server={dns}", "--dns.trust-anchor-file={anchor}", "--ipv6-only",
                "--ca-file={ca}"},
       .exit_status = 1,
       .stdout_has = {"MISORDERED"}},
      {.name = "check address:port",
       .args = {"check", "127.0.0.1:{port}", "--ca-file={ca}"},
       .stdout_has = {"COMPLIANT"}},
      {.name = "check [IPv6]:port, JSON",
       .args = {"check", "[::1]:{port}", "--json"},
       .exit_status = 1,
       .also =
           [](const ProgramRun& run) {
             const json report = ParsedOut(run);
             ASSERT_EQ(Classes(report), std::vector<std::string>{"::1 misordered"});
             EXPECT_EQ(report["results"][0]["findings"][0]["code"], "starttls-on-greeting-line");
             // What each sender of the table does: the seed's reply sends Postfix's mail in
             // clear; curl reads every line and sends STARTTLS, but without --ca-file the test
             // CA is trusted by nobody, and curl, which verifies, does not send.
             const json& senders = report["results"][0]["senders"];
             EXPECT_EQ(senders["postfix"],
                       (json{{"starttls", false}, {"tls", false}, {"outcome", "clear"},
                             {"reason", "STARTTLS not seen"}, {"policy", nullptr},
                             {"verified", true}}));
             EXPECT_EQ(senders["curl"]["starttls"], true);
             EXPECT_EQ(senders["curl"]["outcome"], "deferred");
             EXPECT_EQ(senders["curl"]["reason"].get<std::string>().rfind(
                           "certificate not trusted: ", 0),
                       0u)
                 << senders["curl"];
             EXPECT_EQ(senders["strict"]["verified"], false);
             // Cisco ESA, known from its documentation only: line 1 is the greeting.
             EXPECT_EQ(senders["cisco_esa"],
                       (json{{"starttls", false}, {"tls", false}, {"outcome", "clear"},
                             {"reason", "STARTTLS not seen"}, {"policy", nullptr},
                             {"verified", false}}));
           }},
      {.name = "check [IPv6]:port, a sender that does not see it",
       .args = {"check", "[::1]:{port}", "--senders=postfix"},
       .exit_status = 1,
       .stdout_has = {"  MISORDERED\n", "  Postfix (Postfix (smtp_tls_security_level = may)): "
                      "sends in clear text: STARTTLS not seen", "  real senders: "}},
      {.name = "check [IPv6]:port, a sender that sees it",
       .args = {"check", "[::1]:{port}", "--senders", "lenient", "--json"},
       .exit_status = 0,
       .also =
           [](const ProgramRun& run) {
             const json report = ParsedOut(run);
             EXPECT_EQ(report["status"], "compliant") << "lenient gets TLS: as good as our senders";
             EXPECT_EQ(report["our_senders"], json{"lenient"});
             EXPECT_EQ(report["results"][0]["ehlo_class"], "misordered");
             EXPECT_TRUE(report["results"][0]["client_profiles"].contains("lenient"));
             EXPECT_FALSE(report["results"][0]["client_profiles"].contains("strict"));
           }},
      {.name = "check with a misspelt sender",
       .args = {"check", "cli.test", "--senders=strict,postfx"},
       .exit_status = 2,
       .stderr_has = {"check: --senders found \"postfx\"; expected a sender profile (did you mean "
                      "\"postfix\"?)"}},
      {.name = "check a name with an empty label",
       .args = {"check", "a..b"},
       .exit_status = 2,
       .stderr_has = {kBadName}},
      {.name = "check an internationalized domain",
       .args = {"check", "b\u00fccher.cli.test", "--dns-server={dns}", "--dns.trust-anchor-file={anchor}", "--port={port}",
                "--ca-file={ca}", "-4"},
       .exit_status = 0,
       .stdout_has = {"xn--bcher-kva.cli.test: MX mx1.cli.test (10)", "COMPLIANT"}},
      {.name = "check a name that is no internationalized domain",
       .args = {"check", "\u2603.cli.test"},
       .exit_status = 2,
       .stderr_has = {"'\u2603.cli.test': the name is not a valid internationalized domain name ("}},
      {.name = "check a domain DNS does not know",
       .args = {"check", "nothing.cli.test", "--dns-server={dns}", "--dns.trust-anchor-file={anchor}"},
       .exit_status = 2,
       .stdout_has = {"nothing.cli.test: MX lookup failed\n",
                      "no address probed: error (dns_"},
       .also =
           [](const ProgramRun& run) {
             // Not "0 addresses: ..., 0 error": the one thing there is, is an error.
             EXPECT_EQ(run.out.find("0 error"), std::string::npos) << run.out;
           }},
      {.name = "check with a bad timeout",
       .args = {"check", "cli.test", "--timeout=soon"},
       .exit_status = 2,
       .stderr_has = {"soon"}},
      {.name = "check with a trust anchor file that holds none",
       .args = {"check", "cli.test", "--dns.trust-anchor-file={ca}"},
       .exit_status = 2,
       .stderr_has = {"--dns.trust-anchor-file found", "which holds no DS or DNSKEY record"}},
      {.name = "check with -4 and -6",
       .args = {"check", "cli.test", "-4", "-6", "--dns-server={dns}",
                "--dns.trust-anchor-file={anchor}"},
       .exit_status = 2,
       .stderr_has = {"-4 and -6 exclude each other"}},

      // --- check: every partner of a configuration ---
      {.name = "check a configuration",
       .args = {"check", "--config.file={config}"},
       .exit_status = 1,
       .stdout_has = {"== Compliant partner ==", "== Misordered partner ==", "COMPLIANT",
                      "MISORDERED"}},
      {.name = "check a configuration, JSON",
       .args = {"check", "--config.file", "{config}", "--json"},
       .exit_status = 1,
       .also =
           [](const ProgramRun& run) {
             const json report = ParsedOut(run);
             ASSERT_TRUE(report.contains("partners")) << run.out;
             ASSERT_EQ(report["partners"].size(), 2u) << run.out;
             EXPECT_EQ(report["partners"][0]["name"], "Compliant partner");
             EXPECT_EQ(Classes(report["partners"][0]),
                       std::vector<std::string>{"127.0.0.1 compliant"});
             EXPECT_EQ(Classes(report["partners"][1]), std::vector<std::string>{"::1 misordered"});
           }},
      {.name = "check an invalid configuration",
       .args = {"check", "--config.file={invalid}"},
       .exit_status = 2,
       .stderr_has = {"invalid.toml:3:1"}},
      {.name = "check neither a target nor a configuration",
       .args = {"check"},
       .exit_status = 2,
       .stderr_has = {"give either a target or --config.file, not both and not neither"}},
      {.name = "check a target and a configuration",
       .args = {"check", "cli.test", "--config.file={config}"},
       .exit_status = 2,
       .stderr_has = {"give either a target or --config.file, not both and not neither"}},
      {.name = "check a configuration with a target's setting",
       .args = {"check", "--config.file={config}", "--port=2525"},
       .exit_status = 2,
       .stderr_has = {"excludes", "--port"}},

      // --- hash-password ---
      {.name = "hash-password",
       .args = {"hash-password"},
       .input = "correct-horse-battery\n",
       .also =
           [](const ProgramRun& run) {
             EXPECT_TRUE(std::regex_match(run.out, std::regex(R"(\$2b\$10\$[./A-Za-z0-9]{53}\n)")))
                 << run.out;
           }},
      {.name = "hash-password, cost 4",
       .args = {"hash-password", "--cost=4"},
       .stdout_has = {"$2b$04$"},
       .input = "pw\n"},
      {.name = "hash-password, cost below the minimum",
       .args = {"hash-password", "--cost=3"},
       .exit_status = 2,
       .stderr_has = {"3"},
       .input = "pw\n"},
  };
  return lines;
}

class Cli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(MakeTempDir("stx-cli"));
    pki_ = new scripted::EphemeralPki(*dir_ + "/pki");
    port_ = FreeLoopbackPort();
    scripted::CertSpec spec = scripted::CertSpec::Valid("mx1.cli.test");
    spec.ip_sans = {"127.0.0.1", "::1"};
    const scripted::CertFiles cert = pki_->Issue(spec);
    const auto serve = [&](scripted::ServerScript script, const std::string& address) {
      script.cert_chain_path = cert.cert_chain_pem_path;
      script.key_path = cert.key_path;
      return new scripted::ScriptedSmtpServer(script, address, port_);
    };
    compliant_ = serve(scripted::ServerScript::Compliant(), "127.0.0.1");
    misordered_ = serve(scripted::ServerScript::Misordered(), "::1");
    dns_ = new DnsmasqServer(
        {"--mx-host=cli.test,mx1.cli.test,10", "--mx-host=cli.test,mx2.cli.test,20",
         "--mx-host=xn--bcher-kva.cli.test,mx1.cli.test,10",
         "--host-record=mx1.cli.test,127.0.0.1,::1", "--host-record=mx2.cli.test,127.0.0.1"});
    const std::string port = std::to_string(port_);
    WriteFile(*dir_ + "/valid.toml",
              "timeout = \"5s\"\nehlo_name = \"probe.cli.test\"\nca_file = \"" + pki_->ca_path() +
                  "\"\n\n[[partner]]\ndomain = \"compliant.cli.test\"\nname = \"Compliant "
                  "partner\"\nmx = [\"127.0.0.1:" +
                  port +
                  "\"]\n\n[[partner]]\ndomain = \"misordered.cli.test\"\nname = "
                  "\"Misordered partner\"\nmx = [\"[::1]:" +
                  port + "\"]\n");
    WriteFile(*dir_ + "/invalid.toml", "interval = \"5m\"\n[[partner]]\ndomian = \"a.test\"\n");
  }
  static void TearDownTestSuite() {
    delete dns_;
    delete misordered_;
    delete compliant_;
    delete pki_;
    std::error_code ignored;
    std::filesystem::remove_all(*dir_, ignored);
    delete dir_;
  }

  static std::string Filled(std::string arg, std::uint16_t web_port) {
    const std::map<std::string, std::string> values = {
        {"{config}", *dir_ + "/valid.toml"}, {"{invalid}", *dir_ + "/invalid.toml"},
        {"{dns}", dns_->server()},           {"{port}", std::to_string(port_)},
        {"{ca}", pki_->ca_path()},           {"{web}", std::to_string(web_port)},
        {"{anchor}", STX_UNUSED_TRUST_ANCHOR}};
    for (const auto& [name, value] : values) {
      for (auto at = arg.find(name); at != std::string::npos; at = arg.find(name, at))
        arg.replace(at, name.size(), value);
    }
    return arg;
  }

  static ProgramRun Run(const CommandLine& line) {
    const std::uint16_t web_port = FreeLoopbackPort();
    std::vector<std::string> argv = {STX_EXPORTER_BINARY};
    for (const auto& arg : line.args) argv.push_back(Filled(arg, web_port));
    std::function<void(pid_t)> stop_when_ready;
    if (line.daemon) {
      stop_when_ready = [web_port](pid_t pid) {
        EXPECT_TRUE(WaitUntil(10s, [&] { return HttpGet(web_port, "/-/ready").status == 200; }));
        ::kill(pid, SIGTERM);
      };
    }
    return RunProgram(argv, line.input, 30s, stop_when_ready);
  }

  static std::string* dir_;
  static scripted::EphemeralPki* pki_;
  static std::uint16_t port_;
  static scripted::ScriptedSmtpServer* compliant_;
  static scripted::ScriptedSmtpServer* misordered_;
  static DnsmasqServer* dns_;
};
std::string* Cli::dir_ = nullptr;
scripted::EphemeralPki* Cli::pki_ = nullptr;
std::uint16_t Cli::port_ = 0;
scripted::ScriptedSmtpServer* Cli::compliant_ = nullptr;
scripted::ScriptedSmtpServer* Cli::misordered_ = nullptr;
DnsmasqServer* Cli::dns_ = nullptr;

TEST_F(Cli, EveryDocumentedCommandLineDoesWhatTheDocumentationSays) {
  for (const CommandLine& line : DocumentedCommandLines()) {
    std::string shown = "starttls_exporter";
    for (const auto& arg : line.args) shown += " " + arg;
    SCOPED_TRACE(line.name + ": " + shown);
    const ProgramRun run = Run(line);
    EXPECT_EQ(run.exit_status, line.exit_status) << "stdout:\n"
                                                 << run.out << "stderr:\n"
                                                 << run.err;
    for (const auto& text : line.stdout_has)
      EXPECT_NE(run.out.find(text), std::string::npos) << text << " not in stdout:\n" << run.out;
    for (const auto& text : line.stderr_has)
      EXPECT_NE(run.err.find(text), std::string::npos) << text << " not in stderr:\n" << run.err;
    if (line.also) line.also(run);
  }
}

// --- The documentation's command lines are all in the table above -----------------------------

/// A command line as documented: the subcommand ("" for the daemon) and every option it names.
struct DocumentedUse {
  std::string where;  ///< file and line, for messages
  std::string subcommand;
  std::vector<std::string> options;
};

// The options and subcommand of "starttls_exporter ..." (continuation lines included):
// "[--log.level=info|debug]" names --log.level, "[-4|-6]" names -4 and -6.
DocumentedUse ParseUse(const std::string& where, std::string text) {
  DocumentedUse use{where, "", {}};
  if (const auto comment = text.find(" #"); comment != std::string::npos) text.resize(comment);
  static const std::regex kOption(R"((^|[\s\[|])(--?[A-Za-z0-9][A-Za-z0-9.-]*))");
  for (std::sregex_iterator it(text.begin(), text.end(), kOption), end; it != end; ++it)
    use.options.push_back((*it)[2]);
  static const std::regex kSubcommand(R"(^starttls_exporter\s+([a-z][a-z-]*))");
  if (std::smatch m; std::regex_search(text, m, kSubcommand)) use.subcommand = m[1];
  return use;
}

// Where the documentation runs the program: lines of fenced code blocks that start with it
// (after a "$ " prompt or a pipe), with the indented "[...]" lines that continue them, and
// inline code spans that start with it.
std::vector<DocumentedUse> DocumentedUses(const std::string& path) {
  std::vector<DocumentedUse> uses;
  const std::string text = ReadFile(path);
  EXPECT_FALSE(text.empty()) << path;
  static const std::regex kStart(R"(^\s*(\$ |.*\| )?(starttls_exporter\s.*)$)");
  static const std::regex kContinuation(R"(^\s+\[.*)");
  static const std::regex kInline("`(starttls_exporter\\s[^`]*)`");
  bool fenced = false;
  std::size_t number = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    ++number;
    const std::string where = path + ":" + std::to_string(number);
    if (line.rfind("```", line.find_first_not_of(' ')) == line.find_first_not_of(' ') &&
        line.find("```") != std::string::npos) {
      fenced = !fenced;
      continue;
    }
    std::smatch m;
    if (fenced && std::regex_match(line, m, kStart)) {
      uses.push_back(ParseUse(where, m[2]));
    } else if (fenced && !uses.empty() && std::regex_match(line, kContinuation) &&
               uses.back().where == path + ":" + std::to_string(number - 1)) {
      const DocumentedUse more = ParseUse(where, "starttls_exporter " + line);
      uses.back().options.insert(uses.back().options.end(), more.options.begin(),
                                 more.options.end());
      uses.back().where = where;  // a following continuation line continues this one
    } else if (!fenced) {
      for (std::sregex_iterator it(line.begin(), line.end(), kInline), end; it != end; ++it)
        uses.push_back(ParseUse(where, (*it)[1]));
    }
  }
  return uses;
}

TEST(CliDocumentation, EveryDocumentedSubcommandAndOptionIsInTheTable) {
  // What the table runs: subcommand -> the options it gives it.
  std::map<std::string, std::set<std::string>> tested;
  for (const CommandLine& line : DocumentedCommandLines()) {
    const bool has_subcommand = !line.args.empty() && line.args.front().front() != '-';
    const std::string subcommand = has_subcommand ? line.args.front() : "";
    for (const auto& arg : line.args) {
      if (arg.front() == '-') tested[subcommand].insert(arg.substr(0, arg.find('=')));
    }
    tested[subcommand];  // a subcommand run without options is tested too
  }
  std::vector<std::string> files = {"README.md", "config/README.md", "alerts/README.md",
                                    "dashboards/README.md"};
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(STX_SOURCE_DIR) + "/docs")) {
    if (entry.path().extension() == ".md")
      files.push_back("docs/" + entry.path().filename().string());
  }
  std::size_t checked = 0;
  for (const auto& file : files) {
    for (const DocumentedUse& use : DocumentedUses(std::string(STX_SOURCE_DIR) + "/" + file)) {
      ++checked;
      ASSERT_TRUE(tested.count(use.subcommand))
          << use.where << ": subcommand '" << use.subcommand << "' is run by no table row";
      for (const auto& option : use.options) {
        EXPECT_TRUE(tested[use.subcommand].count(option))
            << use.where << ": '" << option << "' (subcommand '" << use.subcommand
            << "') is given by no table row";
      }
    }
  }
  // The README's synopsis alone has four command lines; far fewer means the scan broke.
  EXPECT_GE(checked, 10u);
}

}  // namespace
}  // namespace stx::test
