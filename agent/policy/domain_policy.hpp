#pragma once
// What a partner domain publishes about its mail transport security beyond its MX records:
// MTA-STS (RFC 8461) and TLS-RPT (RFC 8460), discovered as a sender discovers them.
#include <memory>
#include <optional>
#include <string>

#include "common/asio.hpp"
#include "policy/sts_fetch.hpp"
#include "policy/sts_record.hpp"
#include "policy/tls_rpt.hpp"

namespace boost::asio::ssl {
class context;
}
namespace stx::dns {
class Resolver;
}

namespace stx::policy {

struct DomainPolicy {
  StsRecord sts_record;               ///< _mta-sts.<domain>
  std::optional<StsFetch> sts_fetch;  ///< made when the record is valid (RFC 8461 §3.3)
  TlsRptRecord tls_rpt;               ///< _smtp._tls.<domain>
  /// The MTA-STS policy a sender applies now: the fetched one, when the fetch succeeded and its
  /// mode is enforce or testing. (A sender that fetched one before keeps applying it for
  /// max_age when a later fetch fails, §5.1: the exporter's `check` has no "before".)
  std::shared_ptr<const StsPolicy> sts_in_force;
};

/// The TXT records of _mta-sts.<domain> and _smtp._tls.<domain>, then, with a valid MTA-STS
/// record, the policy fetch. Never throws; bounded by the resolver's deadlines and
/// `fetch_options.timeout`.
awaitable<DomainPolicy> DiscoverPolicy(std::string domain, dns::Resolver& resolver,
                                       std::shared_ptr<asio::ssl::context> context,
                                       StsFetchOptions fetch_options);

}  // namespace stx::policy
