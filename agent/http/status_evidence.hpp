#pragma once
// The evidence block of one probed address on the status page (private to http/).
#include <cstdint>
#include <string>

#include "state/exporter_state.hpp"

namespace stx::http {

/// The fragment id of that address's evidence, stable across renders: the status table links
/// to "#<id>".
std::string EvidenceId(const state::PartnerState& partner, const probe::AddressProbeResult& result);

/// Appends one <section> with what the SRE forwards to the partner: the address's evidence
/// (assess::AddressEvidence), the explanation for a misordered reply, and the transcript
/// (S:/C: lines), all escaped.
void AppendEvidence(std::string& out, const state::PartnerState& partner,
                    const probe::AddressProbeResult& result, std::int64_t now_unix);

}  // namespace stx::http
