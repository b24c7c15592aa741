#pragma once
// Shared by the daemon fault tests (daemon_*_faults_test.cpp): the real exporter binary as a
// child process, scripted partners on loopback, and scrapes that check, at every scrape, what
// must hold whatever the fault: /metrics answers promptly and no counter goes backwards.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "scripted/ephemeral_pki.hpp"
#include "scripted/scripted_smtp_server.hpp"
#include "support/child_process.hpp"
#include "support/http_client.hpp"
#include "support/wait.hpp"

namespace stx::test {

/// One sample of the text exposition.
struct Sample {
  std::string series;  ///< the line up to the value: name{labels}
  std::map<std::string, std::string> labels;
  double value = 0;
};

/// Every sample of metric `name` whose labels include all of `match`.
inline std::vector<Sample> Samples(const std::string& exposition, const std::string& name,
                                   const std::map<std::string, std::string>& match = {}) {
  std::vector<Sample> out;
  std::size_t at = 0;
  while (at < exposition.size()) {
    std::size_t end = exposition.find('\n', at);
    if (end == std::string::npos) end = exposition.size();
    const std::string line = exposition.substr(at, end - at);
    at = end + 1;
    if (line.rfind(name + "{", 0) != 0 && line.rfind(name + " ", 0) != 0) continue;
    Sample s;
    std::size_t i = name.size();
    if (line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const std::size_t eq = line.find('=', i);
        if (eq == std::string::npos || eq + 1 >= line.size()) break;
        const std::string key = line.substr(i, eq - i);
        std::string value;
        i = eq + 2;  // past ="
        while (i < line.size() && line[i] != '"') {
          if (line[i] == '\\' && i + 1 < line.size()) {
            ++i;
            value += line[i] == 'n' ? '\n' : line[i];
          } else {
            value += line[i];
          }
          ++i;
        }
        s.labels[key] = value;
        i += 1;  // past the closing quote
        if (i < line.size() && line[i] == ',') ++i;
      }
      ++i;  // past '}'
    }
    s.series = line.substr(0, i);
    s.value = std::stod(line.substr(line.find_last_of(' ') + 1));
    bool wanted = true;
    for (const auto& [key, value] : match) {
      const auto it = s.labels.find(key);
      wanted = wanted && it != s.labels.end() && it->second == value;
    }
    if (wanted) out.push_back(std::move(s));
  }
  return out;
}

/// The `reason` of the partner's starttls_probe_failure_info row at (mx, address); "" if none.
inline std::string FailureReason(const std::string& metrics, const std::string& domain,
                                 const std::string& mx, const std::string& address) {
  const auto rows = Samples(metrics, "starttls_probe_failure_info",
                            {{"domain", domain}, {"mx", mx}, {"address", address}});
  return rows.empty() ? "" : rows.front().labels.at("reason");
}

/// Scrapes one exporter and checks at every scrape: HTTP 200 within `max_latency`, and every
/// counter series (starttls_probes_total, starttls_status_changes_total) of a partner in
/// `stable_domains` seen before is still there with a value at least as high.
class ScrapeWatch {
 public:
  ScrapeWatch(std::uint16_t port, std::set<std::string> stable_domains,
              std::chrono::milliseconds max_latency = std::chrono::milliseconds(1000))
      : port_(port), stable_(std::move(stable_domains)), max_latency_(max_latency) {}

  std::string Scrape() {
    const auto start = std::chrono::steady_clock::now();
    const HttpReply reply = HttpRequest("GET", port_, "/metrics", "", std::chrono::seconds(5));
    const auto took = std::chrono::steady_clock::now() - start;
    slowest_ = std::max(slowest_, std::chrono::duration_cast<std::chrono::milliseconds>(took));
    ++scrapes_;
    EXPECT_EQ(reply.status, 200) << reply.error;
    EXPECT_LT(took, max_latency_) << "a scrape took " << std::chrono::duration<double>(took).count()
                                  << " s";
    std::map<std::string, double> now;
    for (const char* name : {"starttls_probes_total", "starttls_status_changes_total"}) {
      for (const Sample& s : Samples(reply.body, name)) {
        if (stable_.count(s.labels.at("domain")) != 0) now[s.series] = s.value;
      }
    }
    for (const auto& [series, value] : counters_) {
      const auto it = now.find(series);
      EXPECT_TRUE(it != now.end()) << series << " vanished";
      if (it != now.end()) {
        EXPECT_GE(it->second, value) << series << " went backwards";
      }
    }
    counters_ = std::move(now);
    return reply.body;
  }

