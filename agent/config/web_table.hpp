#pragma once
// The [web] table: TLS and basic authentication for the exporter's own web endpoint.
#include "config/exporter_config.hpp"
#include "config/toml_reader.hpp"

namespace stx::config {

/// Reads the `web` node with `reader`'s type checks and positions; throws ConfigError at the
/// first problem. The TLS files are read and checked now (a key that does not match its
/// certificate fails the load), relative to the config file's directory.
WebSettings ReadWebTable(const NodeReader& reader, const toml::node& node);

}  // namespace stx::config
