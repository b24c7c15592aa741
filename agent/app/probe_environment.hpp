#pragma once
#include <memory>

#include "common/asio.hpp"
#include "config/exporter_config.hpp"
#include "scheduler/partner_probe.hpp"

namespace stx::app {

/// Resolver, TLS context and EHLO name for a configuration. Throws std::runtime_error with a
/// specific message (unreadable CA file, bad DNS server).
std::shared_ptr<const scheduler::ProbeEnvironment> MakeProbeEnvironment(
    asio::any_io_executor executor, const config::ExporterConfig& config);

}  // namespace stx::app
