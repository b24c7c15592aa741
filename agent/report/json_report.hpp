#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "probe/probe_result.hpp"
#include "smtp/client_profile.hpp"

namespace stx::report {

/// The machine-readable form of a check (`check --json`, /api/v1/targets). `now_unix` dates
/// certificate expiry in the evidence ("expires in 35 days"). Strings from the network may be
/// any bytes: write the result with Serialize. `ours` are the senders this company runs (the
/// partner's `senders`): the status and the per-profile fields follow them; `senders` lists
/// every profile of the table.
nlohmann::json ToJson(const probe::TargetProbeResult& result, std::int64_t now_unix,
                      smtp::ProfileSet ours = smtp::DefaultSenders());
nlohmann::json ToJson(const probe::AddressProbeResult& result, std::int64_t now_unix,
                      smtp::ProfileSet ours = smtp::DefaultSenders());

/// JSON text as every output writes it (`indent` as nlohmann::json::dump): ASCII only, every
/// other character as \uXXXX, so that no control character (C1 included) reaches a terminal
/// that shows it; a byte that is not UTF-8 becomes U+FFFD instead of an exception.
std::string Serialize(const nlohmann::json& json, int indent = -1);

}  // namespace stx::report
