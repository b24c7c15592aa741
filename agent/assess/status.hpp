#pragma once
// The status an SRE reads first, for an address and for a partner, and its severity order.
#include <array>
#include <span>
#include <string_view>

#include "probe/probe_result.hpp"
#include "smtp/client_profile.hpp"

namespace stx::assess {

/// Statuses, worst first. A partner is as bad as the worst outcome among the senders this
/// company runs (the `senders` setting), named by its cause. deferred: some sender of ours
/// does not deliver at all (its mail waits in the queue or fails): an outage, it pages.
/// misordered, no_starttls and tls_failed: some sender of ours delivers in clear text, because
/// STARTTLS is where it does not read it (misordered leads: lenient tools call it healthy, so
/// nothing else will flag it), is not offered, or is offered but gives no TLS session the
/// sender accepts (refused, failed handshake, protocol version, certificate). error means
/// "we could not tell" (often transient: DNS, connect, timeout). Then the good news: compliant
/// (every sender of ours gets TLS), null_mx (RFC 7505: the domain takes no mail, nothing to
/// encrypt), and unknown (no probe completed yet). An address is one of the first six; a
/// partner may be any.
enum class Status {
  kDeferred,
  kMisordered,
  kNoStarttls,
  kTlsFailed,
  kError,
  kCompliant,
  kNullMx,
  kUnknown
};

inline constexpr std::array kStatusesWorstFirst{
    Status::kDeferred, Status::kMisordered, Status::kNoStarttls, Status::kTlsFailed,
    Status::kError,    Status::kCompliant,  Status::kNullMx,     Status::kUnknown};

/// The EHLO statuses (what the reply itself is, whoever reads it), in the order reports count
/// them.
inline constexpr std::array kEhloStatuses{Status::kCompliant, Status::kMisordered,
                                          Status::kNoStarttls, Status::kError};

/// "deferred", "misordered", "no_starttls", "tls_failed", "error", "compliant", "null_mx",
/// "unknown": part of the interface (status page, JSON, logs).
std::string_view ToString(Status status);

/// What a status means, in one sentence, for the heading of its group.
std::string_view Describe(Status status);

/// True when `a` is worse than `b`.
inline bool Worse(Status a, Status b) { return static_cast<int>(a) < static_cast<int>(b); }

/// The EHLO status of one probed address: its EHLO class (compliant, misordered,
/// no_starttls or error), whatever any sender does with it.
Status EhloStatus(const probe::AddressProbeResult& result);

/// The status of one probed address for the senders `ours` (positions in the profile table):
/// error when it gave no EHLO reply, else the worst outcome among them, named by its cause.
Status AddressStatus(const probe::AddressProbeResult& result, smtp::ProfileSet ours);

/// The status of a partner from its latest probe (nullptr: none completed yet) for the
/// senders `ours`: the worst status of its addresses, "error" for a DNS failure before any
/// address and for a completed probe that reached no address without a null MX, "null_mx"
/// for a domain with a null MX.
Status TargetStatus(const probe::TargetProbeResult* last, smtp::ProfileSet ours);

/// Exit statuses of `check`, from what our senders get: 0 when every address gives each of
/// them TLS (or the domain has a null MX); 1 when any address reached leaves one of them
/// without TLS (in clear or deferred), even if another address had an error; 2 when an
/// address or DNS failed and nothing else is wrong, and for bad usage.
enum CheckExit : int { kAllCompliant = 0, kNotCompliant = 1, kErrorOrUsage = 2 };

/// The exit status of `check` over one or more targets' results (see CheckExit), `ours[i]`
/// being the senders of `results[i]`'s partner.
int CheckExitStatus(std::span<const probe::TargetProbeResult> results,
                    std::span<const smtp::ProfileSet> ours);

}  // namespace stx::assess
