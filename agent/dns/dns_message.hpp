#pragma once
// DNS answers as the validating resolver hands them over (record data, RCODE, DNSSEC
// verdict), read into the probe's facts. Pure: no I/O, no libunbound.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dns/mail_routing.hpp"

namespace stx::dns {

/// RR types we ask for (RFC 1035 §3.2.2, RFC 3596 §2.1).
enum class QueryType : std::uint16_t { kA = 1, kMx = 15, kTxt = 16, kAaaa = 28, kTlsa = 52 };

/// What the resolver answered to one question, before interpretation.
struct RawAnswer {
  /// "" when the resolver answered; else why there is no answer ("no answer within 4.5s",
  /// "resolver destroyed ...", libunbound's error text) and nothing below counts.
  std::string failure;
  bool timed_out = false;  ///< `failure` is the lookup's deadline
  int rcode = 0;           ///< RFC 1035 §4.1.1 (after CNAMEs were followed)
  bool have_data = false;
  DnssecStatus dnssec = DnssecStatus::kInsecure;
  std::string why_bogus;  ///< the validator's reason, when kBogus
  /// Each record's RDATA in wire format, domain names in it uncompressed (libunbound
  /// decompresses them), in the order the answer had them.
  std::vector<std::string> records;
};

/// Reads an MX answer: status from the failure and the RCODE, records from RFC 1035 §3.3.9
/// RDATA (sorted, see SortMxRecords). The root name "." comes back as host "". A record that
/// does not parse makes the answer kError (a resolver never hands such data on).
MxAnswer ParseMxAnswer(const RawAnswer& raw);

/// Reads an A (kV4, RFC 1035 §3.4.1) or AAAA (kV6, RFC 3596 §2.2) answer.
AddressAnswer ParseAddressAnswer(const RawAnswer& raw, AddressFamily family);

/// Reads a TLSA answer (RFC 6698 §2.1: usage, selector, matching type, data); `name` is the
/// name that was asked. A record of fewer than 3 bytes makes the answer kError.
TlsaAnswer ParseTlsaAnswer(const RawAnswer& raw, std::string name);

/// Reads a TXT answer (RFC 1035 §3.3.14: one or more <length><bytes> strings per record, joined);
/// `name` is the name that was asked. A record whose strings overrun it makes the answer kError.
TxtAnswer ParseTxtAnswer(const RawAnswer& raw, std::string name);

/// A domain name in uncompressed wire format (RFC 1035 §3.1) as text, without the trailing
/// dot ("" for the root). Bytes other than letters, digits, '-' and '_' are escaped as \DDD,
/// '.' inside a label as "\." (RFC 4343 §2.1), so the text is safe to print. Returns false
/// (and leaves `pos`) when the name runs past the end or a label is a compression pointer.
bool ReadWireName(std::string_view wire, std::size_t& pos, std::string& name);

}  // namespace stx::dns
