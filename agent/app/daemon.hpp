#pragma once
#include <string>

#include "config/partner_shard.hpp"

namespace stx::app {

struct DaemonOptions {
  std::string config_file = "starttls_exporter.toml";
  std::string listen_address = ":9725";
  bool demo = false;  ///< scripted partners on loopback instead of a config file
  /// Probe only the partners this shard owns (config::ShardOf); {0, 1}: all of them.
  config::Shard shard;
};

/// The exporter: probes the configured partners on schedule and serves /metrics, the status
/// page, the API and the /-/ endpoints until SIGTERM or SIGINT. Returns the exit status
/// (1 when the configuration or the listen address is unusable at start-up).
int RunDaemon(const DaemonOptions& options);

}  // namespace stx::app
