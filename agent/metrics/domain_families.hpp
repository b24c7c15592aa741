#pragma once
#include "config/exporter_config.hpp"
#include "metrics/family_set.hpp"
#include "probe/probe_result.hpp"
#include "state/exporter_state.hpp"

namespace stx::metrics {

/// starttls_partner_info{domain, name, <each partner label>} = 1.
void AddPartnerInfo(FamilySet& out, const config::Partner& partner);

/// starttls_probes_total (both results, also at 0) and starttls_status_changes_total.
void AddPartnerCounters(FamilySet& out, const state::PartnerState& partner);

/// What the latest probe says about the domain as a whole: starttls_mx_hosts,
/// starttls_null_mx, starttls_mx_dnssec_authenticated, starttls_domain_client_tls.
void AddDomainSeries(FamilySet& out, const config::Partner& partner,
                     const probe::TargetProbeResult& result);

}  // namespace stx::metrics
