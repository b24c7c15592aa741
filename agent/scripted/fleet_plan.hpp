#pragma once
// Which partners a scripted fleet serves: names, loopback addresses and behaviours, planned
// deterministically from a mix and a seed. Pure: no sockets, no Asio.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace stx::scripted {

/// One partner of a fleet: a mail domain whose only MX host answers on `address`.
struct FleetPartner {
  std::string domain;     ///< "p00042.fleet.test"
  std::string mx_host;    ///< "mx-00042.fleet.test"
  std::string address;    ///< "127.1.0.42"
  std::string behaviour;  ///< a name from the behaviour catalogue (behaviours.hpp)
};

/// One share of a fleet's mix: a behaviour name, or "hostile" for every hostile behaviour of
/// the catalogue in turn, with its relative weight.
struct FleetShare {
  std::string behaviour;
  unsigned weight = 0;
};

/// The mix name that stands for every hostile behaviour, round-robin.
inline constexpr std::string_view kHostileMix = "hostile";

/// Parses "compliant=70,misordered=20,no_starttls=5,hostile=5". Throws std::invalid_argument
/// naming the bad entry (unknown behaviour, weight not a positive integer, duplicate).
std::vector<FleetShare> ParseFleetMix(std::string_view text);

/// The catalogue's behaviours that are hostile to a client, in catalogue order: all but the
/// ones that speak correct SMTP and merely show a misconfiguration (compliant, misordered,
/// no_starttls, multiline_banner and the certificate problems). A behaviour added to the
/// catalogue is hostile unless listed there as well-formed.
std::vector<std::string> HostileBehaviourNames();

struct FleetPlanOptions {
  std::size_t count = 0;
  /// The first partner's address; the next ones count up from it, skipping x.y.z.0 and
  /// x.y.z.255, and must stay inside 127.0.0.0/8 (Linux routes all of it to `lo`, so every
  /// address can be bound without configuring an interface).
  std::string first_address = "127.1.0.1";
  std::vector<FleetShare> mix;
  std::string domain_suffix = "fleet.test";
  std::uint64_t seed = 1;
};

/// Partners numbered from 1: p00001.<suffix> with MX mx-00001.<suffix>. The behaviour counts
/// follow the weights exactly (largest remainder); their order is a seeded shuffle, so one
/// mix and seed always give the same fleet. Throws std::invalid_argument on a bad plan.
std::vector<FleetPartner> PlanFleet(const FleetPlanOptions& options);

}  // namespace stx::scripted
