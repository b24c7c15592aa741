// The exporter's web endpoint with TLS and basic authentication, end to end on loopback: the
// real binary configured by TOML (its password hash made by its own hash-password command),
// curl as the client, a real Prometheus scraping over https with tls_config.ca_file and
// basic_auth, and a reload that rotates the certificate and the users. Every component must
// start; none is skipped.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "scripted/ephemeral_pki.hpp"
#include "scripted/scripted_smtp_server.hpp"
#include "support/child_process.hpp"
#include "support/http_client.hpp"
#include "support/wait.hpp"

namespace stx::test {
namespace {

using namespace std::chrono_literals;
using scripted::CertFiles;
using scripted::CertSpec;

std::string ShellQuoted(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

struct CommandResult {
  int exit_status = -1;
  std::string output;  ///< standard output
};

/// Runs `command` with sh, bounded by timeout(1), and returns its exit status and output.
CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen(("timeout 30 sh -c " + ShellQuoted(command)).c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

struct CurlReply {
  int status = 0;  ///< 0: no HTTP reply (curl's exit code says why)
  int curl_exit = -1;
  std::string headers;
  std::string body;
  std::string error;  ///< curl's stderr
};

class WebSecurity : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("stx-web-security");
    pki_ = std::make_unique<scripted::EphemeralPki>(dir_ + "/pki");
    cert_ = Issue("web");
    smtp_port_ = FreeLoopbackPort();
    web_port_ = FreeLoopbackPort();
    CertSpec partner_cert = CertSpec::Valid("alpha.test");
    partner_cert.ip_sans = {"127.0.0.51"};
    const CertFiles partner_files = pki_->Issue(partner_cert);
    scripted::ServerScript script = scripted::ServerScript::Compliant();
    script.cert_chain_path = partner_files.cert_chain_pem_path;
    script.key_path = partner_files.key_path;
    partner_ = std::make_unique<scripted::ScriptedSmtpServer>(script, "127.0.0.51", smtp_port_);
  }
  void TearDown() override {
    prometheus_.reset();
    daemon_.reset();
    std::filesystem::remove_all(dir_);
  }

  CertFiles Issue(const std::string& name) {
    CertSpec spec = CertSpec::Valid("exporter.test");
    spec.ip_sans = {"127.0.0.1"};
    spec.name = name;
    return pki_->Issue(spec);
  }

  /// The exporter's own hash-password command, password on standard input.
  std::string HashPassword(const std::string& password) {
    const CommandResult result = RunCommand("printf '%s\\n' " + ShellQuoted(password) + " | " +
                                            ShellQuoted(STX_EXPORTER_BINARY) + " hash-password");
    EXPECT_EQ(result.exit_status, 0) << result.output;
    EXPECT_EQ(result.output.size(), 61u) << result.output;  // 60 characters and a newline
    return result.output.substr(0, result.output.find('\n'));
  }

  /// A config with TLS (files named relative to the config's directory) and `users`.
  std::string Config(const CertFiles& cert, const std::string& key_path,
                     const std::vector<std::pair<std::string, std::string>>& users) const {
    const auto relative = [&](const std::string& path) {
      return std::filesystem::relative(path, dir_).string();
    };
    std::string c =
        "interval = \"10s\"\ntimeout = \"5s\"\nehlo_name = \"probe.test\"\n"
        // Nothing listens there: no lookup can leave the machine (the partner's
        // mx is an address, so none is made).
        "dns_server = \"127.0.0.1:" +
        std::to_string(FreeLoopbackPort()) + "\"\nca_file = \"" + pki_->ca_path() +
        "\"\naddress_families = [\"ipv4\"]\n\n[web]\ntls_cert_file = \"" +
        relative(cert.cert_chain_pem_path) + "\"\ntls_key_file = \"" + relative(key_path) +
        "\"\n\n[web.basic_auth_users]\n";
    for (const auto& [user, hash] : users) c += user + " = \"" + hash + "\"\n";
    c +=
        "\n[[partner]]\ndomain = \"alpha.test\"\nmx = [\"127.0.0.51:" + std::to_string(smtp_port_) +
        "\"]\n";
    return c;
  }

  std::string ConfigPath() const { return dir_ + "/starttls_exporter.toml"; }

  void StartExporter(const std::string& config) {
    WriteFile(ConfigPath(), config);
    daemon_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{STX_EXPORTER_BINARY, "--config.file", ConfigPath(),
                                 "--web.listen-address", "127.0.0.1:" + std::to_string(web_port_)},
        dir_ + "/exporter.log");
    ASSERT_TRUE(WaitForTcpPort(web_port_, 10s, daemon_.get())) << daemon_->Log();
  }

