#pragma once
#include <string>
#include <string_view>

namespace stx::smtp {

/// An RFC deviation or notable fact seen in the dialogue. Findings never change the EHLO class:
/// they are evidence for the SRE and the partner.
enum class FindingCode {
  kBareLf,              ///< line ended with LF alone (RFC 5321 §2.3.8 requires CRLF)
  kMixedReplyCodes,     ///< lines of one reply carry different codes (RFC 5321 §4.2)
  kLineTooLong,         ///< reply line over 512 octets incl. CRLF (RFC 5321 §4.5.3.1.5)
  kTextAfterFinalLine,  ///< server sent more lines after the final line of a reply
  kNonAscii,            ///< NUL, control or 8-bit bytes in a reply (RFC 5321 §4.2: text is ASCII)
  kStarttlsOnGreetingLine,  ///< STARTTLS is the first token of the EHLO greeting line
  kStarttlsAfterFinalLine,  ///< STARTTLS only after a premature final line
  kStarttlsMasked,          ///< e.g. "XXXXXXXA": a middlebox rewrote STARTTLS
  kBannerMasked,            ///< banner text masked with '*' (Cisco PIX/ASA SMTP inspection)
  kPlaintextInjection,      ///< bytes after the STARTTLS 220, before the handshake (RFC 3207 §4.2)
  kStarttlsAfterTls,        ///< STARTTLS still advertised after TLS began (RFC 3207 §4.2)
};

/// Stable kebab-case name, e.g. "bare-lf"; part of the JSON and metrics interface.
std::string_view ToString(FindingCode code);

struct Finding {
  FindingCode code;
  std::string context;  ///< which reply: "banner", "ehlo", "starttls", "ehlo-tls"
  std::string detail;   ///< human-readable, one sentence
};

}  // namespace stx::smtp
