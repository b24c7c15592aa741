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

struct PartnerState {
  config::Partner partner;  ///< its current configuration
  /// The latest completed probe; nullopt until the first completes.
  std::optional<probe::TargetProbeResult> last;
  std::chrono::system_clock::time_point last_completed{};
  std::uint64_t probes_success = 0;  ///< starttls_probes_total{result="success"}
  std::uint64_t probes_error = 0;    ///< starttls_probes_total{result="error"}
  /// starttls_status_changes_total; entries of addresses that vanished are dropped.
  std::map<StatusChangeKey, std::uint64_t> status_changes;
  /// The class each address had at the latest probe, to detect changes.
  std::map<AddressKey, std::string> last_class;
  /// How many consecutive probes (the latest included) saw that class: alerts page only on a
  /// status confirmed by two probes, whatever the partner's interval.
  std::map<AddressKey, std::uint32_t> consecutive;
  bool probe_in_flight = false;
};

struct ReloadStatus {
  bool last_successful = true;
  std::int64_t last_success_unix = 0;  ///< load of the running config
  std::string last_error;              ///< of the last failed reload, "" when none
};

/// A partner probe counts as "success" when it reached every address's EHLO reply (whatever
/// the class), "error" when DNS failed or any address ended in error.
bool ProbeSucceeded(const probe::TargetProbeResult& result);

/// The address key of a result row (mx host, address text; "" address for DNS-stage errors).
AddressKey KeyOf(const probe::AddressProbeResult& result);

class ExporterState {
 public:
  /// Replaces the partner set with `config`'s: partners whose domain stays keep their results
  /// and counters (their configuration is updated); removed partners disappear.
  void ApplyConfig(const config::ExporterConfig& config);

  /// Stores a completed probe of `domain` (ignored when the partner was removed meanwhile),
  /// updates counters, and returns the status changes it caused (for the log).
  std::vector<StatusChange> RecordResult(const std::string& domain,
                                         probe::TargetProbeResult result);

  const std::map<std::string, PartnerState>& partners() const { return partners_; }
  PartnerState* Find(const std::string& domain);
  const PartnerState* Find(const std::string& domain) const;

  const config::ExporterConfig& config() const { return config_; }
  ReloadStatus reload;
  std::size_t probes_in_flight = 0;  ///< address probes (connections) now
  std::int64_t start_time_unix = 0;

 private:
  config::ExporterConfig config_;
  std::map<std::string, PartnerState> partners_;  ///< by domain
};

}  // namespace stx::state
