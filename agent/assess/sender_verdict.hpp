#pragma once
// What each sender profile of the table (smtp/client_profile.hpp) gets from a probed address.
#include <cstddef>
#include <string>

#include "probe/probe_result.hpp"

namespace stx::assess {

/// Whether the sender of profile `profile` (its position in smtp::ClientProfiles()) sees
/// STARTTLS in the address's EHLO reply.
bool SeesStarttls(const probe::AddressProbeResult& result, std::size_t profile);

/// Whether that sender gets a TLS session from the address: it sees STARTTLS and the upgrade
/// completed (certificate problems are reported apart: opportunistic TLS still encrypts).
bool GetsTls(const probe::AddressProbeResult& result, std::size_t profile);

/// One line on what that sender does with mail for the address, e.g. "uses TLS (TLSv1.3,
/// TLS_AES_256_GCM_SHA384)" or "sends in clear (or defers when TLS is required): STARTTLS not
/// seen".
std::string Verdict(const probe::AddressProbeResult& result, std::size_t profile);

}  // namespace stx::assess
