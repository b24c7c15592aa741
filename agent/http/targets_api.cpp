#include "http/targets_api.hpp"

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
          {"last_probe", p.last ? report::ToJson(*p.last, now) : json(nullptr)}};
}

}  // namespace

json RenderTargets(const state::ExporterState& state, std::chrono::system_clock::time_point now) {
  json partners = json::array();
  const std::int64_t now_unix = std::chrono::system_clock::to_time_t(now);
  for (const auto& [domain, p] : state.partners()) partners.push_back(PartnerJson(p, now_unix));
  const state::ReloadStatus& reload = state.reload;
  return {
      {"generated_at", stx::Rfc3339(now)},
      {"partners", partners},
      {"reload",
       {{"last_successful", reload.last_successful},
        {"last_success_timestamp",
         reload.last_success_unix ? json(stx::Rfc3339(reload.last_success_unix)) : json(nullptr)},
        {"last_success_unix", reload.last_success_unix},
        {"last_error", reload.last_error.empty() ? json(nullptr) : json(reload.last_error)}}},
      {"probes_in_flight", state.probes_in_flight}};
}

}  // namespace stx::http
