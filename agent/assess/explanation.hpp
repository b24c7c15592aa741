#pragma once
#include <string>
#include <vector>

#include "probe/probe_result.hpp"

namespace stx::assess {

/// The plain-language explanation to forward to the partner: for a misordered result,
/// smtp::ExplainMisordered; where the partner's DANE records stop DANE senders, DaneExplanation
/// (after it, a blank line between). Empty when there is nothing to explain.
std::string Explanation(const probe::AddressProbeResult& result);

/// For a misordered result: the partner's own EHLO lines in RFC 5321 order
/// (smtp::CorrectedEhloReply). Empty for other classes.
std::vector<std::string> CorrectedEhlo(const probe::AddressProbeResult& result);

}  // namespace stx::assess