  /// curl against the exporter; `options` are extra arguments (credentials, --cacert, ...).
  CurlReply Curl(const std::string& path, const std::vector<std::string>& options,
                 const std::string& scheme = "https") const {
    const std::string headers = dir_ + "/curl.headers", body = dir_ + "/curl.body",
                      error = dir_ + "/curl.err";
    std::filesystem::remove(headers);
    std::filesystem::remove(body);
    std::string command = "curl -sS --max-time 10 -D " + ShellQuoted(headers) + " -o " +
                          ShellQuoted(body) + " -w '%{http_code}'";
    for (const std::string& option : options) command += " " + ShellQuoted(option);
    command += " " + ShellQuoted(scheme + "://127.0.0.1:" + std::to_string(web_port_) + path) +
               " 2>" + ShellQuoted(error);
    const CommandResult result = RunCommand(command);
    CurlReply reply;
    reply.curl_exit = result.exit_status;
    reply.status = std::atoi(result.output.c_str());
    reply.headers = ReadFile(headers);
    reply.body = ReadFile(body);
    reply.error = ReadFile(error);
    return reply;
  }

  CurlReply CurlAs(const std::string& path, const std::string& user, const std::string& password,
                   std::vector<std::string> options = {}) const {
    options.insert(options.end(), {"--cacert", pki_->ca_path(), "-u", user + ":" + password});
    return Curl(path, options);
  }

  /// The serial number of the certificate a new TLS connection is served (openssl s_client).
  std::string ServedSerial() const {
    const CommandResult result =
        RunCommand("openssl s_client -connect 127.0.0.1:" + std::to_string(web_port_) +
                   " -CAfile " + ShellQuoted(pki_->ca_path()) +
                   " -verify_return_error </dev/null 2>/dev/null | openssl x509 -noout -serial");
    const std::string prefix = "serial=";
    if (result.output.rfind(prefix, 0) != 0) return "(none: " + result.output + ")";
    return result.output.substr(prefix.size(), result.output.find('\n') - prefix.size());
  }

