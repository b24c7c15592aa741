#include "http/targets_api.hpp"

#include <stdexcept>

#include "assess/status.hpp"
#include "common/time_format.hpp"
#include "report/json_report.hpp"

namespace stx::http {
namespace {

using nlohmann::json;

double Seconds(std::chrono::milliseconds duration) {
  return std::chrono::duration<double>(duration).count();
}

json PartnerJson(const state::PartnerState& p, std::int64_t now) {
  const config::Partner& c = p.partner;
  json labels = json::object();
  for (const auto& [key, value] : c.labels) labels[key] = value;
  json static_mx = json::array();
  for (const auto& host : c.static_mx) static_mx.push_back(ToString(host));
  json changes = json::array();
  for (const auto& [change, count] : p.status_changes) {
    changes.push_back({{"mx", change.where.mx},
                       {"address", change.where.address},
                       {"from", change.from},
                       {"to", change.to},
                       {"count", count}});
  }
  return {{"domain", c.domain},
          {"name", c.name.empty() ? c.domain : c.name},
          {"labels", labels},
          {"interval_seconds", Seconds(c.interval)},
          {"timeout_seconds", Seconds(c.timeout)},
          {"port", c.port},
          {"static_mx", static_mx},
          {"status", assess::ToString(state::StatusOf(p))},
          {"probe_in_flight", p.probe_in_flight},
          {"last_completed", p.last ? json(stx::Rfc3339(p.last_completed)) : json(nullptr)},
          {"probes_total", {{"success", p.probes_success}, {"error", p.probes_error}}},
          {"status_changes", changes},
          {"last_probe", p.last ? report::ToJson(*p.last, now, c.senders) : json(nullptr)}};
}

// The document with an empty partner list.
json Envelope(const state::ExporterState& state, std::chrono::system_clock::time_point now) {
  const state::ReloadStatus& reload = state.reload;
  return {
      {"generated_at", stx::Rfc3339(now)},
      {"partners", json::array()},
      {"reload",
       {{"last_successful", reload.last_successful},
        {"last_success_timestamp",
         reload.last_success_unix ? json(stx::Rfc3339(reload.last_success_unix)) : json(nullptr)},
        {"last_success_unix", reload.last_success_unix},
        {"last_error", reload.last_error.empty() ? json(nullptr) : json(reload.last_error)}}},
      {"probes_in_flight", state.probes_in_flight}};
}

}  // namespace

json RenderTargets(const state::ExporterState& state, std::chrono::system_clock::time_point now) {
  json document = Envelope(state, now);
  json& partners = document["partners"];
  const std::int64_t now_unix = std::chrono::system_clock::to_time_t(now);
  for (const auto& [domain, p] : state.partners()) partners.push_back(PartnerJson(p, now_unix));
  return document;
}

TargetsStream::TargetsStream(const state::ExporterState& state,
                             std::chrono::system_clock::time_point now)
    : state_(&state), now_unix_(std::chrono::system_clock::to_time_t(now)) {
  // The envelope is serialized by nlohmann::json itself, so its key order (sorted) and
  // formatting are the whole document's; it is cut where the empty partner list stands. That
  // text can only be the key: inside a string every quote is escaped.
  static constexpr std::string_view kEmptyList = "\"partners\":[]";
  const std::string envelope = report::Serialize(Envelope(state, now));
  const std::size_t at = envelope.find(kEmptyList);
  if (at == std::string::npos) throw std::logic_error("targets API: no partner list");
  const std::size_t cut = at + kEmptyList.size() - 1;  // before the closing bracket
  head_ = envelope.substr(0, cut);
  tail_ = envelope.substr(cut);
}

bool TargetsStream::Next(std::string& out, std::size_t budget) {
  const std::size_t limit = out.size() + budget;
  if (!started_) {
    out += head_;
    started_ = true;
  }
  // partners() is ordered by domain: resuming after the last domain written never writes a
  // partner twice, whatever a reload did to the map in between.
  const auto& partners = state_->partners();
  auto it = resume_after_ ? partners.upper_bound(*resume_after_) : partners.begin();
  for (; it != partners.end(); ++it) {
    if (any_partner_) out += ',';
    out += report::Serialize(PartnerJson(it->second, now_unix_));
    any_partner_ = true;
    if (out.size() >= limit) {
      resume_after_ = it->first;
      return true;
    }
  }
  out += tail_;
  return false;
}

}  // namespace stx::http
