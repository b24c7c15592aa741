#include "state/exporter_state.hpp"

#include <set>

#include "common/server_spec.hpp"

namespace stx::state {

bool ProbeSucceeded(const probe::TargetProbeResult& result) {
  if (result.error) return false;
  for (const auto& r : result.results) {
    if (r.ehlo_class == smtp::EhloClass::kError) return false;
  }
  return true;
}

AddressKey KeyOf(const probe::AddressProbeResult& result) {
  if (result.error && result.error->stage == probe::Stage::kDns) return {result.mx_host, ""};
  // Mail to an MX host goes to port 25, and the address alone names the server there. A
  // pinned MX entry may name another port, and two ports of one address are two servers,
  // each with its own status and alerts: the port is then part of the name.
  if (result.port == kSmtpPort) return {result.mx_host, result.address.to_string()};
  return {result.mx_host, EndpointText(result.address, result.port)};
}

bool DnsGaveNoAnswer(const probe::ProbeError& error) {
  if (error.stage != probe::Stage::kDns) return false;
  // NXDOMAIN and no data are answers: the name, or its records, are gone.
  return error.kind != probe::FailureKind::kNxDomain && error.kind != probe::FailureKind::kNoData;
}

bool HiddenByDnsFailure(const probe::TargetProbeResult& result, const AddressKey& key) {
  if (result.error && DnsGaveNoAnswer(*result.error)) return true;  // the MX lookup itself
  for (const auto& r : result.results) {
    // This MX host's address lookup got no answer: its addresses are unknown, not gone.
    if (r.error && DnsGaveNoAnswer(*r.error) && r.mx_host == key.mx) return true;
  }
  return false;
}

namespace {

// The rows a probe produced, with their class: one per address, or one partner-level row
// ("", "") when the probe failed before reaching any address (DNS), so the failure stays
// visible.
std::map<AddressKey, std::string> RowClasses(const probe::TargetProbeResult& result) {
  std::map<AddressKey, std::string> classes;
  for (const auto& r : result.results)
    classes[KeyOf(r)] = std::string(smtp::ToString(r.ehlo_class));
  if (result.results.empty() && result.error) classes[AddressKey{}] = "error";
  return classes;
}

}  // namespace

assess::Status StatusOf(const PartnerState& partner) {
  return assess::TargetStatus(partner.last ? &*partner.last : nullptr, partner.partner.senders);
}

std::map<AddressKey, KnownAddress> KnownAddresses(const PartnerState& partner) {
  std::map<AddressKey, KnownAddress> known = partner.hidden;
  if (!partner.last) return known;
  for (auto& [key, status] : RowClasses(*partner.last)) {
    const auto streak = partner.consecutive.find(key);
    known[key] =
        KnownAddress{std::move(status), streak == partner.consecutive.end() ? 0 : streak->second};
  }
  return known;
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
  global_ = config.global;
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

  const std::map<AddressKey, std::string> classes = RowClasses(result);
  const std::map<AddressKey, KnownAddress> known = KnownAddresses(*partner);
  std::map<AddressKey, std::uint32_t> consecutive;
  for (const auto& [key, now] : classes) {
    const auto before = known.find(key);
    const bool seen = before != known.end();
    const bool same = seen && before->second.status == now;
    const std::uint32_t streak = same ? before->second.consecutive + 1 : 1;
    consecutive[key] = streak;
    if (seen && !same) {
      StatusChangeKey change{key, before->second.status, now};
      ++partner->status_changes[change];
      changes.push_back(StatusChange{domain, std::move(change)});
    }
  }
  // Addresses this probe did not reach because DNS did not answer stay known; the others
  // vanished (MX host removed, address changed) and drop out of every series.
  std::map<AddressKey, KnownAddress> hidden;
  for (const auto& [key, memory] : known) {
    if (classes.count(key) == 0 && HiddenByDnsFailure(result, key)) hidden.emplace(key, memory);
  }
  for (auto it = partner->status_changes.begin(); it != partner->status_changes.end();) {
    const AddressKey& where = it->first.where;
    const bool still_known = classes.count(where) != 0 || hidden.count(where) != 0;
    it = still_known ? std::next(it) : partner->status_changes.erase(it);
  }
  partner->hidden = std::move(hidden);
  partner->consecutive = std::move(consecutive);
  partner->last_completed = std::chrono::system_clock::now();
  for (auto& r : result.results) probe::ShrinkToFit(r);
  result.results.shrink_to_fit();
  partner->last = std::move(result);
  return changes;
}

}  // namespace stx::state