  std::string dir_;
  std::unique_ptr<scripted::EphemeralPki> pki_;
  CertFiles cert_;
  std::uint16_t smtp_port_ = 0, web_port_ = 0;
  std::unique_ptr<scripted::ScriptedSmtpServer> partner_;
  std::unique_ptr<ChildProcess> daemon_;
  std::unique_ptr<ChildProcess> prometheus_;
};

TEST_F(WebSecurity, CurlNeedsTheCaAndAUserAndGetsTheMetrics) {
  const std::string hash = HashPassword("s3cret pass");
  const std::string config = Config(cert_, cert_.key_path, {{"prometheus", hash}});
  WriteFile(ConfigPath(), config);
  // The loader accepts what hash-password printed.
  const CommandResult check = RunCommand(ShellQuoted(STX_EXPORTER_BINARY) + " --config.file " +
                                         ShellQuoted(ConfigPath()) + " --config.check");
  EXPECT_EQ(check.exit_status, 0) << check.output;
  StartExporter(config);

  // No credentials: 401 with the challenge.
  const CurlReply anonymous = Curl("/metrics", {"--cacert", pki_->ca_path()});
  EXPECT_EQ(anonymous.status, 401) << anonymous.error << daemon_->Log();
  EXPECT_NE(anonymous.headers.find("WWW-Authenticate: Basic realm=\"starttls_exporter\""),
            std::string::npos)
      << anonymous.headers;
  EXPECT_EQ(anonymous.body,
            "401 unauthorized: this endpoint needs HTTP basic authentication with a configured "
            "user\n");
  EXPECT_EQ(CurlAs("/metrics", "prometheus", "wrong").status, 401);
  EXPECT_EQ(CurlAs("/", "prometheus", "wrong").status, 401);
  EXPECT_EQ(CurlAs("/api/v1/targets", "nobody", "s3cret pass").status, 401);

  // The right user and password: the exposition, with the partner probed.
  CurlReply metrics;
  ASSERT_TRUE(WaitUntil(15s,
                        [&] {
                          metrics = CurlAs("/metrics", "prometheus", "s3cret pass");
                          return metrics.status == 200 &&
                                 MetricValue(metrics.body, "starttls_ehlo_status",
                                             {{"domain", "alpha.test"}, {"status", "compliant"}}) ==
                                     1;
                        }))
      << metrics.status << " " << metrics.error << "\n"
      << metrics.body << daemon_->Log();
  EXPECT_NE(metrics.headers.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  EXPECT_EQ(MetricValue(metrics.body, "starttls_exporter_build_info"), 1);
  EXPECT_EQ(CurlAs("/", "prometheus", "s3cret pass").status, 200);
  EXPECT_EQ(CurlAs("/api/v1/targets", "prometheus", "s3cret pass").status, 200);
  EXPECT_EQ(CurlAs("/probe?target=alpha.test", "prometheus", "s3cret pass").status, 200);
  const CurlReply reload = CurlAs("/-/reload", "prometheus", "s3cret pass", {"-X", "POST"});
  EXPECT_EQ(reload.status, 200) << reload.body;

  // Without the test CA, curl refuses the certificate (exit 60: peer certificate not trusted).
  const CurlReply untrusted = Curl("/metrics", {"-u", "prometheus:s3cret pass"});
  EXPECT_EQ(untrusted.curl_exit, 60) << untrusted.error;
  EXPECT_EQ(untrusted.status, 0);
  // Plain HTTP on the TLS port: an answer that says so, not a hang.
  const CurlReply plain = Curl("/metrics", {}, "http");
  EXPECT_EQ(plain.status, 400) << plain.error;
  EXPECT_NE(plain.body.find("use https://"), std::string::npos) << plain.body;
}

TEST_F(WebSecurity, PrometheusScrapesOverHttpsWithBasicAuthAndAWrongPasswordIsDown) {
  StartExporter(Config(cert_, cert_.key_path, {{"prometheus", HashPassword("scrape-me")}}));

  const std::uint16_t prom_port = FreeLoopbackPort();
  const std::string target = "127.0.0.1:" + std::to_string(web_port_);
  const auto job = [&](const std::string& name, const std::string& password) {
    return "  - job_name: " + name +
           "\n    scheme: https\n    tls_config:\n      ca_file: " + pki_->ca_path() +
           "\n    basic_auth:\n      username: prometheus\n      password: " + password +
           "\n    static_configs:\n      - targets: [\"" + target + "\"]\n";
  };
  WriteFile(dir_ + "/prometheus.yml",
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n" +
                job("starttls_exporter", "scrape-me") + job("wrong_password", "not-it"));
  prometheus_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"/usr/bin/prometheus", "--config.file=" + dir_ + "/prometheus.yml",
                               "--storage.tsdb.path=" + dir_ + "/prom-data",
                               "--web.listen-address=127.0.0.1:" + std::to_string(prom_port),
                               "--log.level=warn"},
      dir_ + "/prometheus.log");
  ASSERT_TRUE(WaitUntil(30s, [&] { return HttpGet(prom_port, "/-/ready").status == 200; }))
      << "Prometheus did not start:\n"
      << prometheus_->Log();

  // up per job, from Prometheus' query API; "" while a job has no sample yet.
  const auto up = [&](const std::string& name) -> std::string {
    const HttpReply reply = HttpGet(prom_port, "/api/v1/query?query=up");
    if (reply.status != 200) return "";
    const nlohmann::json parsed = nlohmann::json::parse(reply.body);
    for (const auto& series : parsed["data"]["result"]) {
      if (series["metric"]["job"] == name) return series["value"][1].get<std::string>();
    }
    return "";
  };
  std::string good, bad;
  ASSERT_TRUE(WaitUntil(30s,
                        [&] {
                          good = up("starttls_exporter");
                          bad = up("wrong_password");
                          return good == "1" && bad == "0";
                        }))
      << "up{job=starttls_exporter}=" << good << " up{job=wrong_password}=" << bad << "\n"
      << HttpGet(prom_port, "/api/v1/targets").body << "\n"
      << prometheus_->Log() << daemon_->Log();

