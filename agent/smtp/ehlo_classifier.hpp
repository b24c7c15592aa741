#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/client_profile.hpp"
#include "smtp/finding.hpp"
#include "smtp/reply.hpp"

namespace stx::smtp {

/// The class of a server's EHLO reply. The names are part of the interface (metrics, JSON).
enum class EhloClass {
  kCompliant,   ///< STARTTLS is an extension keyword on a line after the greeting line
  kMisordered,  ///< not compliant, but STARTTLS is on the greeting line or after a premature
                ///< final line: senders that read those lines see it, RFC 5321 readers do not
  kNoStarttls,  ///< STARTTLS not offered at all
  kError,       ///< no EHLO reply obtained
};
/// "compliant", "misordered", "no_starttls", "error".
std::string_view ToString(EhloClass ehlo_class);

/// What an EHLO reply says. The class is RFC 5321's reading of the reply; what each kind of
/// sender makes of it is `sees_starttls`, one bit per row of the profile table
/// (smtp/client_profile.hpp).
struct EhloAnalysis {
  EhloClass ehlo_class = EhloClass::kError;
  std::string greeting;               ///< first token of line 1 (normally the server's domain)
  std::vector<std::string> keywords;  ///< extension keywords of lines 2.., upper-cased
  ProfileSet sees_starttls;           ///< the profiles that see STARTTLS in the reply
  /// 1-based line of the reply (trailing lines numbered on after it) where STARTTLS was found:
  /// the first extension line that announces it, else the greeting line or the line after the
  /// final line that holds it; 0 when nowhere.
  std::size_t starttls_line = 0;
  std::vector<Finding> findings;  ///< context "ehlo"
};

/// Classifies a complete, positive (2xx) EHLO reply. `trailing` are lines the server sent after
/// the reply's final line (a premature final line), already parsed; usually empty.
EhloAnalysis ClassifyEhlo(const Reply& reply, const std::vector<ReplyLine>& trailing = {});

/// The first token of an EHLO line: up to SP, HT or '=' (RFC 5321 §4.1.1.1 ehlo-line; '=' for
/// old "AUTH=LOGIN" style lines).
std::string_view EhloKeyword(std::string_view text);

/// True for a keyword a middlebox made of STARTTLS: eight characters, the first seven 'X'
/// (Cisco PIX/ASA "XXXXXXXA").
bool LooksLikeMaskedStarttls(std::string_view keyword);

/// True when a banner's text is mostly asterisks (Cisco PIX/ASA SMTP inspection masks it).
bool LooksLikeMaskedBanner(const Reply& banner);

}  // namespace stx::smtp
