#pragma once
// Runs the real probe coroutine to completion on a private io_context, for tests.
#include <chrono>
#include <memory>
#include <string>

#include "probe/probe_options.hpp"
#include "probe/probe_result.hpp"

namespace boost::asio::ssl {
class context;
}

namespace stx::test {

struct ProbeRun {
  probe::AddressProbeResult result;
  std::chrono::milliseconds wall{0};  ///< how long the probe took, measured outside it
};

/// Probes address:port with SNI/host check `mx_host`, trusting `ca_file` (plus nothing else).
ProbeRun RunProbe(const std::string& address, std::uint16_t port, const std::string& ca_file,
                  probe::ProbeOptions options = {}, const std::string& mx_host = "mx.test");

/// The same with the caller's client TLS context (e.g. one with other limits than the
/// product's).
ProbeRun RunProbe(const std::string& address, std::uint16_t port,
                  std::shared_ptr<boost::asio::ssl::context> tls_context,
                  probe::ProbeOptions options = {}, const std::string& mx_host = "mx.test");

/// The same for a whole target (its TLSA answer, its next-hop domain, ...).
ProbeRun RunProbe(probe::AddressTarget target, const std::string& ca_file,
                  probe::ProbeOptions options = {});

}  // namespace stx::test
