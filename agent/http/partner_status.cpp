#include "http/partner_status.hpp"

#include <algorithm>

namespace stx::http {

std::size_t StatusRank(std::string_view status) {
  const auto it = std::find(kStatusOrder.begin(), kStatusOrder.end(), status);
  return static_cast<std::size_t>(it - kStatusOrder.begin());
}

std::string AddressStatus(const probe::AddressProbeResult& result) {
  return std::string(smtp::ToString(result.ehlo_class));
}

std::string PartnerStatus(const state::PartnerState& partner) {
  if (!partner.last) return "unknown";
  const probe::TargetProbeResult& last = *partner.last;
  std::string worst = last.error ? "error" : "";
  for (const auto& r : last.results) {
    const std::string status = AddressStatus(r);
    if (worst.empty() || StatusRank(status) < StatusRank(worst)) worst = status;
  }
  if (!worst.empty()) return worst;
  if (last.routing && last.routing->kind == dns::RoutingKind::kNullMx) return "null_mx";
  return "error";  // a completed probe that reached no address and said nothing: suspicious
}

}  // namespace stx::http
