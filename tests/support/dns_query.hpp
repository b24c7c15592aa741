#pragma once
// One DNS question over UDP to a test DNS server on loopback, for the servers' readiness
// checks (dnsmasq, NSD, unbound). Loopback only.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stx::test {

/// A query "<name> SOA IN" with ID 0x5354; RD set when `recursion_desired`.
std::vector<unsigned char> SoaQuery(std::string_view name, bool recursion_desired);

/// Sends `query` to `address`:`port` (an IPv4 loopback address) and returns the reply when one
/// with the query's ID comes within 200 ms; nullopt otherwise. The socket is connected, so
/// "nothing listens yet" ends it at once (ICMP port unreachable) instead of at the timeout.
std::optional<std::vector<unsigned char>> AskUdp(const std::string& address, std::uint16_t port,
                                                 const std::vector<unsigned char>& query);

/// AskUdp to 127.0.0.1:`port`.
std::optional<std::vector<unsigned char>> AskLoopbackUdp(std::uint16_t port,
                                                         const std::vector<unsigned char>& query);

}  // namespace stx::test