  // Why the wrong password's target is down, in Prometheus' own words; and the good job's
  // samples are the exporter's.
  const HttpReply targets = HttpGet(prom_port, "/api/v1/targets");
  ASSERT_EQ(targets.status, 200);
  std::string wrong_error;
  const nlohmann::json active = nlohmann::json::parse(targets.body);
  for (const auto& t : active["data"]["activeTargets"]) {
    if (t["labels"]["job"] == "wrong_password") wrong_error = t["lastError"].get<std::string>();
  }
  EXPECT_NE(wrong_error.find("401"), std::string::npos) << wrong_error;
  const HttpReply build = HttpGet(prom_port,
                                  "/api/v1/query?query=starttls_exporter_build_info%7Bjob%3D%22"
                                  "starttls_exporter%22%7D");
  EXPECT_NE(build.body.find("\"starttls_exporter_build_info\""), std::string::npos) << build.body;
}

TEST_F(WebSecurity, ReloadRotatesTheCertificateAndTheUsersAndABadOneKeepsThem) {
  StartExporter(Config(cert_, cert_.key_path, {{"prometheus", HashPassword("first")}}));
  ASSERT_TRUE(WaitUntil(10s, [&] {
    return CurlAs("/-/ready", "prometheus", "first").status == 200;
  })) << daemon_->Log();
  EXPECT_EQ(ServedSerial(), cert_.serial_hex);

  // New certificate (same CA), new user: applied by POST /-/reload.
  const CertFiles rotated = Issue("rotated");
  WriteFile(ConfigPath(), Config(rotated, rotated.key_path, {{"grafana", HashPassword("second")}}));
  const CurlReply reload = CurlAs("/-/reload", "prometheus", "first", {"-X", "POST"});
  EXPECT_EQ(reload.status, 200) << reload.body;
  EXPECT_EQ(ServedSerial(), rotated.serial_hex);
  EXPECT_EQ(CurlAs("/metrics", "prometheus", "first").status, 401);
  EXPECT_EQ(CurlAs("/metrics", "grafana", "second").status, 200);

  // A key that does not match its certificate: the reload fails, nothing changes.
  WriteFile(ConfigPath(), Config(rotated, cert_.key_path, {{"other", HashPassword("third")}}));
  const CurlReply bad = CurlAs("/-/reload", "grafana", "second", {"-X", "POST"});
  EXPECT_EQ(bad.status, 500);
  EXPECT_NE(bad.body.find("web.tls_key_file: found"), std::string::npos) << bad.body;
  EXPECT_NE(bad.body.find("whose key does not match the certificate"), std::string::npos);
  EXPECT_EQ(ServedSerial(), rotated.serial_hex);
  const CurlReply metrics = CurlAs("/metrics", "grafana", "second");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(MetricValue(metrics.body, "starttls_exporter_config_last_reload_successful"), 0);
  EXPECT_EQ(CurlAs("/metrics", "other", "third").status, 401);
}

// On a terminal (script(1) gives it one), hash-password asks twice and does not echo: the
// password, typed after the prompt, never appears in what the terminal shows.
TEST_F(WebSecurity, HashPasswordAsksTwiceWithoutEchoOnATerminal) {
  // script -f flushes what the terminal shows into the typescript as it comes, so each line is
  // typed once its prompt shows there (waiting at most 10 s), however slowly the binary starts.
  const std::string dir = MakeTempDir("stx-hash-password");
  const auto typed = [&](const std::string& first, const std::string& second) {
    const std::string typescript = dir + "/" + first;  // one per run
    const auto after = [&](const std::string& prompt, const std::string& line) {
      return "for i in $(seq 100); do grep -q '" + prompt + "' " + typescript +
             " 2>/dev/null && break; sleep 0.1; done; printf '" + line + "\\n'";
    };
    return "(" + after("Password: ", first) + "; " + after("Retype password: ", second) +
           ") | script -qfec " +
           ShellQuoted(std::string(STX_EXPORTER_BINARY) + " hash-password --cost 4") + " " +
           typescript;
  };
  const CommandResult same = RunCommand(typed("Typed-Secret", "Typed-Secret"));
  EXPECT_EQ(same.exit_status, 0) << same.output;
  EXPECT_NE(same.output.find("Password: "), std::string::npos) << same.output;
  EXPECT_NE(same.output.find("Retype password: "), std::string::npos) << same.output;
  EXPECT_NE(same.output.find("$2b$04$"), std::string::npos) << same.output;
  EXPECT_EQ(same.output.find("Typed-Secret"), std::string::npos) << same.output;

  const CommandResult differ = RunCommand(typed("one", "two"));
  EXPECT_EQ(differ.exit_status, 2) << differ.output;
  EXPECT_NE(differ.output.find("the two passwords differ"), std::string::npos) << differ.output;
}

}  // namespace
}  // namespace stx::test
