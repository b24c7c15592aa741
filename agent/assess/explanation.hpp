#pragma once
#include <string>
#include <vector>

#include "probe/probe_result.hpp"

namespace stx::assess {

/// For a misordered result: the plain-language explanation to forward to the partner
/// (smtp::ExplainMisordered). Empty for other classes.
std::string Explanation(const probe::AddressProbeResult& result);

/// For a misordered result: the partner's own EHLO lines in RFC 5321 order
/// (smtp::CorrectedEhloReply). Empty for other classes.
std::vector<std::string> CorrectedEhlo(const probe::AddressProbeResult& result);

}  // namespace stx::assess
