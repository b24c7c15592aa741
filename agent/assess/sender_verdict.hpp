#pragma once
// What each sender profile of the table (smtp/client_profile.hpp) gets from a probed address.
#include <array>
#include <cstddef>
#include <vector>
#include <string>
#include <string_view>

#include "probe/probe_result.hpp"
#include "smtp/client_profile.hpp"

namespace stx::assess {

/// Whether the sender of profile `profile` (its position in smtp::ClientProfiles()) sees
/// STARTTLS in the address's EHLO reply.
bool SeesStarttls(const probe::AddressProbeResult& result, std::size_t profile);

/// Whether that sender gets a TLS session from the address: it sees STARTTLS and the upgrade
/// completed (certificate problems are reported apart: opportunistic TLS still encrypts).
bool GetsTls(const probe::AddressProbeResult& result, std::size_t profile);

/// One line on what that sender does with mail for the address (its Outcome), e.g. "uses
/// TLS (TLSv1.3, TLS_AES_256_GCM_SHA384)", "sends in clear text: STARTTLS not seen" or "does
/// not deliver (defers): TLS handshake failed: ...".
std::string Verdict(const probe::AddressProbeResult& result, std::size_t profile);

/// What happens to a message a sender hands to the address.
enum class Delivery {
  /// sent over a TLS session whose server the sender authenticated: by the DANE records it
  /// enforces (RFC 7672), or by the WebPKI chain and name of a sender that checks them
  kTlsAuthenticated,
  kTls,       ///< sent over a TLS session the sender accepts, without authenticating the server
  kClear,     ///< sent in clear (on the same connection or on a new one)
  kDeferred,  ///< not sent: kept queued for later, or an error for the application
};
/// "tls_authenticated", "tls", "clear", "deferred".
std::string_view ToString(Delivery delivery);

/// Outcomes worst first: what a stateset lists and a matrix shows first.
inline constexpr std::array kDeliveriesWorstFirst{Delivery::kDeferred, Delivery::kClear,
                                                  Delivery::kTls, Delivery::kTlsAuthenticated};

/// Whether the message travels encrypted (over TLS, authenticated or not).
inline bool Encrypted(Delivery d) { return d == Delivery::kTls || d == Delivery::kTlsAuthenticated; }

/// The worse of two outcomes: not delivered, then in clear, then over TLS.
inline Delivery Worst(Delivery a, Delivery b) { return a > b ? a : b; }

/// What the sender of a profile does with the address, as the profile's row predicts it
/// from the probe's facts: its EHLO reading, its TLS acceptance and its behaviour when TLS
/// does not come up.
struct SenderOutcome {
  bool starttls = false;  ///< it sends STARTTLS
  bool tls = false;       ///< and gets a TLS session it accepts
  Delivery delivery = Delivery::kDeferred;
  std::string reason;  ///< why, in a phrase: "STARTTLS not seen", "TLSv1.3", ...
  /// With kDeferred: the sender reports a failure after it sent the message in clear, so
  /// the server may have taken a copy (and gets another when the message is sent again).
  bool copy_in_clear = false;
  /// The partner's published policy that decided the outcome ("dane"), or "" when the
  /// sender's own TLS behaviour did.
  std::string policy{};
};
SenderOutcome Outcome(const probe::AddressProbeResult& result, std::size_t profile);

/// The profiles of `which` that share one outcome at an address.
struct OutcomeGroup {
  Delivery delivery = Delivery::kDeferred;
  std::vector<std::size_t> profiles;  ///< positions in the table, in table order
};

/// The profiles of `which` grouped by their outcome at the address, worst first, empty groups
/// left out: the compact matrix of the text report and the status page.
std::vector<OutcomeGroup> GroupByOutcome(const probe::AddressProbeResult& result,
                                         smtp::ProfileSet which);

/// The same in one line: "deferred: curl, msmtp; clear: postfix; tls: python, swaks".
std::string OutcomeMatrix(const probe::AddressProbeResult& result, smtp::ProfileSet which);


}  // namespace stx::assess
