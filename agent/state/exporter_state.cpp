#include "state/exporter_state.hpp"

#include <set>

namespace stx::state {

bool ProbeSucceeded(const probe::TargetProbeResult& result) {
  if (result.error) return false;
  for (const auto& r : result.results) {
    if (r.ehlo_class == smtp::EhloClass::kError) return false;
  }
  return true;
}

AddressKey KeyOf(const probe::AddressProbeResult& result) {
  const bool no_address = result.error && result.error->stage == probe::Stage::kDns;
  return AddressKey{result.mx_host, no_address ? std::string() : result.address.to_string()};
}

void ExporterState::ApplyConfig(const config::ExporterConfig& config) {
  std::map<std::string, PartnerState> next;
  for (const auto& partner : config.partners) {
    auto it = partners_.find(partner.domain);
    PartnerState state = it != partners_.end() ? std::move(it->second) : PartnerState{};
    state.partner = partner;
    next.emplace(partner.domain, std::move(state));
  }
  partners_ = std::move(next);
  config_ = config;
}

PartnerState* ExporterState::Find(const std::string& domain) {
  const auto it = partners_.find(domain);
  return it == partners_.end() ? nullptr : &it->second;
}

const PartnerState* ExporterState::Find(const std::string& domain) const {
  const auto it = partners_.find(domain);
  return it == partners_.end() ? nullptr : &it->second;
}

std::vector<StatusChange> ExporterState::RecordResult(const std::string& domain,
                                                      probe::TargetProbeResult result) {
  std::vector<StatusChange> changes;
  PartnerState* partner = Find(domain);
  if (partner == nullptr) return changes;  // removed by a reload while the probe ran

  (ProbeSucceeded(result) ? partner->probes_success : partner->probes_error)++;

  // The rows this probe produced: one per address, or one partner-level row ("", "") when the
  // probe failed before reaching any address (DNS), so the failure stays visible.
  std::map<AddressKey, std::string> classes;
  for (const auto& r : result.results)
    classes[KeyOf(r)] = std::string(smtp::ToString(r.ehlo_class));
  if (result.results.empty() && result.error) classes[AddressKey{}] = "error";

  std::map<AddressKey, std::uint32_t> consecutive;
  for (const auto& [key, now] : classes) {
    const auto before = partner->last_class.find(key);
    const bool same = before != partner->last_class.end() && before->second == now;
    consecutive[key] = same ? partner->consecutive[key] + 1 : 1;
    if (before != partner->last_class.end() && !same) {
      StatusChangeKey change{key, before->second, now};
      ++partner->status_changes[change];
      changes.push_back(StatusChange{domain, std::move(change)});
    }
  }
  partner->consecutive = std::move(consecutive);
  // Addresses that vanished (MX host removed, address changed) drop out of every series.
  for (auto it = partner->status_changes.begin(); it != partner->status_changes.end();) {
    it = classes.count(it->first.where) == 0 ? partner->status_changes.erase(it) : std::next(it);
  }
  partner->last_class = std::move(classes);
  partner->last_completed = std::chrono::system_clock::now();
  partner->last = std::move(result);
  return changes;
}

}  // namespace stx::state
