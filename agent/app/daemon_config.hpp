#pragma once
#include <string>

#include "config/exporter_config.hpp"
#include "config/partner_shard.hpp"

namespace stx::app {

/// The configuration the daemon runs: the file loaded and checked, then cut down to this
/// instance's shard. Used at start, at every reload and by --config.check, so all three accept
/// and reject the same files. Throws config::ConfigError (file:line:column) or
/// std::runtime_error.
config::ExporterConfig LoadDaemonConfig(const std::string& path, config::Shard shard = {});

}  // namespace stx::app
