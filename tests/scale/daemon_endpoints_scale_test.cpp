// Every endpoint bounded at 10,000 partners: the real exporter binary sweeps a scripted fleet
// of 10,000 partners resolved through a real dnsmasq; then two clients at once fetch the status
// page, /api/v1/targets and /metrics three times each (one of them with gzip). The exporter's
// peak resident memory (VmHWM, /proc) after serving them stays within 10 % of its peak after
// the sweep alone, and every response is complete and lists every partner with the class the
// fleet serves it.
#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/child_process.hpp"
#include "support/dnsmasq_server.hpp"
#include "support/http_client.hpp"
#include "support/wait.hpp"

namespace stx::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kPartners = 10000;
constexpr int kRounds = 3;
constexpr double kMaxPeakGrowth = 0.10;
// Generous bounds for a loaded 2-core CI machine; none is a performance target.
constexpr auto kFleetStart = 90s;
constexpr auto kSweep = 180s;  // the first round alone is spread over 20 s
constexpr auto kRequest = 60s;

// What the fleet serves each partner: its domain's status on the page, in the API and in
// starttls_ehlo_status (the fleet's behaviours are named after the class they produce).
using Manifest = std::map<std::string, std::string>;

Manifest ReadManifest(const std::string& path) {
  std::istringstream in(ReadFile(path));
  Manifest partners;
  std::string line;
  std::getline(in, line);  // header: domain mx address behaviour
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string domain, mx, address, behaviour;
    std::getline(fields, domain, '\t');
    std::getline(fields, mx, '\t');
    std::getline(fields, address, '\t');
    std::getline(fields, behaviour, '\t');
    partners[domain] = behaviour;
  }
  return partners;
}

std::int64_t StatusKib(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(field, 0) == 0) return std::stoll(line.substr(field.size()));
  }
  return -1;
}

std::size_t Count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1))
    ++n;
  return n;
}

// One gzip member, whole; "" with `error` set otherwise.
std::string Gunzip(const std::string& packed, std::string& error) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
    error = "inflateInit2 failed";
    return "";
  }
  std::string out;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
  zs.avail_in = static_cast<uInt>(packed.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    char buffer[1 << 16];
    zs.next_out = reinterpret_cast<Bytef*>(buffer);
    zs.avail_out = sizeof buffer;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - zs.avail_out);
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;
  }
  const bool whole = rc == Z_STREAM_END && zs.avail_in == 0;
  inflateEnd(&zs);
  if (!whole) error = "not one complete gzip member";
  return whole ? out : "";
}

// The partners of /api/v1/targets (domain and status, in document order), read without
// building the document's tree: the test's own memory stays small too.
class PartnerList : public nlohmann::json_sax<nlohmann::json> {
 public:
  std::vector<std::pair<std::string, std::string>> partners;
  std::string error;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool string(string_t& value) override {
    // A partner is an object (depth 3) in the array (depth 2) under the root's "partners".
    if (depth_ == 3 && in_partners_) {
      if (key_ == "domain") partners.back().first = value;
      if (key_ == "status") partners.back().second = value;
    }
    return true;
  }
  bool start_object(std::size_t) override {
    if (++depth_ == 3 && in_partners_) partners.emplace_back();
    return true;
  }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    if (++depth_ == 2 && key_ == "partners") in_partners_ = true;
    return true;
  }
  bool end_array() override {
    if (depth_-- == 2) in_partners_ = false;
    return true;
  }
  bool key(string_t& name) override {
    key_ = name;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& e) override {
    error = "at byte " + std::to_string(position) + ": " + e.what();
    return false;
  }

 private:
  int depth_ = 0;
  bool in_partners_ = false;
  std::string key_;
};