  std::chrono::milliseconds slowest() const { return slowest_; }
  int scrapes() const { return scrapes_; }

 private:
  std::uint16_t port_;
  std::set<std::string> stable_;
  std::chrono::milliseconds max_latency_;
  std::map<std::string, double> counters_;
  std::chrono::milliseconds slowest_{0};
  int scrapes_ = 0;
};

/// Scripted partners with certificates from one test CA, and the exporter binary.
class DaemonHarness : public ::testing::Test {
 protected:
  DaemonHarness()
      : dir_(MakeTempDir("stx-faults")),
        pki_(dir_ + "/pki"),
        smtp_port_(FreeLoopbackPort()),
        web_port_(FreeLoopbackPort()) {}
  ~DaemonHarness() override {
    daemon_.reset();  // stopped before its files go
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  /// The `address` label of `address`:smtp_port_ (not 25: the label names the port).
  std::string Label(const std::string& address) const {
    return address + ":" + std::to_string(smtp_port_);
  }

  /// A scripted partner on `address`:smtp_port_ with a certificate for `host`.
  std::unique_ptr<scripted::ScriptedSmtpServer> Serve(scripted::ServerScript script,
                                                      const std::string& host,
                                                      const std::string& address) {
    scripted::CertSpec spec = scripted::CertSpec::Valid(host);
    spec.ip_sans = {address};
    const scripted::CertFiles files = pki_.Issue(spec);
    script.cert_chain_path = files.cert_chain_pem_path;
    script.key_path = files.key_path;
    return std::make_unique<scripted::ScriptedSmtpServer>(script, address, smtp_port_);
  }

  /// Global settings: the shortest interval the loader allows, short timeouts, IPv4 only.
  std::string Globals(const std::string& dns_server, int concurrency = 4) const {
    return "interval = \"10s\"\ntimeout = \"3s\"\nehlo_name = \"probe.test\"\nconcurrency = " +
           std::to_string(concurrency) + "\ndns_server = \"" + dns_server +
           "\"\ndns_trust_anchor_file = \"" STX_UNUSED_TRUST_ANCHOR "\"\nca_file = \"" +
           pki_.ca_path() +
           "\"\naddress_families = [\"ipv4\"]\nport = " + std::to_string(smtp_port_) + "\n\n";
  }
  std::string StaticPartner(const std::string& domain, const std::string& address,
                            const std::string& extra = "") const {
    return "[[partner]]\ndomain = \"" + domain + "\"\nmx = [\"" + address + ":" +
           std::to_string(smtp_port_) + "\"]\n" + extra + "\n";
  }
  static std::string DnsPartner(const std::string& domain) {
    return "[[partner]]\ndomain = \"" + domain + "\"\n\n";
  }

  std::string ConfigPath() const { return dir_ + "/starttls_exporter.toml"; }

  /// Writes the configuration so that a reader sees the old file or the new one, never a
  /// part: a temporary file renamed into place.
  void WriteConfigAtomically(const std::string& config) const {
    WriteFile(ConfigPath() + ".tmp", config);
    ASSERT_EQ(std::rename((ConfigPath() + ".tmp").c_str(), ConfigPath().c_str()), 0);
  }

  /// Starts the exporter on `config` (debug logs) and waits until it is ready.
  void Start(const std::string& config) {
    WriteConfigAtomically(config);
    daemon_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{STX_EXPORTER_BINARY, "--config.file", ConfigPath(),
                                 "--web.listen-address", "127.0.0.1:" + std::to_string(web_port_),
                                 "--log.level", "debug"},
        dir_ + "/daemon.log");
    ASSERT_TRUE(WaitUntil(std::chrono::seconds(10), [&] {
      return HttpGet(web_port_, "/-/ready").status == 200;
    })) << daemon_->Log();
  }

  /// SIGTERM, then the exit status once it exited (-1 when it did not within `bound`).
  int Terminate(std::chrono::milliseconds bound, std::chrono::milliseconds* took = nullptr);

  std::string dir_;
  scripted::EphemeralPki pki_;
  std::uint16_t smtp_port_;
  std::uint16_t web_port_;
  std::unique_ptr<ChildProcess> daemon_;
};

inline int DaemonHarness::Terminate(std::chrono::milliseconds bound,
                                    std::chrono::milliseconds* took) {
  const auto start = std::chrono::steady_clock::now();
  ::kill(daemon_->pid(), SIGTERM);
  const bool exited = WaitUntil(bound, [&] { return !daemon_->Running(); });
  if (took != nullptr) {
    *took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start);
  }
  return exited ? daemon_->exit_status() : -1;
}

}  // namespace stx::test
