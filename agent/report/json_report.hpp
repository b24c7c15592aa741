#pragma once
#include <cstdint>

#include <nlohmann/json.hpp>

#include "probe/probe_result.hpp"

namespace stx::report {

/// The machine-readable form of a check (`check --json`, /api/v1/targets). `now_unix` dates
/// certificate expiry in the evidence ("expires in 35 days"). Strings from the network may be
/// any bytes: serialize with nlohmann::json::error_handler_t::replace.
nlohmann::json ToJson(const probe::TargetProbeResult& result, std::int64_t now_unix);
nlohmann::json ToJson(const probe::AddressProbeResult& result, std::int64_t now_unix);

}  // namespace stx::report
