#pragma once
// Scale-out: N exporters share one configuration and each probes only its share of the
// partners. The share is a pure function of the partner's domain, so every instance agrees
// without talking to the others, and a restart or reload never moves a partner.
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config_values.hpp"
#include "config/exporter_config.hpp"

namespace stx::config {

/// This instance's share: shard `index` of `count` (0 ≤ index < count). {0, 1} probes all.
struct Shard {
  std::uint32_t index = 0;
  std::uint32_t count = 1;

  bool operator==(const Shard&) const = default;
};

/// The most shards allowed: far more exporters than a partner list needs, few enough that a
/// typo ("1/30000") is caught.
inline constexpr std::uint32_t kMaxShards = 1000;

/// "I/N" with 0 ≤ I < N ≤ kMaxShards, e.g. "0/3" (a StatefulSet's pod ordinal is I).
Checked<Shard> ParseShard(std::string_view text);

/// The shard (0..count-1) that owns `domain` (lower-case, no trailing dot, as in Partner).
/// Jump consistent hash (Lamping & Veach, 2014) over a 64-bit FNV-1a of the domain: stable
/// across releases and platforms, even, and when `count` grows by one only 1/(count+1) of the
/// partners move to the new shard; none move between the old ones.
std::uint32_t ShardOf(std::string_view domain, std::uint32_t count);

/// Removes from `config` the partners that another shard owns.
void KeepShard(ExporterConfig& config, Shard shard);

}  // namespace stx::config
