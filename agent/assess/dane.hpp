#pragma once
// What DANE (RFC 7672) makes of one probed address: whether it applies, and whether the
// certificate the server presented is authenticated by the MX host's TLSA records.
#include <cstddef>
#include <string>
#include <string_view>

#include "probe/probe_result.hpp"

namespace stx::assess {

enum class DaneStatus {
  kInsecure,      ///< DANE does not apply: the host's addresses or its TLSA answer not secure
  kNoTlsa,        ///< secure, and no TLSA records: DANE does not apply
  kLookupFailed,  ///< the TLSA lookup failed (SERVFAIL, timeout): a DANE sender defers
  kBogus,         ///< the TLSA, MX or address answer failed DNSSEC validation: a DANE sender defers
  kUnusable,      ///< records, none usable for SMTP: TLS mandatory, not authenticated
  kMatch,         ///< the presented chain matches a usable record
  kMismatch,      ///< no usable record matches the presented chain: a DANE sender defers
  kNoTls,         ///< usable records, but no TLS session to check: a DANE sender defers
};
/// "insecure", "no_tlsa", "lookup_failed", "bogus", "unusable", "match", "mismatch", "no_tls".
std::string_view ToString(DaneStatus status);

/// What a sender that enforces DANE (RFC 7672 §2.2) requires of the address.
enum class DaneRequirement {
  kNone,          ///< DANE does not apply: the sender's usual opportunistic TLS
  kEncrypt,       ///< TLS mandatory, without authentication (only unusable records)
  kAuthenticate,  ///< TLS mandatory, and the chain must match a usable record
  kUnreachable,   ///< the host cannot be used at all (failed or bogus TLSA lookup)
};

struct DaneAssessment {
  DaneStatus status = DaneStatus::kInsecure;
  DaneRequirement requirement = DaneRequirement::kNone;
  std::size_t records = 0;  ///< TLSA records in the answer
  std::size_t usable = 0;   ///< of them usable for SMTP (dns::UsableForSmtp)
  /// Match with a single usable record: the next key's record is not published, so a
  /// certificate renewed with a new key breaks delivery (RFC 7671 §8.1, RFC 7672 §3.1.1).
  bool rollover_risk = false;
  std::string detail;  ///< one sentence for people
};

/// The DANE assessment of `result` (its TLSA answer and, when checked, the chain's match).
DaneAssessment AssessDane(const probe::AddressProbeResult& result);

/// Whether the DANE assessment has anything to say of the address: its TLSA records were
/// looked up, or a bogus answer led to it (what the evidence, the JSON and the metrics show).
inline bool DaneConsidered(const probe::AddressProbeResult& r) {
  return r.tlsa != nullptr || r.address_dnssec == dns::DnssecStatus::kBogus;
}

/// Whether DANE applies to the address at all (the sender's requirement is not kNone).
inline bool DaneApplies(const DaneAssessment& a) { return a.requirement != DaneRequirement::kNone; }

/// The RFC 8460 §4.3.2.1 result type a DANE sender reports for the address, or "":
/// "tlsa-invalid" (no usable record, or none matches) or "dnssec-invalid" (bogus or failed).
std::string_view Rfc8460DaneResultType(const DaneAssessment& a);

/// For an address that DANE senders cannot use or that only gets unauthenticated TLS from
/// them: a paragraph to forward to the partner, saying what its records do to delivery and
/// what to publish (the "3 1 1" record of the key the host presents, when it presented one).
/// Empty when DANE works or does not apply.
std::string DaneExplanation(const probe::AddressProbeResult& result);

/// "3 1 1 <hex>": a TLSA record as a zone file spells it (the data in lower-case hex).
std::string TlsaText(const dns::TlsaRecord& record);

}  // namespace stx::assess
