#pragma once
#include <exception>
#include <functional>
#include <memory>
#include <string>

#include "common/asio.hpp"
#include "config/exporter_config.hpp"
#include "probe/target_probe.hpp"

namespace boost::asio::ssl {
class context;
}
namespace stx::dns {
class Resolver;
}

namespace stx::scheduler {

/// What every probe shares; a reload that changes these builds a new one, and probes in
/// flight keep the one they started with.
struct ProbeEnvironment {
  std::shared_ptr<dns::Resolver> resolver;
  std::shared_ptr<boost::asio::ssl::context> tls_context;
  config::GlobalSettings global;
  std::string ehlo_name;  ///< the configured one, or this machine's FQDN
};

/// Awaited before each address is probed (probe::TargetProbeOptions::admit).
using AdmitAddress = std::function<awaitable<std::shared_ptr<void>>(const probe::AddressTarget&)>;

/// Probes one partner: its MX hosts (or its static `mx` list) and every address, under the
/// admission hook. The result's `domain` and `target` are the partner's domain.
awaitable<probe::TargetProbeResult> ProbePartner(
    config::Partner partner, std::shared_ptr<const ProbeEnvironment> environment,
    AdmitAddress admit);

/// What a partner probe that threw (an internal failure: a bug, memory exhausted) reads as: an
/// error, "dns_failed", whose detail is the exception's message.
probe::TargetProbeResult ThrownPartnerProbe(const config::Partner& partner,
                                            const std::exception_ptr& error);

/// What probes a partner for the scheduler: ProbePartner, unless a test puts another in.
using PartnerProber = std::function<awaitable<probe::TargetProbeResult>(
    config::Partner, std::shared_ptr<const ProbeEnvironment>, AdmitAddress)>;

}  // namespace stx::scheduler
