#pragma once
#include <string>
#include <vector>

#include "smtp/ehlo_classifier.hpp"
#include "smtp/reply.hpp"

namespace stx::smtp {

/// A plain-language explanation of a misordered EHLO reply that an SRE can forward to the
/// partner: which line is wrong, what RFC 5321 says, and a corrected reply built from the
/// partner's own lines. Empty for other classes.
std::string ExplainMisordered(const EhloAnalysis& analysis, const Reply& reply,
                              const std::vector<ReplyLine>& trailing = {});

/// The partner's own EHLO lines, reordered into an RFC 5321 §4.1.1.1 reply: the greeting
/// (domain) first, STARTTLS among the keyword lines, '-' on every line but the last.
std::vector<std::string> CorrectedEhloReply(const EhloAnalysis& analysis, const Reply& reply,
                                            const std::vector<ReplyLine>& trailing = {});

}  // namespace stx::smtp
