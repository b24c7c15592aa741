#pragma once
// TOML configuration -> ExporterConfig, validated. The schema is documented in
// config/starttls_exporter.toml; toml++ stays inside the loader's own files (config_loader.cpp,
// toml_reader.*, web_table.*).
#include <string>
#include <string_view>

#include "config/config_error.hpp"
#include "config/exporter_config.hpp"

namespace stx::config {

/// Reads and validates the file at `path`. Throws ConfigError: "FILE: cannot read: REASON"
/// when the file cannot be read, else as ParseConfig.
ExporterConfig LoadConfigFile(const std::string& path);

/// Validates `toml`; `source` names it in messages (and in ExporterConfig::source), and its
/// directory is where a relative ca_file is looked up. Throws ConfigError at the first
/// problem: a TOML syntax error (toml++'s message), an unknown key, a wrong type, a value out
/// of range, a missing or duplicate partner domain. Partners come back with the global
/// settings applied wherever they do not override them.
ExporterConfig ParseConfig(std::string_view toml, std::string source);

}  // namespace stx::config
