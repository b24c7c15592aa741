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
  /// Every line of the reply, line 1 included, up to its first final line: lines after it
  /// are read as the reply to the sender's next command.
  kReplyLines,
};

/// How a sender compares a line's keyword with "STARTTLS".
enum class KeywordCase {
  kInsensitive,  ///< RFC 5321 §2.4: extension keywords are not case-sensitive
  kSensitive,    ///< only "STARTTLS" in capitals
};

/// Where a sender takes the keyword token of a line to end (and, for kAnyWord, to begin).
enum class KeywordEnd {
  kWord,       ///< at the first of EhloRule::word_ends (RFC 5321 §4.1.1.1: SP)
  kWholeLine,  ///< the line's whole text is the keyword: "STARTTLS REQUIRED" does not count
  kPrefix,     ///< the line's first 8 characters: "STARTTLSX" counts
  /// at the first character that RFC 5321 §4.1.1.1's ehlo-keyword cannot hold (letters,
  /// digits and '-'): "STARTTLS_X" and "STARTTLS:" count, "STARTTLS-X" does not
  kKeywordGrammar,
  /// Perl's /([-\w]+)\b/, unanchored: the first run of letters, digits, '_' and '-' in the
  /// line that holds a letter, digit or '_', up to its last such character; whatever comes
  /// before the run is skipped. "STARTTLS_X" and "STARTTLS-X" do not count, "STARTTLS-" does.
  kFirstWordRun,
  /// Not a token at the line's start but a search of the whole line, as a pattern over the
  /// raw reply does (nodemailer's /[ -]STARTTLS\b/): "STARTTLS" after SP or '-' (the code's
  /// separator counts, so the line's start does), ended by anything but a letter, a digit or
  /// '_' (a regular expression's \b). "mx.test STARTTLS", "X-STARTTLS" and "STARTTLS-X"
  /// count; "XSTARTTLS" and "STARTTLS_" do not.
  kAnyWord,
};

/// How a sender reads an EHLO reply for STARTTLS.
struct EhloRule {
  EhloLines lines = EhloLines::kAfterGreeting;
  KeywordCase keyword_case = KeywordCase::kInsensitive;
  KeywordEnd keyword_end = KeywordEnd::kWord;
  /// With kWord, the characters that end the keyword: SP (RFC 5321 §4.1.1.1 ehlo-line), and
  /// HT and '=' (old "AUTH=" lines) for most senders.
  std::string_view word_ends = " \t=";
  /// Characters a sender skips before the keyword (a tokenizer that skips leading
  /// separators, a line stripped of blanks): "250- STARTTLS" counts for it. RFC 5321's
  /// ehlo-line has none there.
  std::string_view leading_skipped{};
  /// Characters a sender strips from the line's end before it reads the keyword (PHP's
  /// trim()): "STARTTLS<HT>" counts for it even when HT does not end a keyword.
  std::string_view trailing_skipped{};
};

/// What a sender does with bytes the server sent after its 220 to STARTTLS and before the
/// TLS handshake (RFC 3207 §5: the client must discard them; a server that sends them, or a
/// man in the middle, is injecting plaintext).
enum class Injection {
  kDiscarded,      ///< thrown away: the handshake and the session go on
  kFailsHandshake, ///< fed to the TLS library as the server's handshake: it fails
  /// the handshake completes, but the injected text is read as the reply to the next command
  /// over TLS: the sender is out of step with the server and gives up on the message
  kDesynchronises,
  kEndsSession,    ///< seen as unexpected data: the sender ends the session, the message waits
};

/// What a sender does once it reads a reply meant for an earlier command (RFC 5321 §4.2.1: the
/// lines a server sent after a reply's final line are read as the reply to the next command).
enum class OutOfStep {
  kGivesUp,  ///< a reply it did not expect (a 250 to DATA) ends the transaction: the message waits
  /// it asks only whether each reply is positive (2xx or 3xx, even to DATA): out of step by
  /// whole positive replies it sends the message, which the server takes in clear, and then
  /// reports a failure (the 354 read as the reply to the message) and may send it again
  kSendsOnPositiveReplies,
};

