#pragma once
#include <memory>

#include "common/asio.hpp"
#include "probe/probe_options.hpp"
#include "probe/probe_result.hpp"

namespace boost::asio::ssl {
class context;
}

namespace stx::probe {

/// Probes one address: connect, banner, EHLO, classify, STARTTLS when any sender profile sees
/// it (also when misordered: that tells what the senders that see it get), TLS handshake with
/// SNI = MX host, EHLO over TLS, QUIT. Never sends MAIL, RCPT or DATA. Never throws: every
/// failure is data in the result. Completes within options.timeout (plus scheduling slack).
awaitable<AddressProbeResult> ProbeAddress(AddressTarget target, ProbeOptions options,
                                           std::shared_ptr<asio::ssl::context> tls_context);

}  // namespace stx::probe
