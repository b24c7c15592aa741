#include "scripted/fleet_plan.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <numeric>
#include <set>
#include <stdexcept>

#include "scripted/behaviours.hpp"

namespace stx::scripted {
namespace {

// Behaviours that speak correct SMTP: a client meets a misconfiguration there (STARTTLS
// misplaced or missing, a bad certificate), not an attack on its parser or its deadlines.
constexpr std::array<std::string_view, 6> kWellFormed = {"compliant",    "misordered",
                                                         "no_starttls",  "multiline_banner",
                                                         "expired_cert", "wrong_host_cert"};

bool Known(std::string_view name) {
  const auto names = BehaviourNames();
  return std::find(names.begin(), names.end(), name) != names.end();
}

// splitmix64 (Steele, Lea, Flood 2014): a tiny generator whose sequence is fixed by the seed on
// every platform, unlike std::shuffle over a standard distribution.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t Next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

std::uint32_t ParseIpv4(const std::string& text) {
  in_addr addr{};
  if (::inet_pton(AF_INET, text.c_str(), &addr) != 1)
    throw std::invalid_argument("fleet: not an IPv4 address: " + text);
  return ntohl(addr.s_addr);
}

std::string FormatIpv4(std::uint32_t host_order) {
  return std::to_string(host_order >> 24) + "." + std::to_string((host_order >> 16) & 0xFF) + "." +
         std::to_string((host_order >> 8) & 0xFF) + "." + std::to_string(host_order & 0xFF);
}

bool InLoopbackNet(std::uint32_t address) { return (address >> 24) == 127; }

// x.y.z.0 and x.y.z.255 are legal on lo, but read like network and broadcast addresses.
std::uint32_t SkipEdges(std::uint32_t address) {
  while ((address & 0xFF) == 0 || (address & 0xFF) == 0xFF) ++address;
  return address;
}

std::string Numbered(std::size_t number, std::size_t width) {
  std::string digits = std::to_string(number);
  if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
  return digits;
}

// Behaviour labels (mix names, "hostile" included) with counts proportional to the weights:
// floors first, then the leftover partners to the largest remainders (earlier share on ties).
std::vector<std::string> Apportion(const std::vector<FleetShare>& mix, std::size_t count) {
  const std::uint64_t total = std::accumulate(
      mix.begin(), mix.end(), std::uint64_t{0},
      [](std::uint64_t sum, const FleetShare& share) { return sum + share.weight; });
  std::vector<std::size_t> counts(mix.size());
  std::vector<std::uint64_t> remainders(mix.size());
  std::size_t given = 0;
  for (std::size_t i = 0; i < mix.size(); ++i) {
    const std::uint64_t scaled = std::uint64_t{mix[i].weight} * count;
    counts[i] = static_cast<std::size_t>(scaled / total);
    remainders[i] = scaled % total;
    given += counts[i];
  }
  std::vector<std::size_t> order(mix.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return remainders[a] > remainders[b]; });
  for (std::size_t k = 0; given < count; ++k, ++given) ++counts[order[k % order.size()]];

  std::vector<std::string> labels;
  labels.reserve(count);
  for (std::size_t i = 0; i < mix.size(); ++i)
    labels.insert(labels.end(), counts[i], mix[i].behaviour);
  return labels;
}

}  // namespace

std::vector<FleetShare> ParseFleetMix(std::string_view text) {
  std::vector<FleetShare> mix;
  std::set<std::string, std::less<>> seen;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view entry = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    const std::size_t eq = entry.find('=');
    const std::string name(entry.substr(0, eq));
    if (eq == std::string_view::npos || name.empty())
      throw std::invalid_argument("fleet mix: expected NAME=WEIGHT, found '" + std::string(entry) +
                                  "'");
    if (name != kHostileMix && !Known(name))
      throw std::invalid_argument("fleet mix: unknown behaviour '" + name + "'");
    if (!seen.insert(name).second)
      throw std::invalid_argument("fleet mix: '" + name + "' given twice");
    const std::string_view weight_text = entry.substr(eq + 1);
    unsigned weight = 0;
    const auto [end, ec] =
        std::from_chars(weight_text.data(), weight_text.data() + weight_text.size(), weight);
    if (ec != std::errc() || end != weight_text.data() + weight_text.size() || weight == 0)
      throw std::invalid_argument("fleet mix: weight of '" + name +
                                  "' must be a positive integer, found '" +
                                  std::string(weight_text) + "'");
    mix.push_back({name, weight});
  }
  if (mix.empty()) throw std::invalid_argument("fleet mix: empty");
  return mix;
}

std::vector<std::string> HostileBehaviourNames() {
  std::vector<std::string> hostile;
  for (const std::string_view name : BehaviourNames()) {
    if (std::find(kWellFormed.begin(), kWellFormed.end(), name) == kWellFormed.end())
      hostile.emplace_back(name);
  }
  return hostile;
}

std::vector<FleetPartner> PlanFleet(const FleetPlanOptions& options) {
  if (options.mix.empty()) throw std::invalid_argument("fleet: empty mix");
  if (options.domain_suffix.empty()) throw std::invalid_argument("fleet: empty domain suffix");
  std::vector<std::string> labels = Apportion(options.mix, options.count);
  SplitMix64 random(options.seed);
  for (std::size_t i = labels.size(); i > 1; --i)
    std::swap(labels[i - 1], labels[static_cast<std::size_t>(random.Next() % i)]);

  const std::vector<std::string> hostile = HostileBehaviourNames();
  const std::size_t width = std::max<std::size_t>(5, std::to_string(options.count).size());
  std::uint32_t address = SkipEdges(ParseIpv4(options.first_address));
  std::vector<FleetPartner> partners;
  partners.reserve(options.count);
  std::size_t next_hostile = 0;
  for (std::size_t i = 0; i < options.count; ++i) {
    if (!InLoopbackNet(address))
      throw std::invalid_argument("fleet: " + std::to_string(options.count) + " partners from " +
                                  options.first_address + " leave 127.0.0.0/8");
    FleetPartner p;
    const std::string number = Numbered(i + 1, width);
    p.domain = "p" + number + "." + options.domain_suffix;
    p.mx_host = "mx-" + number + "." + options.domain_suffix;
    p.address = FormatIpv4(address);
    if (labels[i] != kHostileMix) {
      p.behaviour = labels[i];
    } else if (hostile.empty()) {
      throw std::invalid_argument("fleet: the catalogue has no hostile behaviour");
    } else {
      p.behaviour = hostile[next_hostile++ % hostile.size()];
    }
    partners.push_back(std::move(p));
    address = SkipEdges(address + 1);
  }
  return partners;
}

}  // namespace stx::scripted
