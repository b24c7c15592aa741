#pragma once
// What the exporter knows now: the latest probe result of every configured partner, the
// counters derived from results, and the reload status. Plain data, single-threaded (it lives
// on the event loop). Read by metrics/ and http/, written by scheduler/. No Prometheus here.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "assess/status.hpp"
#include "config/exporter_config.hpp"
#include "probe/probe_result.hpp"

namespace stx::state {

/// One address of one MX host ("" and "" for a partner-level failure such as DNS).
struct AddressKey {
  std::string mx;
  std::string address;
  auto operator<=>(const AddressKey&) const = default;
};

/// A transition of an address's EHLO class, e.g. compliant -> misordered.
struct StatusChangeKey {
  AddressKey where;
  std::string from;  ///< smtp::ToString(EhloClass)
  std::string to;
  auto operator<=>(const StatusChangeKey&) const = default;
};

struct StatusChange {
  std::string domain;
  StatusChangeKey change;
};

/// What the state remembers of one address between probes.
struct KnownAddress {
  std::string status;             ///< smtp::ToString(EhloClass) when a probe last reached it
  std::uint32_t consecutive = 0;  ///< probes in a row that reached it and saw `status`
};

struct PartnerState {
  config::Partner partner;  ///< its current configuration
  /// The latest completed probe; nullopt until the first completes.
  std::optional<probe::TargetProbeResult> last;
  std::chrono::system_clock::time_point last_completed{};
  std::uint64_t probes_success = 0;  ///< starttls_probes_total{result="success"}
  std::uint64_t probes_error = 0;    ///< starttls_probes_total{result="error"}
  /// starttls_status_changes_total; entries of addresses that vanished are dropped.
  std::map<StatusChangeKey, std::uint64_t> status_changes;
  /// For each row of the latest probe, how many consecutive probes that reached it (the
  /// latest included) saw its class: alerts page only on a status confirmed by two probes,
  /// whatever the partner's interval.
  std::map<AddressKey, std::uint32_t> consecutive;
  /// Addresses the latest probe did not reach because DNS gave no answer, with the class and
  /// streak they had when a probe last reached them (usually empty). A DNS lookup that got no
  /// answer (timeout, SERVFAIL, REFUSED, unreachable or lying server) is no evidence that an
  /// address went away, so through such an outage the partner's addresses stay known and their
  /// starttls_status_changes_total series stay (a counter must not vanish and restart at 0);
  /// an address the partner changed while we could not resolve it is still counted as a change
  /// once DNS answers again. Only an answer (another MX or address list, NXDOMAIN, no data)
  /// forgets an address. The rows of the latest probe are known from `last` and `consecutive`
  /// (KnownAddresses): a second map of them would cost memory per address for nothing.
  std::map<AddressKey, KnownAddress> hidden;
  bool probe_in_flight = false;
};

/// The status the partner is listed under (assess::TargetStatus of its latest probe; unknown
/// until one completes).
assess::Status StatusOf(const PartnerState& partner);

/// Every address still known, with the class and streak it had when a probe last reached it:
/// the rows of the latest probe and the addresses hidden from it. Status changes are detected
/// against this.
std::map<AddressKey, KnownAddress> KnownAddresses(const PartnerState& partner);

struct ReloadStatus {
  bool last_successful = true;
  std::int64_t last_success_unix = 0;  ///< load of the running config
  std::string last_error;              ///< of the last failed reload, "" when none
};

/// A partner probe counts as "success" when it reached every address's EHLO reply (whatever
/// the class), "error" when DNS failed or any address ended in error.
bool ProbeSucceeded(const probe::TargetProbeResult& result);

/// The address key of a result row: the MX host and the address ("IP", or "IP:PORT" /
/// "[IPv6]:PORT" for a port other than 25; "" for DNS-stage errors).
AddressKey KeyOf(const probe::AddressProbeResult& result);

/// True for a DNS failure that got no answer (timeout, SERVFAIL, REFUSED, an unreachable or
/// malformed server), as opposed to an answer that the name or its records do not exist.
bool DnsGaveNoAnswer(const probe::ProbeError& error);

/// True when `result` could not see the address `key` because DNS gave no answer: the MX
/// lookup failed so, or the address lookup of `key`'s MX host did.
bool HiddenByDnsFailure(const probe::TargetProbeResult& result, const AddressKey& key);

class ExporterState {
 public:
  /// Replaces the partner set with `config`'s: partners whose domain stays keep their results
  /// and counters (their configuration is updated); removed partners disappear.
  void ApplyConfig(const config::ExporterConfig& config);

  /// Stores a completed probe of `domain` (ignored when the partner was removed meanwhile),
  /// updates counters, and returns the status changes it caused (for the log). The latest
  /// probe is what the per-address series show, as with blackbox_exporter: after a DNS
  /// failure the partner has one error row with the reason, and no TLS facts from an older
  /// probe. What it knew of its addresses stays (see PartnerState::hidden). The stored result
  /// keeps no growth slack (probe::ShrinkToFit): it stays until the next probe.
  std::vector<StatusChange> RecordResult(const std::string& domain,
                                         probe::TargetProbeResult result);

  const std::map<std::string, PartnerState>& partners() const { return partners_; }
  PartnerState* Find(const std::string& domain);
  const PartnerState* Find(const std::string& domain) const;

  /// The running configuration's global settings (its partners are in partners()).
  const config::GlobalSettings& global() const { return global_; }
  ReloadStatus reload;
  std::size_t probes_in_flight = 0;  ///< address probes (connections) now
  std::int64_t start_time_unix = 0;

 private:
  config::GlobalSettings global_;
  std::map<std::string, PartnerState> partners_;  ///< by domain
};

}  // namespace stx::state