// What is wrong with a response of `path` (a 200 with the whole body), "" when nothing is.
std::string Problem(const std::string& path, const std::string& body, const Manifest& fleet) {
  std::map<std::string, std::size_t> per_status;
  for (const auto& [domain, status] : fleet) ++per_status[status];
  if (path == "/api/v1/targets") {
    PartnerList list;
    if (!nlohmann::json::sax_parse(body, &list)) return "invalid JSON " + list.error;
    if (list.partners.size() != fleet.size())
      return "lists " + std::to_string(list.partners.size()) + " partners";
    auto expected = fleet.begin();
    for (const auto& [domain, status] : list.partners) {  // by domain, each once
      if (domain != expected->first || status != expected->second)
        return "lists " + domain + " (" + status + ") where " + expected->first + " (" +
               expected->second + ") belongs";
      ++expected;
    }
    return "";
  }
  if (path == "/") {
    if (body.rfind("<!DOCTYPE html>", 0) != 0 || body.size() < 8 ||
        body.compare(body.size() - 8, 8, "</html>\n") != 0)
      return "not one whole HTML document";
    // One address per partner: one row and one evidence section each, in the group of its
    // status.
    std::map<std::string, int> rows;
    for (std::size_t at = body.find("<tr data-domain=\""); at != std::string::npos;
         at = body.find("<tr data-domain=\"", at + 1)) {
      const std::size_t start = at + 17;
      ++rows[body.substr(start, body.find('"', start) - start)];
    }
    for (const auto& [domain, status] : fleet) {
      if (rows[domain] != 1) return domain + " has " + std::to_string(rows[domain]) + " rows";
    }
    if (rows.size() != fleet.size()) return std::to_string(rows.size()) + " partners have rows";
    if (Count(body, "<section class=\"evidence\"") != fleet.size()) return "evidence missing";
    for (const auto& [status, n] : per_status) {
      const std::string count = "data-count=\"" + status + "\">" + std::to_string(n) + "<";
      if (body.find(count) == std::string::npos) return "no " + count;
    }
    return "";
  }
  // /metrics: every family written to the end (the exporter's own families come after the
  // partners'), each partner once with its class.
  if (body.empty() || body.back() != '\n') return "does not end with a line end";
  if (CountSeries(body, "starttls_partner_info") != fleet.size()) return "partner_info missing";
  if (MetricValue(body, "starttls_exporter_partners") != static_cast<double>(fleet.size()))
    return "no starttls_exporter_partners " + std::to_string(fleet.size());
  std::map<std::string, std::size_t> classified;  // starttls_ehlo_status{status} 1
  std::istringstream lines(body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("starttls_ehlo_status{", 0) != 0 || line.compare(line.size() - 2, 2, " 1") != 0)
      continue;
    const std::size_t at = line.find("status=\"") + 8;
    ++classified[line.substr(at, line.find('"', at) - at)];
  }
  if (classified != per_status) return "the classes are not those the fleet serves";
  return "";
}

struct Fetch {
  std::string path;
  bool gzip = false;
  std::size_t sent_bytes = 0;  // as sent (gzip: compressed)
  std::size_t body_bytes = 0;
  double ms = 0;
  std::string problem;
};

// One client: each path in turn, `kRounds` times; each response checked as it comes.
std::vector<Fetch> RunClient(std::uint16_t port, std::vector<std::string> order, bool gzip,
                             const Manifest& fleet) {
  std::vector<Fetch> fetches;
  for (int round = 0; round < kRounds; ++round) {
    for (const std::string& path : order) {
      Fetch f;
      f.path = path;
      f.gzip = gzip;
      const auto start = Clock::now();
      HttpReply reply =
          HttpRequest("GET", port, path, gzip ? "Accept-Encoding: gzip\r\n" : "", kRequest);
      f.ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      f.sent_bytes = reply.body.size();
      if (reply.status != 200) {
        f.problem = "HTTP " + std::to_string(reply.status) + " " + reply.error;
      } else {
        if (gzip && reply.headers["content-encoding"] != "gzip") f.problem = "not gzipped";
        std::string body = gzip ? Gunzip(reply.body, f.problem) : std::move(reply.body);
        f.body_bytes = body.size();
        if (f.problem.empty()) f.problem = Problem(path, body, fleet);
      }
      std::cout << "[ endpoints ] fetched " << path << (gzip ? " gzip" : "") << " in "
                << static_cast<int>(f.ms) << " ms" << std::endl;
      fetches.push_back(std::move(f));
    }
  }
  return fetches;
}

