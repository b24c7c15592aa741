#pragma once
// The status an SRE reads first, for an address and for a partner, and its severity order.
#include <array>
#include <span>
#include <string_view>

#include "probe/probe_result.hpp"

namespace stx::assess {

/// Statuses, worst first. misordered and no_starttls are the TLS problems an SRE acts on
/// (senders that read the reply as RFC 5321 says deliver in clear text); misordered leads
/// because lenient tools call it healthy, so nothing else will flag it. error means "we could
/// not tell" (often transient: DNS, connect, timeout). Then the good news: compliant, null_mx
/// (RFC 7505: the domain takes no mail, nothing to encrypt), and unknown (no probe completed
/// yet). An address is one of the first four; a partner may be any.
enum class Status { kMisordered, kNoStarttls, kError, kCompliant, kNullMx, kUnknown };

inline constexpr std::array kStatusesWorstFirst{Status::kMisordered, Status::kNoStarttls,
                                                Status::kError,      Status::kCompliant,
                                                Status::kNullMx,     Status::kUnknown};

/// The statuses an address can have, in the order reports count them.
inline constexpr std::array kAddressStatuses{Status::kCompliant, Status::kMisordered,
                                             Status::kNoStarttls, Status::kError};

/// "misordered", "no_starttls", "error", "compliant", "null_mx", "unknown": part of the
/// interface (status page, JSON, logs).
std::string_view ToString(Status status);

/// What a status means, in one sentence, for the heading of its group.
std::string_view Describe(Status status);

/// True when `a` is worse than `b`.
inline bool Worse(Status a, Status b) { return static_cast<int>(a) < static_cast<int>(b); }

/// The status of one probed address: its EHLO class.
Status AddressStatus(const probe::AddressProbeResult& result);

/// The status of a partner from its latest probe (nullptr: none completed yet): the worst
/// status of its addresses, "error" for a DNS failure before any address and for a completed
/// probe that reached no address without a null MX, "null_mx" for a domain with a null MX.
Status TargetStatus(const probe::TargetProbeResult* last);

/// Exit statuses of `check`, from what senders get: 0 when every address gives every sender
/// profile TLS (or the domain has a null MX); 1 when any address reached leaves some sender
/// without TLS (misordered, no STARTTLS, STARTTLS refused, a failed handshake), even if
/// another address had an error; 2 when an address or DNS failed and nothing else is wrong,
/// and for bad usage.
enum CheckExit : int { kAllCompliant = 0, kNotCompliant = 1, kErrorOrUsage = 2 };

/// The exit status of `check` over one or more targets' results (see CheckExit).
int CheckExitStatus(std::span<const probe::TargetProbeResult> results);

}  // namespace stx::assess
