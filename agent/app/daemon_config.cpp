#include "app/daemon_config.hpp"

#include <system_error>

#include "config/config_error.hpp"
#include "config/config_loader.hpp"
#include "config/file_text.hpp"

namespace stx::app {

config::ExporterConfig LoadDaemonConfig(const std::string& path, config::Shard shard) {
  config::ExporterConfig config = config::LoadConfigFile(path);
  if (config.partners.empty()) {
    // An empty file is valid TOML, but it is what a writer leaves between truncating the file
    // and writing it: loaded at a reload, it would drop every partner and with them their
    // counters. So the daemon rejects it, at start and at reload alike. (A file that says
    // something and lists no partners is taken as meant.)
    std::error_code error;
    const auto text = config::ReadFileText(path, 1 << 20, error);
    if (text && text->find_first_not_of(" \t\r\n") == std::string::npos) {
      throw config::ConfigError(
          path, 0, 0,
          "empty file; a configuration lists at least one [[partner]] "
          "(write the file under another name, then rename it into place)");
    }
  }
  // After the checks: a shard that owns none of the partners is valid (more shards than
  // partners), a file that lists none is not.
  config::KeepShard(config, shard);
  return config;
}

}  // namespace stx::app