/// What a sender does with a message when it gets no TLS from a server. RFC 3207 §4.1 leaves
/// it to the client; RFC 3207 §6 and RFC 7435 (opportunistic security) describe both kinds.
enum class NoTlsAction {
  kClear,       ///< sends the message in clear on the same connection
  kClearRetry,  ///< hangs up and sends the message in clear on a new connection
  kDefer,       ///< does not send it: keeps it queued for later, or reports an error
  /// defers it, and sends it in clear on a later attempt (Postfix: once the message has
  /// waited minimal_backoff_time in the queue)
  kDeferThenClear,
};

/// What a sender does in each of the three ways TLS can fail to come up.
struct NoTlsBehaviour {
  NoTlsAction missing = NoTlsAction::kClear;  ///< the sender saw no STARTTLS
  NoTlsAction refused = NoTlsAction::kClear;  ///< STARTTLS got a 4xx/5xx reply (RFC 3207 §4)
  /// The upgrade failed: no usable reply to STARTTLS, a failed handshake, a TLS version or
  /// certificate the sender does not accept.
  NoTlsAction failed = NoTlsAction::kClear;
};

/// Which TLS sessions a sender accepts.
struct TlsAcceptance {
  /// Lowest protocol version, as OpenSSL numbers them (TLS1_2_VERSION = 0x0303); 0 accepts
  /// whatever the handshake negotiated.
  int min_version = 0;
  /// The certificate must verify against the sender's trust store and name the host the
  /// sender connected to (RFC 6125); a sender that does not check sends over any session.
  bool verifies_certificate = false;
  /// With verifies_certificate, whether the name is checked too. A sender that checks the
  /// chain alone defers on an untrusted certificate but goes on over TLS with a trusted
  /// certificate for another name.
  bool checks_host_name = true;
};

/// Which of a partner's published policies a sender enforces. A sender that enforces none
/// uses TLS opportunistically as its other fields say.
struct PolicyEnforcement {
  /// RFC 7672: with DNSSEC-validated TLSA records for an MX host, TLS is mandatory there and
  /// must match a usable record (or, with no usable record, need not authenticate); a bogus
  /// or failed TLSA lookup makes the host unusable.
  bool dane = false;
  /// RFC 8461: where the partner's MTA-STS policy is in enforce mode, an MX host its mx
  /// patterns do not cover is not used, and TLS 1.2 or later with a certificate valid for the
  /// MX host (WebPKI) is mandatory; in testing mode nothing changes but the report.
  bool mta_sts = false;
};

/// What a row stands for.
enum class ProfileKind {
  /// A way of reading the EHLO reply that a family of senders shares ("strict", "lenient"):
  /// the exporter's default `senders`, which its alerts and dashboards started with.
  kReading,
  /// One real sender, as its source and its runs (or its documentation) say it behaves.
  kSender,
};

/// One kind of sender.
struct ClientProfile {
  std::string_view name;     ///< metric label value and JSON key, e.g. "strict"
  std::string_view title;    ///< how people read it, e.g. "strict client"
  std::string_view senders;  ///< the real senders it stands for
  std::string_view reading;  ///< its EHLO reading in a phrase (the metric's HELP text)
  EhloRule ehlo;
  TlsAcceptance tls{};
  NoTlsBehaviour no_tls{};
  /// The sender and version whose real runs (tests/senders) proved this row, e.g.
  /// "Postfix 3.7.11"; empty for a row nobody could run (a model of a reading, or a sender
  /// described only by its documentation).
  std::string_view verified_with{};
  ProfileKind kind = ProfileKind::kSender;
  Injection injection = Injection::kDiscarded;
  OutOfStep out_of_step = OutOfStep::kGivesUp;
  PolicyEnforcement policy{};
};

/// A table holds at most this many profiles: a set of them is a bitset in every result.
inline constexpr std::size_t kMaxClientProfiles = 32;
/// Profiles by their position in the table.
using ProfileSet = std::bitset<kMaxClientProfiles>;

/// Every profile of the table, in display order.
std::span<const ClientProfile> ClientProfiles();

/// The senders an exporter reports when its configuration names none (`senders`): the
/// readings (ProfileKind::kReading) it started with, "strict" and "lenient".
ProfileSet DefaultSenders();

/// The rows that stand for one real sender (ProfileKind::kSender).
ProfileSet RealSenders();

/// The names of the table's profiles, in table order (for messages and suggestions).
std::vector<std::string_view> ProfileNames();

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
