#include "probe/target_probe.hpp"

#include <boost/asio/ssl/context.hpp>

#include "common/when_all.hpp"
#include "dns/resolver.hpp"
#include "probe/smtp_dialogue.hpp"

namespace stx::probe {
namespace {

using Clock = std::chrono::steady_clock;

FailureKind DnsKind(dns::LookupStatus status) {
  switch (status) {
    case dns::LookupStatus::kNxDomain:
      return FailureKind::kNxDomain;
    case dns::LookupStatus::kServFail:
      return FailureKind::kServFail;
    case dns::LookupStatus::kNoData:
      return FailureKind::kNoData;
    case dns::LookupStatus::kRefused:
      return FailureKind::kDnsRefused;
    case dns::LookupStatus::kTimeout:
      return FailureKind::kTimeout;
    default:
      return FailureKind::kFailed;
  }
}

// Bogus, then insecure, then secure: a chain of answers is only as good as its worst.
dns::DnssecStatus Worse(dns::DnssecStatus a, dns::DnssecStatus b) {
  if (a == dns::DnssecStatus::kBogus || b == dns::DnssecStatus::kBogus)
    return dns::DnssecStatus::kBogus;
  if (a == dns::DnssecStatus::kInsecure || b == dns::DnssecStatus::kInsecure)
    return dns::DnssecStatus::kInsecure;
  return dns::DnssecStatus::kSecure;
}

// An MX host whose addresses could not be found still appears, as an error, so that the SRE
// sees "mx2 has no address" instead of a silently shorter list.
AddressProbeResult UnresolvedExchanger(const dns::MailExchanger& mx, std::uint16_t port) {
  AddressProbeResult r;
  r.mx_host = mx.host;
  r.mx_preference = mx.preference;
  r.port = port;
  r.started_at = std::chrono::system_clock::now();
  const dns::AddressAnswer& answer =
      mx.ipv4.status != dns::LookupStatus::kNoData || mx.ipv6.status == dns::LookupStatus::kError
          ? mx.ipv4
          : mx.ipv6;
  r.error = ProbeError{Stage::kDns, DnsKind(answer.status),
                       "no address for MX host " + mx.host + ": A " +
                           std::string(dns::ToString(mx.ipv4.status)) + ", AAAA " +
                           std::string(dns::ToString(mx.ipv6.status))};
  r.transcript.push_back({TranscriptLine::Direction::kNote, false, r.error->detail});
  return r;
}

// An address probe that threw. The dialogue turns its own failures into results, so what
// escapes came from before it (the admission hook): the address was never connected to.
AddressProbeResult ThrownAddressProbe(const AddressTarget& target,
                                      const std::exception_ptr& error) {
  AddressProbeResult r;
  r.mx_host = target.mx_host;
  r.mx_preference = target.mx_preference;
  r.address = target.address;
  r.port = target.port;
  r.tlsa = target.tlsa;
  r.address_dnssec = target.address_dnssec;
  r.started_at = std::chrono::system_clock::now();
  r.error =
      ProbeError{Stage::kConnect, FailureKind::kFailed,
                 "the probe of this address stopped before connecting: " + ExceptionMessage(error)};
  r.transcript.push_back({TranscriptLine::Direction::kNote, false, r.error->detail});
  return r;
}

// One address probe behind the admission hook; waiting for admission is not probe time.
awaitable<AddressProbeResult> AdmittedProbe(AddressTarget target, TargetProbeOptions options,
                                            std::shared_ptr<asio::ssl::context> tls_context) {
  std::shared_ptr<void> token;
  if (options.admit) token = co_await options.admit(target);
  co_return co_await ProbeAddress(std::move(target), std::move(options.probe),
                                  std::move(tls_context));
}

}  // namespace

awaitable<TargetProbeResult> ProbeTarget(CheckTarget target, TargetProbeOptions options,
                                         dns::Resolver& resolver,
                                         std::shared_ptr<asio::ssl::context> tls_context) {
  const auto start = Clock::now();
  TargetProbeResult out;
  out.domain = target.host;
  out.direct = target.kind == CheckTarget::Kind::kHost;

  std::vector<AddressTarget> addresses;
  std::vector<AddressProbeResult> unresolved;
  const std::uint16_t port = target.port.value_or(options.port);

  if (target.literal) {
    addresses.push_back(
        {target.host, 0, *target.literal, port, nullptr, "", dns::DnssecStatus::kInsecure});
  } else if (out.direct) {
    // One named host: its A and AAAA records, no MX lookup.
    dns::MailExchanger host{target.host, 0, {}, {}, {}};
    if (options.ipv4)
      host.ipv4 = co_await resolver.LookupAddresses(target.host, dns::AddressFamily::kV4);
    if (options.ipv6)
      host.ipv6 = co_await resolver.LookupAddresses(target.host, dns::AddressFamily::kV6);
    for (const auto& a : host.ipv4.addresses)
      addresses.push_back({host.host, 0, a, port, nullptr, "", host.ipv4.dnssec});
    for (const auto& a : host.ipv6.addresses)
      addresses.push_back({host.host, 0, a, port, nullptr, "", host.ipv6.dnssec});
    if (addresses.empty()) unresolved.push_back(UnresolvedExchanger(host, port));
  } else {
    dns::RoutingOptions routing_options;
    routing_options.primary_only = options.primary_only;
    routing_options.ipv4 = options.ipv4;
    routing_options.ipv6 = options.ipv6;
    dns::MailRouting routing = co_await resolver.ResolveMailRouting(target.host, routing_options);
    if (routing.kind == dns::RoutingKind::kFailed) {
      out.error = ProbeError{Stage::kDns, DnsKind(routing.mx_status), routing.detail};
    }
    for (const auto& mx : routing.exchangers) {
      const std::size_t before = addresses.size();
      // Asked only for hosts whose addresses are secure (the routing leaves the name empty
      // for the others): one copy shared by the host's addresses and results.
      std::shared_ptr<const dns::TlsaAnswer> tlsa;
      if (!mx.tlsa.name.empty()) tlsa = std::make_shared<const dns::TlsaAnswer>(mx.tlsa);
      for (const auto& a : mx.ipv4.addresses) {
        addresses.push_back({mx.host, mx.preference, a, port, tlsa, out.domain,
                             Worse(routing.mx_dnssec, mx.ipv4.dnssec)});
      }
      for (const auto& a : mx.ipv6.addresses) {
        addresses.push_back({mx.host, mx.preference, a, port, tlsa, out.domain,
                             Worse(routing.mx_dnssec, mx.ipv6.dnssec)});
      }
      if (addresses.size() == before && routing.kind != dns::RoutingKind::kFailed) {
        unresolved.push_back(UnresolvedExchanger(mx, port));
      }
    }
    out.routing = std::move(routing);
  }

  // The policies a sender discovers before it connects (RFC 8461 §5: the MTA-STS policy
  // decides which MX hosts it may use).
  // Only for a domain whose mail goes somewhere: no MX answer, or a null MX, has no policy to
  // apply (and a dead DNS server would cost each lookup its deadline again).
  const bool routed = out.routing && (out.routing->kind == dns::RoutingKind::kMx ||
                                      out.routing->kind == dns::RoutingKind::kImplicit);
  if (options.policies && routed) {
    out.policy = std::make_shared<const policy::DomainPolicy>(
        co_await policy::DiscoverPolicy(target.host, resolver, tls_context, options.sts_fetch));
  }

  std::vector<awaitable<AddressProbeResult>> probes;
  probes.reserve(addresses.size());
  for (const auto& a : addresses) probes.push_back(AdmittedProbe(a, options, tls_context));
  auto thrown = [&addresses](std::size_t i, const std::exception_ptr& error) {
    return ThrownAddressProbe(addresses[i], error);
  };
  out.results = co_await WhenAll(std::move(probes), thrown);
  for (auto& r : unresolved) out.results.push_back(std::move(r));
  if (out.policy) {
    for (auto& r : out.results) r.sts = out.policy->sts_in_force;
  }
  out.duration_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  co_return out;
}

}  // namespace stx::probe
