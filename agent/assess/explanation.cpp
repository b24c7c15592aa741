#include "assess/explanation.hpp"

#include "smtp/ehlo_explanation.hpp"

namespace stx::assess {
namespace {

bool Explainable(const probe::AddressProbeResult& result) {
  return result.ehlo_class == smtp::EhloClass::kMisordered && !result.misordered_ehlo.empty();
}

}  // namespace

std::string Explanation(const probe::AddressProbeResult& result) {
  if (!Explainable(result)) return {};
  const probe::StoredEhlo ehlo = probe::ReadStoredEhlo(result);
  return smtp::ExplainMisordered(result.ehlo.Analysis(), ehlo.reply, ehlo.trailing);
}

std::vector<std::string> CorrectedEhlo(const probe::AddressProbeResult& result) {
  if (!Explainable(result)) return {};
  const probe::StoredEhlo ehlo = probe::ReadStoredEhlo(result);
  return smtp::CorrectedEhloReply(result.ehlo.Analysis(), ehlo.reply, ehlo.trailing);
}

}  // namespace stx::assess
