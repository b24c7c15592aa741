#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "probe/probe_result.hpp"

namespace stx::app {

struct CheckCommandOptions {
  std::string target;
  bool json = false;
  std::string ehlo_name;        ///< "" = this machine's FQDN
  std::string dns_server;       ///< "" = system resolver configuration
  std::string timeout = "30s";  ///< per address
  std::uint16_t port = 25;
  bool primary_only = false;
  bool ipv4_only = false;
  bool ipv6_only = false;
  std::string ca_file;
  std::string config_file;  ///< one-shot run over a configuration's partners
};

/// Exit statuses of `check`. A definite finding outranks an unreachable host: when any
/// address is misordered or lacks STARTTLS the status is 1 even if another had an error.
enum CheckExit : int { kAllCompliant = 0, kNotCompliant = 1, kErrorOrUsage = 2 };

/// The exit status over one or more targets' results (see CheckExit).
int ExitStatusOf(const std::vector<probe::TargetProbeResult>& results);

/// Runs `starttls_exporter check`; writes the report to `out`, usage errors to `err`.
int RunCheck(const CheckCommandOptions& options, std::ostream& out, std::ostream& err);

/// `check --config.file F`: probes every configured partner once, at the configured
/// concurrency, and reports like RunCheck (JSON: {"partners": [one entry per partner]}), with
/// the same exit statuses over all partners.
int RunConfigCheck(const CheckCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace stx::app
