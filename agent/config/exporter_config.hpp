#pragma once
// The exporter's configuration as plain data: what config_loader.cpp makes of a TOML file.
// No toml++ and no Asio here.
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace stx::config {

enum class MxSelection { kAll, kPrimary };

/// Settings for every partner unless the partner overrides them.
struct GlobalSettings {
  std::chrono::milliseconds interval{std::chrono::minutes(5)};  ///< partners' MX hosts must not be hammered
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};  ///< per address dialogue
  std::string ehlo_name;        ///< "" = the machine's FQDN
  std::size_t concurrency = 32; ///< address probes (connections) in flight, all partners together
  std::string dns_server;       ///< "" = /etc/resolv.conf; else IP[:PORT] / [IPv6]:PORT
  MxSelection mx = MxSelection::kAll;
  bool ipv4 = true;
  bool ipv6 = true;
  std::uint16_t port = 25;
  std::string ca_file;            ///< extra trusted CAs (PEM)
  bool allow_adhoc_probes = false;  ///< /probe?target= for domains not in the config
};

/// One partner domain, with the global settings already applied where it does not override.
struct Partner {
  std::string domain;  ///< lower-case, no trailing dot; unique in a config
  std::string name;    ///< display name; the domain when not given
  /// Free-form labels (team, tier, ...), sorted by key; exported once through
  /// starttls_partner_info, never on every series. Keys are valid Prometheus label names.
  std::vector<std::pair<std::string, std::string>> labels;
  std::chrono::milliseconds interval{std::chrono::minutes(5)};
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  std::uint16_t port = 25;
  /// Static "host:port" / "[v6]:port" / "host" entries that replace the MX lookup (pinned
  /// partners, tests). Empty: MX lookup.
  std::vector<std::string> static_mx;

  bool operator==(const Partner&) const = default;
};

struct ExporterConfig {
  std::string source;  ///< file path, for messages
  GlobalSettings global;
  std::vector<Partner> partners;  ///< in file order
};

}  // namespace stx::config
