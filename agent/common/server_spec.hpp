#pragma once
// Parsing of a DNS server given on the command line (--dns-server) or in ResolverOptions.
// Pure: no I/O, no c-ares.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

namespace stx {

/// One DNS server: an IP address (never a host name: the resolver must not need DNS to find
/// itself) and a port.
struct ServerSpec {
  boost::asio::ip::address address;
  std::uint16_t port = 53;
};

/// Either `server` is set, or `error` says specifically what is wrong with the text, quoting
/// it: "'127.0.0.1:99999': port must be 1-65535".
struct ServerSpecParse {
  std::optional<ServerSpec> server;
  std::string error;
};

/// Accepts "IP", "IP:PORT", "[IPv6]:PORT", "[IPv6]" and a bare "IPv6". A bare IPv6 address is
/// never split at its last colon ("::1:53" is the address ::1:53 on port 53): write
/// "[::1]:53" for a port. The port defaults to 53 (RFC 1035 §4.2).
ServerSpecParse ParseServerSpec(std::string_view text);

/// "IP:PORT" or "[IPv6]:PORT": the form ParseServerSpec reads back and c-ares's
/// ares_set_servers_ports_csv accepts.
std::string ToString(const ServerSpec& server);

/// "IP:PORT", or "[IPv6]:PORT": an IPv6 literal in brackets before its port (RFC 3986 §3.2.2).
std::string EndpointText(const boost::asio::ip::address& address, std::uint16_t port);

/// The port an SMTP server listens on (RFC 5321 §4.5.4.2, "the SMTP port (specified by IANA as
/// port 25)"), where mail to an MX host goes.
inline constexpr std::uint16_t kSmtpPort = 25;

/// Debian's copy of the root zone's DNSSEC trust anchor (package dns-root-data): what the
/// validating resolver trusts unless told otherwise.
inline constexpr const char* kRootTrustAnchorFile = "/usr/share/dns/root.key";

}  // namespace stx
