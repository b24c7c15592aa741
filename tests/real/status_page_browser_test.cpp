// The status page as a person sees it: the real daemon in --demo mode, loaded by a real
// headless Chromium (Debian's chromium); the rendered DOM must show each demo partner's status.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <thread>

#include "support/child_process.hpp"
#include "support/http_client.hpp"
#include "support/wait.hpp"

namespace stx::test {
namespace {

using namespace std::chrono_literals;

// Chromium flags for a closed network: no background connections, no first-run, no sandbox
// (tests run as root).
std::vector<std::string> Chromium(const std::string& profile_dir) {
  return {"/usr/bin/chromium",
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--user-data-dir=" + profile_dir};
}

TEST(StatusPageInBrowser, ShowsEveryDemoPartnersStatus) {
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/chromium"))
      << "chromium is missing: scripts/install-deps installs it";
  const std::string dir = MakeTempDir("stx-browser");
  const std::uint16_t port = FreeLoopbackPort();
  ChildProcess daemon(
      {STX_EXPORTER_BINARY, "--demo", "--web.listen-address", "127.0.0.1:" + std::to_string(port)},
      dir + "/daemon.log");
  // All five demo partners probed (their first round is spread over 5 s).
  ASSERT_TRUE(WaitUntil(15s, [&] {
    return CountSeries(HttpGet(port, "/metrics").body, "starttls_probe_success") == 5;
  })) << daemon.Log();

  std::vector<std::string> argv = Chromium(dir + "/profile");
  argv.push_back("--dump-dom");
  argv.push_back("http://127.0.0.1:" + std::to_string(port) + "/");
  ChildProcess browser(argv, dir + "/dom.html");
  ASSERT_TRUE(WaitUntil(60s, [&] { return !browser.Running(); })) << "chromium did not finish";
  ASSERT_EQ(browser.exit_status(), 0) << browser.Log();
  const std::string dom = ReadFile(dir + "/dom.html");

  const std::map<std::string, std::string> expected = {
      {"bank.demo.example", "compliant"},
      {"insurer.demo.example", "misordered"},
      {"supplier.demo.example", "no_starttls"},
      // STARTTLS refused: the reply is compliant, but strict and lenient senders go on in clear.
      {"logistics.demo.example", "tls_failed"},
      {"agency.demo.example", "compliant"},     // expired certificate: still compliant EHLO
  };
  for (const auto& [domain, status] : expected) {
    // The table row of the partner, as the browser rendered it.
    const std::regex row("<tr data-domain=\"" +
                         std::regex_replace(domain, std::regex("\\."), "\\.") +
                         "\"[^>]*data-status=\"([a-z_]+)\"");
    std::smatch match;
    ASSERT_TRUE(std::regex_search(dom, match, row)) << domain << " has no row";
    EXPECT_EQ(match[1].str(), status) << domain;
  }
  EXPECT_NE(dom.find("starttls_refused"), std::string::npos);
  EXPECT_NE(dom.find("250-STARTTLS"), std::string::npos);  // the transcript is reachable
}

}  // namespace
}  // namespace stx::test
