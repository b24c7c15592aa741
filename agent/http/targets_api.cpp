#include "http/targets_api.hpp"

#include <stdexcept>

#include "http/partner_status.hpp"
#include "report/json_report.hpp"
#include "report/time_format.hpp"

namespace stx::http {
namespace {

using nlohmann::json;

double Seconds(std::chrono::milliseconds duration) {
  return std::chrono::duration<double>(duration).count();
}

// What every response of the API is written with: hostile partners can put invalid UTF-8 in
// certificates and banners, which is replaced, never thrown on.
std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

json PartnerJson(const state::PartnerState& p) {
  const config::Partner& c = p.partner;
  json labels = json::object();
  for (const auto& [key, value] : c.labels) labels[key] = value;
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
          {"static_mx", c.static_mx},
          {"status", PartnerStatus(p)},
          {"probe_in_flight", p.probe_in_flight},
          {"last_completed", p.last ? json(report::Rfc3339(p.last_completed)) : json(nullptr)},
          {"probes_total", {{"success", p.probes_success}, {"error", p.probes_error}}},
          {"status_changes", changes},
          {"last_probe", p.last ? report::ToJson(*p.last) : json(nullptr)}};
}

// The document with an empty partner list.
json Envelope(const state::ExporterState& state, std::chrono::system_clock::time_point now) {
  const state::ReloadStatus& reload = state.reload;
  return {{"generated_at", report::Rfc3339(now)},
          {"partners", json::array()},
          {"reload",
           {{"last_successful", reload.last_successful},
            {"last_success_timestamp", reload.last_success_unix
                                           ? json(report::Rfc3339(reload.last_success_unix))
                                           : json(nullptr)},
            {"last_success_unix", reload.last_success_unix},
            {"last_error", reload.last_error.empty() ? json(nullptr) : json(reload.last_error)}}},
          {"probes_in_flight", state.probes_in_flight}};
}

}  // namespace

json RenderTargets(const state::ExporterState& state, std::chrono::system_clock::time_point now) {
  json document = Envelope(state, now);
  json& partners = document["partners"];
  for (const auto& [domain, p] : state.partners()) partners.push_back(PartnerJson(p));
  return document;
}

TargetsStream::TargetsStream(const state::ExporterState& state,
                             std::chrono::system_clock::time_point now)
    : state_(&state) {
  // The envelope is serialized by nlohmann::json itself, so its key order (sorted) and
  // formatting are the whole document's; it is cut where the empty partner list stands. That
  // text can only be the key: inside a string every quote is escaped.
  static constexpr std::string_view kEmptyList = "\"partners\":[]";
  const std::string envelope = Dump(Envelope(state, now));
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
    out += Dump(PartnerJson(it->second));
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
