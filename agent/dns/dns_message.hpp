#pragma once
// DNS messages through c-ares's own builder and parsers: the query we send and the answers we
// read. No I/O. This module does not encode or decode DNS itself beyond two header bits.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/mail_routing.hpp"

namespace stx::dns {

/// RR types we ask for (RFC 1035 §3.2.2, RFC 3596 §2.1).
enum class QueryType { kA = 1, kMx = 15, kAaaa = 28 };

/// What c-ares handed to an ares_send callback: its status and, when it has one, the raw
/// answer message.
struct RawAnswer {
  int ares_status = 0;                 ///< ARES_SUCCESS, ARES_ETIMEOUT, ...
  std::vector<unsigned char> message;  ///< empty when c-ares has no answer to give
};

/// A query for exactly `name` (no search list), class IN, with RD set (we ask a recursive
/// resolver), EDNS0 advertising a 1232-byte UDP payload (the DNS flag day 2020 size that avoids
/// IP fragmentation), and AD set so that a validating resolver reports whether it validated the
/// answer (RFC 6840 §5.7). Sets `error` and returns nullopt when c-ares rejects the name.
std::optional<std::vector<unsigned char>> BuildQuery(std::string_view name, QueryType type,
                                                     std::string& error);

/// The EDNS0 UDP payload size BuildQuery advertises.
inline constexpr int kEdnsUdpSize = 1232;

/// Reads an MX answer: status from the c-ares status and the RCODE, AD from the header,
/// records through ares_parse_mx_reply (sorted). The root name "." comes back as host "".
MxAnswer ParseMxAnswer(const RawAnswer& raw);

/// Reads an A (kV4) or AAAA (kV6) answer through ares_parse_a_reply / ares_parse_aaaa_reply.
AddressAnswer ParseAddressAnswer(const RawAnswer& raw, AddressFamily family);

}  // namespace stx::dns
