#pragma once
// The exporter's configuration as plain data: what config_loader.cpp makes of a TOML file.
// No toml++ here.
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/check_target.hpp"
#include "common/server_spec.hpp"
#include "smtp/client_profile.hpp"

namespace stx::config {

enum class MxSelection { kAll, kPrimary };

/// Settings for every partner unless the partner overrides them.
struct GlobalSettings {
  /// Partners' MX hosts must not be hammered: at least 10s.
  std::chrono::milliseconds interval{std::chrono::minutes(5)};
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};  ///< per address dialogue
  std::string ehlo_name;                                        ///< "" = the machine's FQDN
  std::size_t concurrency = 32;  ///< address probes (connections) in flight, all partners together
  /// "" = /etc/resolv.conf; else "IP:PORT" / "[IPv6]:PORT" (the loader fills in the port).
  std::string dns_server;
  /// DNSSEC trust anchors for the validating resolver (DS/DNSKEY records in zone-file form);
  /// "" = no validation, every answer insecure.
  std::string dns_trust_anchor_file = kRootTrustAnchorFile;
  MxSelection mx = MxSelection::kAll;
  bool ipv4 = true;
  bool ipv6 = true;
  std::uint16_t port = 25;
  std::string ca_file;  ///< extra trusted CAs (PEM); a relative path in the file is taken
                        ///< from the config file's directory
  bool allow_adhoc_probes = false;  ///< /probe?target= for domains not in the config
  /// Look up each domain's MTA-STS and TLS-RPT records and fetch its MTA-STS policy with every
  /// probe (`check`). The daemon leaves it off until policies are cached between probes for
  /// their max_age, as senders cache them (RFC 8461 §5.1).
  bool discover_policies = false;
  /// The senders this company runs (`senders`, profile names): the only ones the metrics,
  /// the partner status and the alerts follow. At least one.
  smtp::ProfileSet senders = smtp::DefaultSenders();

  bool operator==(const GlobalSettings&) const = default;
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
  /// Static hosts that replace the MX lookup (pinned partners, tests), in file order, parsed
  /// at load: each is a host target (CheckTarget::Kind::kHost) with its port set (`port` where
  /// the file gave a bare host). Empty: MX lookup.
  std::vector<CheckTarget> static_mx;
  /// The senders whose outcome this partner is judged by (the global `senders` unless the
  /// entry sets its own).
  smtp::ProfileSet senders = smtp::DefaultSenders();

  bool operator==(const Partner&) const = default;
};

/// A partner of `domain` with every setting taken from `global`: what a [[partner]] entry
/// starts from, and what an ad-hoc probe (/probe, `check`) of any domain uses.
Partner DefaultPartner(const GlobalSettings& global, std::string domain);

/// The oldest TLS version the web endpoint accepts.
enum class TlsVersion { kTls12, kTls13 };

/// The exporter's own web endpoint: TLS and HTTP basic authentication, the settings of
/// Prometheus' exporter-toolkit web-config (tls_server_config, basic_auth_users) in a [web]
/// table. Defaults: plain HTTP, no authentication.
struct WebSettings {
  /// PEM certificate chain (leaf first) and its private key; both set or both empty. Checked at
  /// load (readable, PEM, the key matches the certificate); relative paths are taken from the
  /// config file's directory.
  std::string tls_cert_file;
  std::string tls_key_file;
  TlsVersion tls_min_version = TlsVersion::kTls12;
  /// User name -> bcrypt hash ("$2b$10$..."), sorted by name; empty: no authentication.
  std::vector<std::pair<std::string, std::string>> basic_auth_users;

  bool tls() const { return !tls_cert_file.empty(); }
  bool operator==(const WebSettings&) const = default;
};

struct ExporterConfig {
  std::string source;  ///< file path, for messages
  GlobalSettings global;
  WebSettings web;
  std::vector<Partner> partners;  ///< in file order

  bool operator==(const ExporterConfig&) const = default;
};

}  // namespace stx::config
