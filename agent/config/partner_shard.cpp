#include "config/partner_shard.hpp"

#include <algorithm>
#include <charconv>

namespace stx::config {
namespace {

std::uint64_t Fnv1a64(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

// splitmix64's finalizer: FNV-1a of similar names ("p00001.", "p00002.") differs in few bits;
// the mix spreads them over all 64 before the jump hash draws from the key.
std::uint64_t Mix64(std::uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Lamping & Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm" (2014), figure 1.
std::uint32_t JumpConsistentHash(std::uint64_t key, std::uint32_t buckets) {
  std::int64_t b = -1;
  std::int64_t j = 0;
  while (j < static_cast<std::int64_t>(buckets)) {
    b = j;
    key = key * 2862933555777941757ULL + 1;
    j = static_cast<std::int64_t>(static_cast<double>(b + 1) *
                                  (static_cast<double>(1LL << 31) /
                                   static_cast<double>((key >> 33) + 1)));
  }
  return static_cast<std::uint32_t>(b);
}

bool ParseNumber(std::string_view text, std::uint32_t& out) {
  if (text.empty() || text.size() > 9) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

Checked<Shard> ParseShard(std::string_view text) {
  const std::string expected = "; expected INDEX/COUNT with 0 <= INDEX < COUNT <= " +
                               std::to_string(kMaxShards) + ", e.g. \"0/3\"";
  const std::size_t slash = text.find('/');
  Shard shard;
  if (slash == std::string_view::npos || !ParseNumber(text.substr(0, slash), shard.index) ||
      !ParseNumber(text.substr(slash + 1), shard.count)) {
    return {std::nullopt, "found " + Quoted(text) + expected};
  }
  if (shard.count == 0 || shard.count > kMaxShards || shard.index >= shard.count) {
    return {std::nullopt, "found " + Quoted(text) + expected};
  }
  return {shard, ""};
}

std::uint32_t ShardOf(std::string_view domain, std::uint32_t count) {
  if (count <= 1) return 0;
  return JumpConsistentHash(Mix64(Fnv1a64(domain)), count);
}

void KeepShard(ExporterConfig& config, Shard shard) {
  if (shard.count <= 1) return;
  std::erase_if(config.partners, [&](const Partner& p) {
    return ShardOf(p.domain, shard.count) != shard.index;
  });
}

}  // namespace stx::config
