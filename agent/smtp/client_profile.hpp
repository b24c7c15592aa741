#pragma once
// The kinds of sender whose view of a partner's server the exporter reports, as data: one row
// of one table per profile. Classification, the JSON, the text report, the status page and the
// metrics loop over the table; no code outside it names a profile. Adding a profile is adding
// a row (and its tests).
#include <bitset>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "smtp/reply.hpp"

namespace stx::smtp {

/// Which lines of an EHLO reply a sender takes extension keywords from.
enum class EhloLines {
  /// RFC 5321 §4.1.1.1 (RFC 1869 §4.3 before it): line 1 is the greeting, keywords come from
  /// lines 2.. of the reply, and the reply ends at its first final line (RFC 5321 §4.2.1).
  kAfterGreeting,
  /// Any line the server sent in answer to EHLO, the greeting line and lines that arrived
  /// after a premature final line included.
  kAnyLine,
};

/// How a sender compares a line's keyword with "STARTTLS".
enum class KeywordCase {
  kInsensitive,  ///< RFC 5321 §2.4: extension keywords are not case-sensitive
  kSensitive,    ///< only "STARTTLS" in capitals
};

/// Where a sender takes the keyword token of a line to end.
enum class KeywordEnd {
  kWord,       ///< at SP, HT or '=' (RFC 5321 §4.1.1.1 ehlo-line; '=' for old "AUTH=" lines)
  kWholeLine,  ///< the line's whole text is the keyword: "STARTTLS REQUIRED" does not count
  kPrefix,     ///< the line's first 8 characters: "STARTTLSX" counts
};

/// How a sender reads an EHLO reply for STARTTLS.
struct EhloRule {
  EhloLines lines = EhloLines::kAfterGreeting;
  KeywordCase keyword_case = KeywordCase::kInsensitive;
  KeywordEnd keyword_end = KeywordEnd::kWord;
};

/// One kind of sender.
struct ClientProfile {
  std::string_view name;     ///< metric label value and JSON key, e.g. "strict"
  std::string_view title;    ///< how people read it, e.g. "strict client"
  std::string_view senders;  ///< the real senders it stands for
  std::string_view reading;  ///< its EHLO reading in a phrase (the metric's HELP text)
  EhloRule ehlo;
};

/// A table holds at most this many profiles: a set of them is a bitset in every result.
inline constexpr std::size_t kMaxClientProfiles = 32;
/// Profiles by their position in the table.
using ProfileSet = std::bitset<kMaxClientProfiles>;

/// The profiles the exporter reports, in display order.
std::span<const ClientProfile> ClientProfiles();

/// The position of the profile named `name`, if the table has one.
std::optional<std::size_t> FindClientProfile(std::string_view name);

/// Whether `line` (the text after "250-" / "250 ") announces STARTTLS to a sender reading
/// with `rule`.
bool AnnouncesStarttls(const EhloRule& rule, std::string_view line);

/// Whether a sender reading with `rule` sees STARTTLS in an EHLO reply, `trailing` being the
/// lines the server sent after the reply's final line.
bool SeesStarttls(const EhloRule& rule, const Reply& reply, const std::vector<ReplyLine>& trailing);

/// The profiles of the table that see STARTTLS in the reply.
ProfileSet ProfilesSeeingStarttls(const Reply& reply, const std::vector<ReplyLine>& trailing);

/// Replaces the table while it lives, for tests that show what one more row does. Not for
/// production code: the table is read without locks.
class ScopedClientProfiles {
 public:
  explicit ScopedClientProfiles(std::span<const ClientProfile> table);
  ~ScopedClientProfiles();
  ScopedClientProfiles(const ScopedClientProfiles&) = delete;
  ScopedClientProfiles& operator=(const ScopedClientProfiles&) = delete;

 private:
  std::span<const ClientProfile> previous_;
};

}  // namespace stx::smtp
