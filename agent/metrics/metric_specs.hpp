#pragma once
// Every metric family the exporter serves: name, type and HELP text, in output order. One table
// so that a name is spelled once, the order of /metrics does not depend on which partner
// happens to come first, and tests can check every family against the README's Metrics section.
#include <array>
#include <cstddef>
#include <string_view>

#include <prometheus/metric_type.h>

namespace stx::metrics {

enum class Metric : std::size_t {
  // Per address {domain, mx, address}.
  kEhloStatus,
  kEhloStatusConsecutiveProbes,
  kProbeSuccess,
  kProbeDurationSeconds,
  kLastProbeTimestampSeconds,
  kProbeFailureInfo,
  kClientTls,
  kTlsOutcome,
  kTlsHandshakeSuccess,
  kTlsInfo,
  kTlsCertNotAfterTimestampSeconds,
  kTlsCertChainEarliestNotAfterTimestampSeconds,
  kTlsCertChainValid,
  kTlsCertHostnameValid,
  kFindingInfo,
  kDaneStatus,
  kDaneUsableRecords,
  // Per domain.
  kProbesTotal,
  kStatusChangesTotal,
  kPartnerInfo,
  kProbeIntervalSeconds,
  kMxHosts,
  kNullMx,
  kMxDnssecAuthenticated,
  kDomainClientTls,
  kSenderOutcome,
  // The exporter itself.
  kExporterBuildInfo,
  kExporterConfigLastReloadSuccessful,
  kExporterConfigLastReloadSuccessTimestampSeconds,
  kExporterProbesInFlight,
  kExporterPartners,
  kExporterEventLoopLagSeconds,
  kExporterHttpConnectionsClosedTotal,
  kExporterProbeRequestsTotal,
  // The process (the names every Prometheus client library uses).
  kProcessCpuSecondsTotal,
  kProcessResidentMemoryBytes,
  kProcessVirtualMemoryBytes,
  kProcessOpenFds,
  kProcessMaxFds,
  kProcessStartTimeSeconds,
};

struct MetricSpec {
  Metric metric;
  std::string_view name;
  prometheus::MetricType type;
  /// One line, no backslash: ExpositionWriter writes HELP text as it is, and the text format
  /// would need both escaped (metrics_contract_test checks).
  std::string_view help;
};

inline constexpr std::size_t kMetricCount = 40;

using prometheus::MetricType;
inline constexpr std::array<MetricSpec, kMetricCount> kMetricSpecs{{
    {Metric::kEhloStatus, "starttls_ehlo_status", MetricType::Gauge,
     "EHLO status of the address at its latest probe, as a state set (exactly one status is 1): "
     "compliant, misordered (STARTTLS where strict clients do not read it), no_starttls, error "
     "(no EHLO reply)."},
    {Metric::kEhloStatusConsecutiveProbes, "starttls_ehlo_status_consecutive_probes",
     MetricType::Gauge,
     "Consecutive probes of the address, the latest included, that saw its current EHLO "
     "status; alerts use >= 2 so that one flaky probe never pages."},
    {Metric::kProbeSuccess, "starttls_probe_success", MetricType::Gauge,
     "1 when the latest probe of the address obtained an EHLO reply (status is not error)."},
    {Metric::kProbeDurationSeconds, "starttls_probe_duration_seconds", MetricType::Gauge,
     "Duration of the latest probe of the address in seconds, per dialogue phase and in total."},
    {Metric::kLastProbeTimestampSeconds, "starttls_last_probe_timestamp_seconds", MetricType::Gauge,
     "Unix time when the latest probe of the address completed."},
    {Metric::kProbeFailureInfo, "starttls_probe_failure_info", MetricType::Gauge,
     "Why the latest probe of the address obtained no EHLO reply (<stage>_<kind>, e.g. "
     "connect_refused, dns_nxdomain); always 1, present only while the status is error."},
    {Metric::kClientTls, "starttls_client_tls", MetricType::Gauge,
     "1 when a sender of this profile (one of the configured senders) sees STARTTLS at the "
     "address and the upgrade completes."},
    {Metric::kTlsOutcome, "starttls_tls_outcome", MetricType::Gauge,
     "What happened to the STARTTLS upgrade at the latest probe, as a state set (exactly one "
     "outcome is 1)."},
    {Metric::kTlsHandshakeSuccess, "starttls_tls_handshake_success", MetricType::Gauge,
     "1 when the TLS handshake completed, 0 when it failed; present only when a handshake was "
     "attempted. Certificate problems do not fail it."},
    {Metric::kTlsInfo, "starttls_tls_info", MetricType::Gauge,
     "Negotiated TLS version and cipher at the latest probe; always 1, present only when TLS "
     "was established."},
    {Metric::kTlsCertNotAfterTimestampSeconds, "starttls_tls_cert_not_after_timestamp_seconds",
     MetricType::Gauge, "Expiry (notAfter) of the address's leaf certificate, as Unix time."},
    {Metric::kTlsCertChainEarliestNotAfterTimestampSeconds,
     "starttls_tls_cert_chain_earliest_not_after_timestamp_seconds", MetricType::Gauge,
     "Earliest expiry (notAfter) among the certificates the address presented, as Unix time."},
    {Metric::kTlsCertChainValid, "starttls_tls_cert_chain_valid", MetricType::Gauge,
     "1 when the presented certificate chain verifies against the trust store (plus the "
     "configured CA file)."},
    {Metric::kTlsCertHostnameValid, "starttls_tls_cert_hostname_valid", MetricType::Gauge,
     "1 when the leaf certificate matches the MX host name (RFC 6125)."},
    {Metric::kFindingInfo, "starttls_finding_info", MetricType::Gauge,
     "An RFC deviation or notable fact seen in the latest dialogue with the address (e.g. "
     "starttls-on-greeting-line); always 1, one series per finding code."},
    {Metric::kDaneStatus, "starttls_dane_status", MetricType::Gauge,
     "DANE (RFC 7672) at the address, as a state set, present only where the MX host's "
     "addresses are DNSSEC-secure: match, mismatch (no usable TLSA record matches: DANE "
     "senders defer), unusable (no usable record: TLS required, not authenticated), no_tls "
     "(usable records, no TLS: DANE senders defer), bogus and lookup_failed (DANE senders "
     "defer), no_tlsa and insecure (DANE does not apply)."},
    {Metric::kDaneUsableRecords, "starttls_dane_usable_records", MetricType::Gauge,
     "TLSA records of the MX host that SMTP can use (DANE-TA or DANE-EE, RFC 7672 §3.1), where "
     "they were looked up; 1 on a match means no next key is published for a rollover."},
    {Metric::kProbesTotal, "starttls_probes_total", MetricType::Counter,
     "Completed probes of the partner domain; error when DNS failed or any address ended "
     "without an EHLO reply."},
    {Metric::kStatusChangesTotal, "starttls_status_changes_total", MetricType::Counter,
     "Changes of an address's EHLO status, by previous and new status."},
    {Metric::kPartnerInfo, "starttls_partner_info", MetricType::Gauge,
     "A configured partner with its display name and free-form labels; always 1. Join on "
     "domain to filter other series by team or tier."},
    {Metric::kProbeIntervalSeconds, "starttls_probe_interval_seconds", MetricType::Gauge,
     "The configured probe interval of the partner domain, in seconds."},
    {Metric::kMxHosts, "starttls_mx_hosts", MetricType::Gauge,
     "MX hosts of the partner domain at the latest probe (the static MX entries when "
     "configured; 0 for a null MX)."},
    {Metric::kNullMx, "starttls_null_mx", MetricType::Gauge,
     "1 when the domain publishes a null MX (RFC 7505): it accepts no mail."},
    {Metric::kMxDnssecAuthenticated, "starttls_mx_dnssec_authenticated", MetricType::Gauge,
     "1 when the exporter's validating resolver proved the MX answer secure (DNSSEC, RFC "
     "4035); 0 when it is insecure or bogus."},
    {Metric::kDomainClientTls, "starttls_domain_client_tls", MetricType::Gauge,
     "1 when every probed address of the domain gives a sender of this profile TLS; 0 when "
     "any does not or none was probed."},
    {Metric::kSenderOutcome, "starttls_sender_outcome", MetricType::Gauge,
     "What a configured sender does with mail to the domain at its worst address that "
     "answered EHLO, as a state set (exactly one outcome is 1): deferred (not delivered), "
     "clear (delivered in clear text), tls (encrypted, server not authenticated), "
     "tls_authenticated (by the partner's DANE records for a sender that enforces them, or "
     "by the certificate for a sender that checks it)."},
    {Metric::kExporterBuildInfo, "starttls_exporter_build_info", MetricType::Gauge,
     "Version and revision of the running starttls_exporter; always 1."},
    {Metric::kExporterConfigLastReloadSuccessful, "starttls_exporter_config_last_reload_successful",
     MetricType::Gauge,
     "1 when the last configuration load succeeded, 0 when it was rejected and the previous "
     "configuration keeps running."},
    {Metric::kExporterConfigLastReloadSuccessTimestampSeconds,
     "starttls_exporter_config_last_reload_success_timestamp_seconds", MetricType::Gauge,
     "Unix time of the last successful configuration load."},
    {Metric::kExporterProbesInFlight, "starttls_exporter_probes_in_flight", MetricType::Gauge,
     "Address probes (SMTP connections) in progress now."},
    {Metric::kExporterPartners, "starttls_exporter_partners", MetricType::Gauge,
     "Partner domains in the running configuration."},
    {Metric::kExporterEventLoopLagSeconds, "starttls_exporter_event_loop_lag_seconds",
     MetricType::Histogram,
     "How late the event loop that runs every probe and request ran a timer that was due, "
     "sampled every 50 ms: a handler that blocks the loop, or more work than CPU, shows here."},
    {Metric::kExporterHttpConnectionsClosedTotal, "starttls_exporter_http_connections_closed_total",
     MetricType::Counter,
     "Web connections the exporter closed because of a limit, by reason: request_timeout, "
     "idle_timeout, write_timeout, evicted (idle, to make room), peer_limit and table_full "
     "(newcomers refused: every place busy)."},
    {Metric::kExporterProbeRequestsTotal, "starttls_exporter_probe_requests_total",
     MetricType::Counter,
     "Requests to /probe with a valid target, by how they were answered: probed, shared (a "
     "probe under way), cached (a recent result), refused (429, queue full), abandoned."},
    {Metric::kProcessCpuSecondsTotal, "process_cpu_seconds_total", MetricType::Counter,
     "Total user and system CPU time spent in seconds."},
    {Metric::kProcessResidentMemoryBytes, "process_resident_memory_bytes", MetricType::Gauge,
     "Resident memory size in bytes."},
    {Metric::kProcessVirtualMemoryBytes, "process_virtual_memory_bytes", MetricType::Gauge,
     "Virtual memory size in bytes."},
    {Metric::kProcessOpenFds, "process_open_fds", MetricType::Gauge,
     "Number of open file descriptors."},
    {Metric::kProcessMaxFds, "process_max_fds", MetricType::Gauge,
     "Maximum number of open file descriptors."},
    {Metric::kProcessStartTimeSeconds, "process_start_time_seconds", MetricType::Gauge,
     "Start time of the process since unix epoch in seconds."},
}};

constexpr bool SpecsInEnumOrder() {
  for (std::size_t i = 0; i < kMetricSpecs.size(); ++i) {
    if (static_cast<std::size_t>(kMetricSpecs[i].metric) != i) return false;
  }
  return static_cast<std::size_t>(Metric::kProcessStartTimeSeconds) + 1 == kMetricCount;
}
static_assert(SpecsInEnumOrder(), "kMetricSpecs must list every Metric once, in enum order");

constexpr const MetricSpec& SpecOf(Metric metric) {
  return kMetricSpecs[static_cast<std::size_t>(metric)];
}

}  // namespace stx::metrics
