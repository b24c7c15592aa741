#pragma once
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

namespace stx::app {

struct CheckCommandOptions {
  std::string target;
  bool json = false;
  std::string ehlo_name;                             ///< "" = this machine's FQDN
  std::string dns_server;                            ///< "" = system resolver configuration
  std::optional<std::string> dns_trust_anchor_file;  ///< unset: the root key; "": no DNSSEC
  std::string timeout = "30s";                       ///< per address
  std::uint16_t port = 25;
  bool primary_only = false;
  bool ipv4_only = false;
  bool ipv6_only = false;
  std::string ca_file;
  std::string senders;      ///< "postfix,msmtp": the senders the status and exit follow
  std::string config_file;  ///< one-shot run over a configuration's partners
};

/// Runs `starttls_exporter check <target>`: the target becomes a configuration of one partner
/// (a domain, or a pinned host for host:port), probed once exactly as the daemon probes its
/// partners. Writes the report to `out`, usage errors to `err`; returns the exit status
/// (assess::CheckExit).
int RunCheck(const CheckCommandOptions& options, std::ostream& out, std::ostream& err);

/// `check --config.file F`: probes every configured partner once, at the configured
/// concurrency, and reports like RunCheck (JSON: {"partners": [one entry per partner]}), with
/// the same exit statuses over all partners.
int RunConfigCheck(const CheckCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace stx::app
