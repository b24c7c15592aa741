#include "smtp/client_profile.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace stx::smtp {
namespace {

constexpr std::array kBuiltInProfiles{
    ClientProfile{
        "strict", "strict client", "Postfix, Cisco ESA, Go, Python",
        "RFC 5321 EHLO parsing (Postfix, Cisco ESA, Go, Python)",
        EhloRule{EhloLines::kAfterGreeting, KeywordCase::kInsensitive, KeywordEnd::kWord}},
    ClientProfile{"lenient", "lenient client", "openssl s_client, testssl.sh",
                  "STARTTLS on any line (openssl s_client)",
                  EhloRule{EhloLines::kAnyLine, KeywordCase::kInsensitive, KeywordEnd::kWord}},
};
static_assert(kBuiltInProfiles.size() <= kMaxClientProfiles);

std::span<const ClientProfile> active_profiles = kBuiltInProfiles;

constexpr std::string_view kStarttls = "STARTTLS";

bool SameLetters(std::string_view a, std::string_view b, KeywordCase keyword_case) {
  if (a.size() != b.size()) return false;
  if (keyword_case == KeywordCase::kSensitive) return a == b;
  return std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
    return std::toupper(static_cast<unsigned char>(x)) ==
           std::toupper(static_cast<unsigned char>(y));
  });
}

}  // namespace

std::span<const ClientProfile> ClientProfiles() { return active_profiles; }

std::optional<std::size_t> FindClientProfile(std::string_view name) {
  const auto profiles = ClientProfiles();
  for (std::size_t i = 0; i < profiles.size(); ++i) {
    if (profiles[i].name == name) return i;
  }
  return std::nullopt;
}

bool AnnouncesStarttls(const EhloRule& rule, std::string_view line) {
  std::string_view keyword = line;
  switch (rule.keyword_end) {
    case KeywordEnd::kWord:
      keyword = line.substr(0, line.find_first_of(" \t="));
      break;
    case KeywordEnd::kWholeLine:
      break;
    case KeywordEnd::kPrefix:
      keyword = line.substr(0, kStarttls.size());
      break;
  }
  return SameLetters(keyword, kStarttls, rule.keyword_case);
}

bool SeesStarttls(const EhloRule& rule, const Reply& reply,
                  const std::vector<ReplyLine>& trailing) {
  const auto announces = [&rule](const ReplyLine& line) {
    return AnnouncesStarttls(rule, line.text);
  };
  if (rule.lines == EhloLines::kAfterGreeting) {
    return reply.lines.size() > 1 &&
           std::any_of(reply.lines.begin() + 1, reply.lines.end(), announces);
  }
  return std::any_of(reply.lines.begin(), reply.lines.end(), announces) ||
         std::any_of(trailing.begin(), trailing.end(), announces);
}

ProfileSet ProfilesSeeingStarttls(const Reply& reply, const std::vector<ReplyLine>& trailing) {
  ProfileSet seeing;
  const auto profiles = ClientProfiles();
  for (std::size_t i = 0; i < profiles.size(); ++i) {
    seeing[i] = SeesStarttls(profiles[i].ehlo, reply, trailing);
  }
  return seeing;
}

ScopedClientProfiles::ScopedClientProfiles(std::span<const ClientProfile> table)
    : previous_(active_profiles) {
  active_profiles = table.subspan(0, std::min(table.size(), kMaxClientProfiles));
}

ScopedClientProfiles::~ScopedClientProfiles() { active_profiles = previous_; }

}  // namespace stx::smtp
