#include "policy/domain_policy.hpp"

#include <boost/asio/ssl/context.hpp>

#include "dns/resolver.hpp"

namespace stx::policy {

awaitable<DomainPolicy> DiscoverPolicy(std::string domain, dns::Resolver& resolver,
                                       std::shared_ptr<asio::ssl::context> context,
                                       StsFetchOptions fetch_options) {
  if (!domain.empty() && domain.back() == '.') domain.pop_back();
  DomainPolicy out;
  out.sts_record = ReadStsRecord(co_await resolver.LookupTxt("_mta-sts." + domain));
  out.tls_rpt = ReadTlsRptRecord(co_await resolver.LookupTxt("_smtp._tls." + domain));
  if (out.sts_record.status == StsRecordStatus::kOk) {
    out.sts_fetch = co_await FetchStsPolicy(domain, resolver, std::move(context), fetch_options);
    if (out.sts_fetch->status == StsFetchStatus::kOk && out.sts_fetch->read.policy &&
        out.sts_fetch->read.policy->mode != StsMode::kNone) {
      out.sts_in_force = std::make_shared<const StsPolicy>(*out.sts_fetch->read.policy);
    }
  }
  co_return out;
}

}  // namespace stx::policy
