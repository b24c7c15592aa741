#pragma once
// --web.listen-address in the Prometheus style: ":9725" (every interface), "127.0.0.1:9725",
// "[::1]:9725", "localhost:9725"; port 0 picks a free port.
#include <string>

#include "common/asio.hpp"

namespace stx::http {

/// The endpoint to bind for `spec`. An empty host means every interface: the IPv6 wildcard,
/// which the server opens dual-stack (IPv4 too), falling back to 0.0.0.0 where the machine
/// has no IPv6. A host name is resolved once, here (startup, before the loop runs), preferring
/// IPv4 as Go's net.Listen does. Throws std::runtime_error naming the address, what is wrong
/// and how to write it.
asio::ip::tcp::endpoint ParseListenAddress(const std::string& spec);

}  // namespace stx::http
