#pragma once
// DNS facts about where a domain's mail goes. Plain data: no Asio I/O, no resolver.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>

namespace stx::dns {

/// Outcome of one DNS question. NXDOMAIN, SERVFAIL, no data and timeout are distinct because
/// they mean different things to an SRE (typo vs broken zone vs record missing vs resolver down).
enum class LookupStatus {
  kOk,        ///< NOERROR with at least one record of the asked type
  kNoData,    ///< NOERROR, but no record of that type (the name exists)
  kNxDomain,  ///< RCODE 3: the name does not exist
  kServFail,  ///< RCODE 2
  kRefused,   ///< RCODE 5
  kTimeout,   ///< no answer from any server within the resolver's time limit
  kError,     ///< anything else (malformed answer, connection refused, ...); see `detail`
};
/// "ok", "nodata", "nxdomain", "servfail", "refused", "timeout", "error".
std::string_view ToString(LookupStatus status);

/// What DNSSEC validation said of an answer (RFC 4033 §5, RFC 4035 §4.3).
enum class DnssecStatus {
  kInsecure,  ///< no chain of trust reaches it (unsigned zone, or validation off)
  kSecure,    ///< validated from the trust anchor
  kBogus,     ///< a chain of trust exists but the answer fails it
};
/// "insecure", "secure", "bogus".
std::string_view ToString(DnssecStatus status);

struct MxRecord {
  std::uint16_t preference = 0;
  std::string host;  ///< without the trailing dot; "" for the root name "." (null MX)
};

struct MxAnswer {
  LookupStatus status = LookupStatus::kError;
  std::vector<MxRecord> records;  ///< sorted by preference, then host name
  DnssecStatus dnssec = DnssecStatus::kInsecure;
  std::string why_bogus;  ///< the validator's reason, when kBogus
  std::string detail;     ///< human-readable detail for non-ok statuses
};

enum class AddressFamily { kV4, kV6 };

struct AddressAnswer {
  LookupStatus status = LookupStatus::kError;
  std::vector<boost::asio::ip::address> addresses;
  DnssecStatus dnssec = DnssecStatus::kInsecure;
  std::string why_bogus;
  std::string detail;
};

/// How the domain's mail is routed (RFC 5321 §5.1, RFC 7505).
enum class RoutingKind {
  kMx,        ///< one or more MX records
  kImplicit,  ///< no MX records: the domain itself is the implicit MX (RFC 5321 §5.1)
  kNullMx,    ///< a single "0 ." MX: the domain accepts no mail (RFC 7505)
  kFailed,    ///< the MX (or implicit-MX address) lookup failed; see `status`
};
/// "mx", "implicit_mx", "null_mx", "failed".
std::string_view ToString(RoutingKind kind);

/// One TLSA record (RFC 6698 §2.1): certificate usage, selector, matching type and the
/// certificate association data (raw bytes).
struct TlsaRecord {
  std::uint8_t usage = 0;
  std::uint8_t selector = 0;
  std::uint8_t matching_type = 0;
  std::string data;

  bool operator==(const TlsaRecord&) const = default;
};

/// Whether a DANE SMTP sender may use the record (RFC 7672 §3.1): usages DANE-TA(2) and
/// DANE-EE(3) only (PKIX-TA(0) and PKIX-EE(1) are unusable for SMTP, §3.1.3), selector
/// Cert(0) or SPKI(1), matching type Full(0), SHA2-256(1) with 32 bytes of data or
/// SHA2-512(2) with 64 (RFC 7671 §10.1.2: a digest of the wrong length never matches).
bool UsableForSmtp(const TlsaRecord& record);

struct TlsaAnswer {
  /// The name asked: _25._tcp.<MX host> (RFC 7672 §2.2.3; always port 25, where mail goes).
  std::string name;
  LookupStatus status = LookupStatus::kError;
  std::vector<TlsaRecord> records;
  DnssecStatus dnssec = DnssecStatus::kInsecure;
  std::string why_bogus;
  std::string detail;  ///< "not asked: ..." when the lookup was not made, and why
};

/// Whether a DANE sender authenticates the host by these records: the answer validated
/// (secure) and holds at least one record usable for SMTP (RFC 7672 §2.2).
bool HasUsableTlsa(const TlsaAnswer& answer);

/// A TXT answer (RFC 1035 §3.3.14): each record's character-strings joined into one string, as
/// RFC 8461 §3.1 and RFC 8460 §3 read their records (a record longer than 255 bytes is split
/// into several strings by whoever publishes it).
struct TxtAnswer {
  std::string name;  ///< the name asked
  LookupStatus status = LookupStatus::kError;
  std::vector<std::string> records;
  DnssecStatus dnssec = DnssecStatus::kInsecure;
  std::string why_bogus;
  std::string detail;
};

struct MailExchanger {
  std::string host;
  std::uint16_t preference = 0;
  AddressAnswer ipv4;  ///< status kError with detail "not asked" when the family is excluded
  AddressAnswer ipv6;
  /// Asked only when an address answer of the host is DNSSEC-secure (RFC 7672 §2.2.2); else
  /// status kError, detail "not asked: ...".
  TlsaAnswer tlsa;
};

struct MailRouting {
  std::string domain;
  RoutingKind kind = RoutingKind::kFailed;
  LookupStatus mx_status = LookupStatus::kError;     ///< status of the MX question itself
  std::string detail;                                ///< why, when kind == kFailed
  DnssecStatus mx_dnssec = DnssecStatus::kInsecure;  ///< of the MX answer
  std::string mx_why_bogus;
  std::vector<MailExchanger> exchangers;  ///< in preference order
};

}  // namespace stx::dns
