#include "config/partner_shard.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <set>
#include <string>

namespace stx::config {
namespace {

struct ShardText {
  const char* text;
  bool valid;
  Shard shard;
};

class ConfigShardParse : public ::testing::TestWithParam<ShardText> {};

TEST_P(ConfigShardParse, AcceptsIndexOverCountOnly) {
  const ShardText& row = GetParam();
  const Checked<Shard> parsed = ParseShard(row.text);
  ASSERT_EQ(parsed.value.has_value(), row.valid) << row.text << ": " << parsed.error;
  if (row.valid) {
    EXPECT_EQ(*parsed.value, row.shard);
  } else {
    EXPECT_NE(parsed.error.find("expected INDEX/COUNT"), std::string::npos) << parsed.error;
  }
}

INSTANTIATE_TEST_SUITE_P(Table, ConfigShardParse,
                         ::testing::Values(ShardText{"0/1", true, {0, 1}},
                                           ShardText{"0/3", true, {0, 3}},
                                           ShardText{"2/3", true, {2, 3}},
                                           ShardText{"999/1000", true, {999, 1000}},
                                           ShardText{"3/3", false, {}},
                                           ShardText{"1/0", false, {}},
                                           ShardText{"0/0", false, {}},
                                           ShardText{"0/1001", false, {}},
                                           ShardText{"", false, {}},
                                           ShardText{"1", false, {}},
                                           ShardText{"/3", false, {}},
                                           ShardText{"1/", false, {}},
                                           ShardText{"-1/3", false, {}},
                                           ShardText{"+1/3", false, {}},
                                           ShardText{" 1/3", false, {}},
                                           ShardText{"1/3x", false, {}},
                                           ShardText{"a/b", false, {}},
                                           ShardText{"1/2/3", false, {}},
                                           ShardText{"99999999999/3", false, {}}));

TEST(ConfigShard, OwnerNeverChangesAcrossReleases) {
  // Pinned: a change here reshuffles every deployment's partners between its shards (and
  // their alert history between instances). Change the hash only with a release note.
  const std::array<std::pair<const char*, std::uint32_t>, 6> pinned = {{
      {"bank.example", 1u},
      {"insurer.example", 1u},
      {"supplier.example", 1u},
      {"p00001.fleet.test", 0u},
      {"p00002.fleet.test", 1u},
      {"example.com", 1u},
  }};
  for (const auto& [domain, shard] : pinned) EXPECT_EQ(ShardOf(domain, 3), shard) << domain;
}

TEST(ConfigShard, OneShardOwnsEverything) {
  EXPECT_EQ(ShardOf("bank.example", 1), 0u);
  EXPECT_EQ(ShardOf("bank.example", 0), 0u);
}

std::string Domain(int i) { return "p" + std::to_string(i) + ".fleet.test"; }

TEST(ConfigShard, SplitsEvenly) {
  constexpr int kPartners = 30000;
  for (const std::uint32_t count : {2u, 3u, 7u}) {
    std::vector<int> per_shard(count);
    for (int i = 0; i < kPartners; ++i) ++per_shard[ShardOf(Domain(i), count)];
    const double expected = static_cast<double>(kPartners) / count;
    for (std::uint32_t s = 0; s < count; ++s) {
      // Binomial: the standard deviation is under 0.6 % of kPartners here; 3 % is far out.
      EXPECT_LT(std::abs(per_shard[s] - expected), 0.03 * expected)
          << "shard " << s << " of " << count << ": " << per_shard[s];
    }
  }
}

TEST(ConfigShard, GrowingByOneMovesPartnersOnlyToTheNewShard) {
  constexpr int kPartners = 20000;
  int moved = 0;
  for (int i = 0; i < kPartners; ++i) {
    const std::uint32_t before = ShardOf(Domain(i), 3);
    const std::uint32_t after = ShardOf(Domain(i), 4);
    if (before != after) {
      EXPECT_EQ(after, 3u) << Domain(i);
      ++moved;
    }
  }
  // A quarter of them, within a few standard deviations.
  EXPECT_NEAR(moved, kPartners / 4, kPartners / 50);
}

TEST(ConfigShard, KeepShardPartitionsThePartners) {
  ExporterConfig all;
  for (int i = 0; i < 100; ++i) {
    Partner p;
    p.domain = Domain(i);
    all.partners.push_back(p);
  }
  std::set<std::string> seen;
  std::size_t total = 0;
  for (std::uint32_t s = 0; s < 3; ++s) {
    ExporterConfig mine = all;
    KeepShard(mine, Shard{s, 3});
    EXPECT_GT(mine.partners.size(), 0u);
    total += mine.partners.size();
    for (const Partner& p : mine.partners) {
      EXPECT_TRUE(seen.insert(p.domain).second) << p.domain << " in two shards";
      EXPECT_EQ(ShardOf(p.domain, 3), s);
    }
  }
  EXPECT_EQ(total, all.partners.size());
  ExporterConfig unsharded = all;
  KeepShard(unsharded, Shard{});
  EXPECT_EQ(unsharded.partners, all.partners);
}

}  // namespace
}  // namespace stx::config
