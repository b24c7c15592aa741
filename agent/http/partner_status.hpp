#pragma once
// One word per partner for the status page and the API: what an SRE must look at first.
#include <array>
#include <string>
#include <string_view>

#include "state/exporter_state.hpp"

namespace stx::http {

/// Statuses worst first. misordered and no_starttls are the TLS problems an SRE acts on
/// (strict senders deliver in clear text); misordered leads because lenient tools call it
/// healthy, so nothing else will flag it. error means "we could not tell" (often transient:
/// DNS, connect, timeout). Then the good news: compliant, null_mx (RFC 7505: the domain
/// takes no mail, nothing to encrypt), and unknown (no probe completed yet).
inline constexpr std::array<std::string_view, 6> kStatusOrder = {
    "misordered", "no_starttls", "error", "compliant", "null_mx", "unknown"};

/// Position in kStatusOrder; kStatusOrder.size() for anything else.
std::size_t StatusRank(std::string_view status);

/// The status of one address result: its EHLO class.
std::string AddressStatus(const probe::AddressProbeResult& result);

/// The status a partner is listed under: the worst status of its addresses in the latest
/// probe ("error" also for a DNS failure before any address), "null_mx" for a domain with a
/// null MX, "unknown" until its first probe completes.
std::string PartnerStatus(const state::PartnerState& partner);

}  // namespace stx::http
