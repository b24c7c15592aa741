#pragma once
#include <cstdint>
#include <functional>
#include <memory>

#include "common/asio.hpp"
#include "common/check_target.hpp"
#include "probe/probe_options.hpp"
#include "probe/probe_result.hpp"

namespace boost::asio::ssl {
class context;
}
namespace stx::dns {
class Resolver;
}

namespace stx::probe {

struct TargetProbeOptions {
  ProbeOptions probe;
  std::uint16_t port = 25;    ///< for MX hosts, and for host targets given without a port
  bool primary_only = false;  ///< only the MX hosts with the lowest preference
  bool ipv4 = true;
  bool ipv6 = true;
  /// Also discover the domain's MTA-STS and TLS-RPT records and fetch its MTA-STS policy
  /// (domain targets only), with this fetch bound.
  bool policies = false;
  policy::StsFetchOptions sts_fetch;
  /// Awaited before each address is probed; the probe holds the returned token until it ends.
  /// The daemon uses it for its global concurrency limit and for "one connection at a time
  /// per MX address". Empty: no admission control (the `check` command).
  std::function<awaitable<std::shared_ptr<void>>(const AddressTarget&)> admit;
};

/// MX -> every MX host -> every address -> one SMTP dialogue each, all concurrently.
/// A domain with a null MX (RFC 7505) yields no address results and no error; a DNS failure
/// yields `error` with stage "dns". An MX host without addresses yields one error result.
awaitable<TargetProbeResult> ProbeTarget(CheckTarget target, TargetProbeOptions options,
                                         dns::Resolver& resolver,
                                         std::shared_ptr<asio::ssl::context> tls_context);

}  // namespace stx::probe
