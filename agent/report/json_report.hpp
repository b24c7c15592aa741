#pragma once
#include <nlohmann/json.hpp>

#include "probe/probe_result.hpp"

namespace stx::report {

/// The machine-readable form of a check (`check --json`, later the HTTP API).
nlohmann::json ToJson(const probe::TargetProbeResult& result);
nlohmann::json ToJson(const probe::AddressProbeResult& result);

}  // namespace stx::report
