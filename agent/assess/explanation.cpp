#include "assess/explanation.hpp"

#include "assess/dane.hpp"
#include "assess/mta_sts.hpp"

#include "smtp/ehlo_explanation.hpp"

namespace stx::assess {
namespace {

bool Explainable(const probe::AddressProbeResult& result) {
  return result.ehlo_class == smtp::EhloClass::kMisordered && !result.misordered_ehlo.empty();
}

}  // namespace

std::string Explanation(const probe::AddressProbeResult& result) {
  std::string text;
  if (Explainable(result)) {
    const probe::StoredEhlo ehlo = probe::ReadStoredEhlo(result);
    text = smtp::ExplainMisordered(result.ehlo.Analysis(), ehlo.reply, ehlo.trailing);
  }
  // What the partner's DANE records do to delivery, after what its EHLO reply does.
  for (const std::string& policy : {DaneExplanation(result), StsExplanation(result)}) {
    if (policy.empty()) continue;
    if (!text.empty()) text += "\n\n";
    text += policy;
  }
  return text;
}

std::vector<std::string> CorrectedEhlo(const probe::AddressProbeResult& result) {
  if (!Explainable(result)) return {};
  const probe::StoredEhlo ehlo = probe::ReadStoredEhlo(result);
  return smtp::CorrectedEhloReply(result.ehlo.Analysis(), ehlo.reply, ehlo.trailing);
}

}  // namespace stx::assess