class EndpointsAtScale : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("stx-endpoints-scale");
    const std::uint16_t smtp_port = FreeLoopbackPort();
    fleet_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{STX_SCRIPTED_FLEET, "--count", std::to_string(kPartners), "--port",
                                 std::to_string(smtp_port), "--out", dir_ + "/fleet",
                                 "--first-address", "127.8.0.1"},
        dir_ + "/fleet.log");
    ASSERT_TRUE(WaitUntil(kFleetStart, [&] {
      return fleet_->Log().find("ready ") != std::string::npos || !fleet_->Running();
    }));
    ASSERT_NE(fleet_->Log().find("ready "), std::string::npos) << fleet_->Log();
    std::cout << "[ endpoints ] fleet of " << kPartners << " ready" << std::endl;
    fleet_partners_ = ReadManifest(dir_ + "/fleet/manifest.tsv");
    ASSERT_EQ(fleet_partners_.size(), kPartners);
    dns_ = std::make_unique<DnsmasqServer>(
        std::vector<std::string>{"--conf-file=" + dir_ + "/fleet/dnsmasq.conf"});

    web_port_ = FreeLoopbackPort();
    // One sweep: the interval is far longer than the test.
    WriteFile(dir_ + "/starttls_exporter.toml",
              "interval = \"1h\"\ntimeout = \"5s\"\nconcurrency = 64\n"
              "ehlo_name = \"probe.test\"\naddress_families = [\"ipv4\"]\n"
              "dns_server = \"" +
                  dns_->server() +
                  "\"\ndns_trust_anchor_file = \"" STX_UNUSED_TRUST_ANCHOR "\"\nca_file = \"" +
                  dir_ + "/fleet/ca.pem\"\nport = " + std::to_string(smtp_port) + "\n\n" +
                  ReadFile(dir_ + "/fleet/partners.toml"));
    // Debug logs: one line per probe, so the end of the sweep is seen without a request.
    exporter_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{STX_EXPORTER_BINARY, "--config.file",
                                 dir_ + "/starttls_exporter.toml", "--web.listen-address",
                                 "127.0.0.1:" + std::to_string(web_port_), "--log.level", "debug"},
        dir_ + "/exporter.log");
    ASSERT_TRUE(WaitForTcpPort(web_port_, 10s, exporter_.get())) << exporter_->Log();
  }

  void TearDown() override {
    exporter_.reset();
    dns_.reset();
    fleet_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string dir_;
  std::uint16_t web_port_ = 0;
  Manifest fleet_partners_;
  std::unique_ptr<ChildProcess> fleet_, exporter_;
  std::unique_ptr<DnsmasqServer> dns_;
};

TEST_F(EndpointsAtScale, TwoClientsFetchingEveryEndpointRaisePeakMemoryLessThanTenPercent) {
  const auto sweep_start = Clock::now();
  std::size_t probed = 0;
  auto reported = sweep_start;
  while (Clock::now() - sweep_start < kSweep && exporter_->Running()) {
    probed = Count(exporter_->Log(), "msg=\"probe finished\"");
    if (probed >= kPartners) break;
    if (Clock::now() - reported >= 15s) {  // where a slow machine spends its time, as it goes
      reported = Clock::now();
      std::cout << "[ endpoints ] sweeping: " << probed << " of " << kPartners << " after "
                << std::chrono::duration_cast<std::chrono::seconds>(reported - sweep_start).count()
                << " s" << std::endl;
    }
    std::this_thread::sleep_for(1s);  // the log is megabytes: read it seldom
  }
  ASSERT_TRUE(exporter_->Running()) << exporter_->Log().substr(0, 4000);
  ASSERT_EQ(probed, kPartners);
  const double sweep_s = std::chrono::duration<double>(Clock::now() - sweep_start).count();
  const std::int64_t swept_kib = StatusKib(exporter_->pid(), "VmHWM:");
  ASSERT_GT(swept_kib, 0);

  std::vector<Fetch> plain, gzipped;
  std::thread first([&] {
    plain = RunClient(web_port_, {"/", "/api/v1/targets", "/metrics"}, false, fleet_partners_);
  });
  std::thread second([&] {
    gzipped = RunClient(web_port_, {"/api/v1/targets", "/metrics", "/"}, true, fleet_partners_);
  });
  first.join();
  second.join();
  ASSERT_TRUE(exporter_->Running()) << exporter_->Log().substr(0, 4000);
  const std::int64_t served_kib = StatusKib(exporter_->pid(), "VmHWM:");

  for (const auto* client : {&plain, &gzipped}) {
    ASSERT_EQ(client->size(), 3u * kRounds);
    for (const Fetch& f : *client) {
      EXPECT_EQ(f.problem, "") << f.path << (f.gzip ? " (gzip)" : "");
      std::cout << "[ endpoints ] " << f.path << (f.gzip ? " gzip " : " ") << f.sent_bytes
                << " B sent, " << f.body_bytes << " B, " << static_cast<int>(f.ms) << " ms"
                << std::endl;
    }
  }
  std::cout << "[ endpoints ] " << kPartners << " partners swept in " << static_cast<int>(sweep_s)
            << " s; VmHWM after the sweep " << swept_kib << " KiB, after serving " << served_kib
            << " KiB (+"
            << static_cast<double>(served_kib - swept_kib) * 100.0 / static_cast<double>(swept_kib)
            << " %)" << std::endl;
  RecordProperty("vmhwm_sweep_kib", std::to_string(swept_kib));
  RecordProperty("vmhwm_served_kib", std::to_string(served_kib));
  EXPECT_LE(static_cast<double>(served_kib),
            static_cast<double>(swept_kib) * (1.0 + kMaxPeakGrowth))
      << "peak resident memory after the sweep " << swept_kib << " KiB, after serving "
      << served_kib << " KiB";
}

}  // namespace
}  // namespace stx::test
