#pragma once
#include <cstdint>
#include <string>

#include "probe/probe_result.hpp"
#include "smtp/client_profile.hpp"

namespace stx::report {

/// The human form of a check: one block per MX host and address with the class, what the
/// senders `ours` do, what every real sender does (grouped by outcome, worst first), TLS facts,
/// findings, the transcript, and for misordered replies the explanation to forward to the
/// partner. `now_unix` dates certificate expiry ("in 35 days").
std::string ToText(const probe::TargetProbeResult& result, std::int64_t now_unix,
                   smtp::ProfileSet ours = smtp::DefaultSenders());

}  // namespace stx::report
