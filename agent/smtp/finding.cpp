#include "smtp/finding.hpp"

namespace stx::smtp {

std::string_view ToString(FindingCode code) {
  switch (code) {
    case FindingCode::kBareLf:
      return "bare-lf";
    case FindingCode::kMixedReplyCodes:
      return "mixed-reply-codes";
    case FindingCode::kLineTooLong:
      return "line-too-long";
    case FindingCode::kTextAfterFinalLine:
      return "text-after-final-line";
    case FindingCode::kNonAscii:
      return "non-ascii";
    case FindingCode::kStarttlsOnGreetingLine:
      return "starttls-on-greeting-line";
    case FindingCode::kStarttlsAfterFinalLine:
      return "starttls-after-final-line";
    case FindingCode::kStarttlsMasked:
      return "starttls-masked";
    case FindingCode::kBannerMasked:
      return "banner-masked";
    case FindingCode::kPlaintextInjection:
      return "plaintext-injection";
    case FindingCode::kStarttlsAfterTls:
      return "starttls-after-tls";
  }
  return "unknown";
}

}  // namespace stx::smtp
