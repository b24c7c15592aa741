#pragma once
// The MTA-STS policy file (RFC 8461 §3.2) read into facts, and how a sender applies its mx
// patterns to an MX host (§4.1).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stx::policy {

enum class StsMode { kEnforce, kTesting, kNone };
/// "enforce", "testing", "none".
std::string_view ToString(StsMode mode);

/// RFC 8461 §3.2: max_age is at most 31557600 seconds (a year).
inline constexpr std::uint32_t kMaxStsMaxAge = 31557600;

struct StsPolicy {
  StsMode mode = StsMode::kNone;
  std::vector<std::string> mx;  ///< patterns as published ("mail.example.com", "*.example.net")
  std::uint32_t max_age = 0;    ///< seconds
};

struct StsPolicyRead {
  std::optional<StsPolicy> policy;  ///< set when the file is a valid policy
  std::string error;                ///< why it is not, when it is not
  /// Facts that do not invalidate it: a repeated field (the first counts), an unknown field.
  std::vector<std::string> warnings;
};

/// Reads a policy body (RFC 8461 §3.2): "key: value" lines ended by CRLF or LF; "version:
/// STSv1", "mode", "max_age" (1 to 10 digits, at most kMaxStsMaxAge) and, unless the mode is
/// none, at least one "mx" are required; unknown keys are extensions and ignored.
StsPolicyRead ReadStsPolicy(std::string_view body);

/// RFC 8461 §4.1: whether `host` (an MX host name) matches `pattern`: equal, ignoring case and
/// a trailing dot, or, for "*.<rest>", `host` is exactly one label followed by ".<rest>".
bool StsMxMatches(std::string_view pattern, std::string_view host);

/// Whether any pattern of `policy` matches `host`.
bool StsCovers(const StsPolicy& policy, std::string_view host);

}  // namespace stx::policy
