#pragma once
#include <cstdint>
#include <string>

#include "probe/probe_result.hpp"

namespace stx::report {

/// The human form of a check: one block per MX host and address with the class, what strict
/// and lenient clients do, TLS facts, findings, the transcript, and for misordered replies the
/// explanation to forward to the partner. `now_unix` dates certificate expiry ("in 35 days").
std::string ToText(const probe::TargetProbeResult& result, std::int64_t now_unix);

}  // namespace stx::report
