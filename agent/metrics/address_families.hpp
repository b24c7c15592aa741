#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "metrics/family_set.hpp"
#include "probe/probe_result.hpp"
#include "state/exporter_state.hpp"

namespace stx::metrics {

/// Adds the series of every address in `result` (labels domain, mx, address): EHLO status,
/// probe success, durations, last probe time, failure reason, client profiles, TLS outcome,
/// TLS and certificate facts, findings. A probe that failed before any address (DNS) becomes
/// one row with mx="" and address="", stamped `completed` since it carries no time of its own.
/// `consecutive` (from the state; null for a one-off /probe) adds
/// starttls_ehlo_status_consecutive_probes.
void AddAddressSeries(FamilySet& out, const std::string& domain,
                      const probe::TargetProbeResult& result,
                      std::chrono::system_clock::time_point completed,
                      const std::map<state::AddressKey, std::uint32_t>* consecutive = nullptr);

}  // namespace stx::metrics
