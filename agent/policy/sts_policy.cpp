#include "policy/sts_policy.hpp"

#include "policy/txt_record.hpp"

#include <algorithm>
#include <cctype>

namespace stx::policy {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

// sts-policy-mx-value: a domain name, or "*." and a domain name; letters, digits, '-', '.'.
bool ValidMxPattern(std::string_view pattern) {
  if (pattern.rfind("*.", 0) == 0) pattern.remove_prefix(2);
  if (pattern.empty() || pattern.front() == '.' || pattern.find("..") != std::string_view::npos)
    return false;
  return std::all_of(pattern.begin(), pattern.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
  });
}

}  // namespace

std::string_view ToString(StsMode mode) {
  switch (mode) {
    case StsMode::kEnforce:
      return "enforce";
    case StsMode::kTesting:
      return "testing";
    case StsMode::kNone:
      return "none";
  }
  return "none";
}

StsPolicyRead ReadStsPolicy(std::string_view body) {
  StsPolicyRead out;
  StsPolicy policy;
  bool have_version = false, have_mode = false, have_max_age = false;
  std::size_t line_number = 0;
  while (!body.empty()) {
    const std::size_t end = body.find('\n');
    std::string_view line = body.substr(0, end);
    body = end == std::string_view::npos ? std::string_view() : body.substr(end + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (TrimBlanks(line).empty()) continue;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      out.error = "line " + std::to_string(line_number) + " is not \"key: value\"";
      return out;
    }
    const std::string_view key = line.substr(0, colon);
    const std::string_view value = TrimBlanks(line.substr(colon + 1));
    const auto repeated = [&](bool seen) {
      if (seen) {
        out.warnings.push_back("line " + std::to_string(line_number) + ": " + std::string(key) +
                               " repeated; the first counts");
      }
      return seen;
    };
    if (key == "version") {
      if (repeated(have_version)) continue;
      if (value != "STSv1") {
        out.error = "version is \"" + std::string(value) + "\", not STSv1";
        return out;
      }
      have_version = true;
    } else if (key == "mode") {
      if (repeated(have_mode)) continue;
      if (value == "enforce") {
        policy.mode = StsMode::kEnforce;
      } else if (value == "testing") {
        policy.mode = StsMode::kTesting;
      } else if (value == "none") {
        policy.mode = StsMode::kNone;
      } else {
        out.error = "mode \"" + std::string(value) + "\" is none of enforce, testing, none";
        return out;
      }
      have_mode = true;
    } else if (key == "max_age") {
      if (repeated(have_max_age)) continue;
      const bool digits =
          !value.empty() && value.size() <= 10 &&
          std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
      const std::uint64_t seconds = digits ? std::stoull(std::string(value)) : 0;
      if (!digits || seconds > kMaxStsMaxAge) {
        out.error = "max_age \"" + std::string(value) + "\" is not 0 to " +
                    std::to_string(kMaxStsMaxAge) + " seconds";
        return out;
      }
      policy.max_age = static_cast<std::uint32_t>(seconds);
      have_max_age = true;
    } else if (key == "mx") {
      if (!ValidMxPattern(value)) {
        out.error = "mx \"" + std::string(value) + "\" is not a host name or *.<domain>";
        return out;
      }
      policy.mx.emplace_back(value);
    } else {
      out.warnings.push_back("line " + std::to_string(line_number) + ": unknown key \"" +
                             std::string(key) + "\" ignored");
    }
  }
  if (!have_version) {
    out.error = "no \"version: STSv1\" line";
  } else if (!have_mode) {
    out.error = "no mode";
  } else if (!have_max_age) {
    out.error = "no max_age";
  } else if (policy.mx.empty() && policy.mode != StsMode::kNone) {
    out.error = "no mx pattern";
  } else {
    out.policy = std::move(policy);
  }
  return out;
}

bool StsMxMatches(std::string_view pattern, std::string_view host) {
  const std::string p = Lower(pattern);
  const std::string h = Lower(host);
  if (p.rfind("*.", 0) != 0) return p == h;
  // "*.example.com" matches "mx.example.com", not "example.com" nor "a.b.example.com".
  const std::string_view rest = std::string_view(p).substr(1);  // ".example.com"
  if (h.size() <= rest.size() || h.compare(h.size() - rest.size(), rest.size(), rest) != 0)
    return false;
  const std::string_view label = std::string_view(h).substr(0, h.size() - rest.size());
  return !label.empty() && label.find('.') == std::string_view::npos;
}

bool StsCovers(const StsPolicy& policy, std::string_view host) {
  return std::any_of(policy.mx.begin(), policy.mx.end(),
                     [host](const std::string& pattern) { return StsMxMatches(pattern, host); });
}

}  // namespace stx::policy
