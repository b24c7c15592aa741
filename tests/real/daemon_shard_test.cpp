// Scale-out: two exporters share one configuration with --shard=0/2 and --shard=1/2. Every
// partner must be probed by exactly one of them, and each exports only its own partners, so
// Prometheus scraping both sees each partner once.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "config/partner_shard.hpp"
#include "daemon_harness.hpp"

namespace stx::test {
namespace {

using namespace std::chrono_literals;

constexpr int kPartners = 24;

class DaemonShard : public DaemonHarness {
 protected:
  std::string Domain(int i) const { return "partner" + std::to_string(i) + ".test"; }

  // One interval of an hour: the first round is the only one during the test, so every
  // connection the partner server sees belongs to it.
  std::string Config() const {
    std::string c = "interval = \"1h\"\ntimeout = \"3s\"\nehlo_name = \"probe.test\"\n"
                    "concurrency = 8\ndns_server = \"127.0.0.1:1\"\nca_file = \"" +
                    pki_.ca_path() + "\"\naddress_families = [\"ipv4\"]\n\n";
    for (int i = 0; i < kPartners; ++i) c += StaticPartner(Domain(i), "127.0.0.61");
    return c;
  }

  std::unique_ptr<ChildProcess> StartShard(const std::string& shard, std::uint16_t port) {
    auto child = std::make_unique<ChildProcess>(
        std::vector<std::string>{STX_EXPORTER_BINARY, "--config.file", ConfigPath(),
                                 "--web.listen-address", "127.0.0.1:" + std::to_string(port),
                                 "--shard", shard},
        dir_ + "/shard-" + shard.substr(0, 1) + ".log");
    EXPECT_TRUE(WaitUntil(10s, [&] { return HttpGet(port, "/-/ready").status == 200; }))
        << child->Log();
    return child;
  }
};

double ProbesDone(const std::string& metrics) {
  double sum = 0;
  for (const Sample& s : Samples(metrics, "starttls_probes_total")) sum += s.value;
  return sum;
}

TEST_F(DaemonShard, EveryPartnerIsProbedByExactlyOneShard) {
  const auto server = Serve(scripted::ServerScript::Compliant(), "mx.partners.test", "127.0.0.61");
  WriteConfigAtomically(Config());
  const std::uint16_t ports[2] = {web_port_, FreeLoopbackPort()};
  const auto shard0 = StartShard("0/2", ports[0]);
  const auto shard1 = StartShard("1/2", ports[1]);

  // Each shard exports only its own partners, and the two shares cover the list.
  std::string metrics[2];
  double owned[2] = {0, 0};
  for (int s = 0; s < 2; ++s) {
    ASSERT_TRUE(WaitUntil(15s, [&] {
      metrics[s] = HttpGet(ports[s], "/metrics").body;
      owned[s] = MetricValue(metrics[s], "starttls_exporter_partners");
      return owned[s] > 0 && ProbesDone(metrics[s]) == owned[s];
    })) << "shard " << s << " did not finish its round\n"
        << metrics[s];
  }
  EXPECT_EQ(owned[0] + owned[1], kPartners);

  std::map<std::string, int> owner;
  for (int s = 0; s < 2; ++s) {
    for (const Sample& info : Samples(metrics[s], "starttls_partner_info")) {
      const std::string& domain = info.labels.at("domain");
      EXPECT_TRUE(owner.emplace(domain, s).second) << domain << " exported by both shards";
      EXPECT_EQ(config::ShardOf(domain, 2), static_cast<std::uint32_t>(s)) << domain;
      EXPECT_EQ(MetricValue(metrics[s], "starttls_ehlo_status",
                            {{"domain", domain}, {"status", "compliant"}}),
                1)
          << domain;
      EXPECT_EQ(MetricValue(metrics[s], "starttls_probes_total",
                            {{"domain", domain}, {"result", "success"}}),
                1)
          << domain;
    }
  }
  EXPECT_EQ(owner.size(), static_cast<std::size_t>(kPartners));

  // The partners' server saw one connection per partner: no partner was probed twice.
  EXPECT_EQ(server->ConnectionCount(), static_cast<std::size_t>(kPartners));

  // /probe answers only for this shard's partners.
  for (const auto& [domain, s] : owner) {
    EXPECT_EQ(HttpGet(ports[s], "/probe?target=" + domain).status, 200) << domain;
    EXPECT_EQ(HttpGet(ports[1 - s], "/probe?target=" + domain).status, 403) << domain;
    break;  // one of each is enough: it is the same lookup for every partner
  }
}

TEST_F(DaemonShard, ConfigCheckCountsTheShare) {
  WriteConfigAtomically(Config());
  ChildProcess check({STX_EXPORTER_BINARY, "--config.check", "--config.file", ConfigPath(),
                      "--shard", "1/2"},
                     dir_ + "/check.log");
  ASSERT_TRUE(WaitUntil(10s, [&] { return !check.Running(); }));
  EXPECT_EQ(check.exit_status(), 0) << check.Log();
  int mine = 0;
  for (int i = 0; i < kPartners; ++i) mine += config::ShardOf(Domain(i), 2) == 1 ? 1 : 0;
  EXPECT_NE(check.Log().find("valid, " + std::to_string(kPartners) + " partners, " +
                             std::to_string(mine) + " on shard 1/2"),
            std::string::npos)
      << check.Log();

  ChildProcess bad({STX_EXPORTER_BINARY, "--config.file", ConfigPath(), "--shard", "2/2"},
                   dir_ + "/bad.log");
  ASSERT_TRUE(WaitUntil(10s, [&] { return !bad.Running(); }));
  EXPECT_EQ(bad.exit_status(), 2);
  EXPECT_NE(bad.Log().find("expected INDEX/COUNT"), std::string::npos) << bad.Log();
}

}  // namespace
}  // namespace stx::test
