#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "probe/probe_result.hpp"

namespace stx::report {

/// The machine-readable form of a check (`check --json`, /api/v1/targets). `now_unix` dates
/// certificate expiry in the evidence ("expires in 35 days"). Strings from the network may be
/// any bytes: write the result with Serialize.
nlohmann::json ToJson(const probe::TargetProbeResult& result, std::int64_t now_unix);
nlohmann::json ToJson(const probe::AddressProbeResult& result, std::int64_t now_unix);

/// JSON text as every output writes it (`indent` as nlohmann::json::dump): ASCII only, every
/// other character as \uXXXX, so that no control character (C1 included) reaches a terminal
/// that shows it; a byte that is not UTF-8 becomes U+FFFD instead of an exception.
std::string Serialize(const nlohmann::json& json, int indent = -1);

}  // namespace stx::report
