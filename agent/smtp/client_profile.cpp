#include "smtp/client_profile.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace stx::smtp {
namespace {

// TLS 1.2: the lowest version Debian 12's OpenSSL configuration (MinProtocol, and
// SECLEVEL=2, at which OpenSSL 3 refuses TLS 1.0 and 1.1) lets a client negotiate.
constexpr int kTls12 = 0x0303;
constexpr int kTls10 = 0x0301;

// The two readings the exporter started with: models, not senders (no row proves them).
// Their TLS acceptance and failure behaviour are those of opportunistic TLS (RFC 7435): any
// session, else clear.
//
// The real senders below were each run against every reply of the corpus in
// tests/senders; a row says what its sender did there, and `verified_with` names the
// version that did it.
constexpr std::array kBuiltInProfiles{
    ClientProfile{
        "strict", "strict client", "Postfix, Cisco ESA, Go, Python",
        "RFC 5321 EHLO parsing (Postfix, Cisco ESA, Go, Python)",
        EhloRule{EhloLines::kAfterGreeting, KeywordCase::kInsensitive, KeywordEnd::kWord}},
    ClientProfile{"lenient", "lenient client", "openssl s_client, testssl.sh",
                  "STARTTLS on any line (openssl s_client)",
                  EhloRule{EhloLines::kAnyLine, KeywordCase::kInsensitive, KeywordEnd::kWord}},
    // smtp_proto.c smtp_helo(): line 1 is the greeting (its first word the server's name);
    // later lines' first word, up to SP, HT or '=', compared with strcasecmp(); but
    // smtp_chat_resp() first censors every non-printable byte to '?', so HT no longer ends
    // it. With smtp_tls_security_level = may it takes TLS 1.0 and anonymous ciphers
    // (smtp_tls_protocols, smtp_tls_ciphers = medium); a refused STARTTLS continues in clear;
    // a failed handshake defers the message, and a later attempt sends it in clear once the
    // message has waited minimal_backoff_time (PLAINTEXT_FALLBACK_OK_AFTER_STARTTLS_FAILURE).
    ClientProfile{"postfix", "Postfix", "Postfix (smtp_tls_security_level = may)",
                  "RFC 5321 EHLO parsing, keyword up to SP or '='",
                  EhloRule{EhloLines::kAfterGreeting, KeywordCase::kInsensitive, KeywordEnd::kWord,
                           " ="},
                  TlsAcceptance{kTls10, false},
                  NoTlsBehaviour{NoTlsAction::kClear, NoTlsAction::kClear,
                                 NoTlsAction::kDeferThenClear},
                  "Postfix 3.7.11", false},
    // smtplib.SMTP.ehlo(): drops line 1, matches [A-Za-z0-9][A-Za-z0-9-]* at the start of each
    // later line, lower-cased; starttls() raises on a non-220 reply and on a failed handshake,
    // so the usual "starttls() when has_extn('starttls')" code sends nothing then. Its
    // default context verifies no certificate.
    ClientProfile{"python", "Python smtplib", "Python smtplib (starttls() when offered)",
                  "keywords after the greeting, RFC 5321 keyword characters",
                  EhloRule{EhloLines::kAfterGreeting, KeywordCase::kInsensitive,
                           KeywordEnd::kKeywordGrammar},
                  TlsAcceptance{kTls12, false},
                  NoTlsBehaviour{NoTlsAction::kClear, NoTlsAction::kDefer, NoTlsAction::kDefer},
                  "Python 3.11.2", false},
    // lib/smtp.c smtp_state_ehlo_resp(): every line of the reply, memcmp() of the 8 bytes
    // after the code with "STARTTLS". --ssl (CURLUSESSL_TRY) goes on in clear when STARTTLS is
    // missing or refused; a failed handshake or an unverified certificate ends the transfer.
    ClientProfile{"curl", "curl", "curl --ssl (try STARTTLS, certificate verified)",
                  "any line of the reply, \"STARTTLS\" as its first 8 bytes",
                  EhloRule{EhloLines::kReplyLines, KeywordCase::kSensitive, KeywordEnd::kPrefix},
                  TlsAcceptance{kTls12, true},
                  NoTlsBehaviour{NoTlsAction::kClear, NoTlsAction::kClear, NoTlsAction::kDefer},
                  "curl 7.88.1", false},
    // do_smtp_helo(): every line of the reply, the code stripped, matched with /^STARTTLS$/
    // (capitals, the whole line). --tls-optional-strict: in clear when STARTTLS is missing,
    // an error when it is refused or the handshake fails. Net::SSLeay verifies no
    // certificate unless asked.
    ClientProfile{"swaks", "swaks", "swaks --tls-optional-strict",
                  "any line of the reply, exactly \"STARTTLS\"",
                  EhloRule{EhloLines::kReplyLines, KeywordCase::kSensitive, KeywordEnd::kWholeLine},
                  TlsAcceptance{kTls12, false},
                  NoTlsBehaviour{NoTlsAction::kClear, NoTlsAction::kDefer, NoTlsAction::kDefer},
                  "swaks 20201014.0", false},
    // smtp.c smtp_init(): every line of the reply, upper-cased, strncmp() of the 8 bytes
    // after the code with "STARTTLS". An MSA client: with tls and tls_starttls on, TLS is
    // required, so mail goes over TLS or not at all; it checks the certificate and the host
    // name (tls_certcheck on by default). GnuTLS, not OpenSSL: Debian 12's default priority
    // string still negotiates TLS 1.0, which OpenSSL-based senders refuse.
    ClientProfile{"msmtp", "msmtp", "msmtp (tls on, tls_starttls on)",
                  "any line of the reply, \"STARTTLS\" as its first 8 letters",
                  EhloRule{EhloLines::kReplyLines, KeywordCase::kInsensitive, KeywordEnd::kPrefix},
                  TlsAcceptance{kTls10, true},
                  NoTlsBehaviour{NoTlsAction::kDefer, NoTlsAction::kDefer, NoTlsAction::kDefer},
                  "msmtp 1.8.23", false},
    // net/smtp smtp.go Client.ehlo(): drops line 1 of the reply (textproto joins its lines
    // with "\n"), then keys a map by each later line's text up to the first SP
    // (strings.Cut), as the server wrote it; Extension() upper-cases only the name asked
    // for, so "starttls" is not found. StartTLS() returns an error on a non-220 reply or a
    // failed handshake, and a program written like smtp.SendMail gives up on the message.
    // crypto/tls: TLS 1.2 at least (Config.MinVersion's default for clients), the
    // certificate verified for Config.ServerName.
    ClientProfile{"go", "Go net/smtp", "Go net/smtp (StartTLS when Extension(\"STARTTLS\"))",
                  "keywords after the greeting, exactly \"STARTTLS\" up to SP",
                  EhloRule{EhloLines::kAfterGreeting, KeywordCase::kSensitive, KeywordEnd::kWord,
                           " "},
                  TlsAcceptance{kTls12, true},
                  NoTlsBehaviour{NoTlsAction::kClear, NoTlsAction::kDefer, NoTlsAction::kDefer},
                  "Go 1.19.8", false},
    // src/SMTP.php parseHelloFields(): line 1 of the reply is the greeting (stored as "EHLO");
    // each later line, its code cut and trim()med, keyed by its first word up to SP, as the
    // server wrote it; PHPMailer::smtpConnect() asks getServerExt('STARTTLS') (SMTPAutoTLS).
    // startTLS() failing, on a non-220 reply or a failed handshake, throws: the message is
    // not sent. PHP's OpenSSL streams verify the certificate (verify_peer, peer_name) and
    // take Debian's OpenSSL defaults, TLS 1.2 at least.
    ClientProfile{"php", "PHPMailer", "PHPMailer (SMTPAutoTLS, STARTTLS when offered)",
                  "keywords after the greeting, exactly \"STARTTLS\" up to SP",
                  EhloRule{EhloLines::kAfterGreeting, KeywordCase::kSensitive, KeywordEnd::kWord,
                           " "},
                  TlsAcceptance{kTls12, true},
                  NoTlsBehaviour{NoTlsAction::kClear, NoTlsAction::kDefer, NoTlsAction::kDefer},
                  "PHPMailer 6.6.3, PHP 8.2.36", false},
    // lib/smtp-connection/index.js _actionEHLO(): /[ -]STARTTLS\b/im over the raw reply, its
    // lines joined (_onData() ends a reply at a line without '-' after the code), so the
    // greeting line, a parameter, a lookalike with '-' and lower case all count.
    // _actionSTARTTLS(): a refused STARTTLS is an error unless opportunisticTLS is set (not by
    // default), and so is a failed upgrade. Node's TLS: TLS 1.2 at least
    // (tls.DEFAULT_MIN_VERSION), the certificate verified (rejectUnauthorized).
    ClientProfile{"nodemailer", "nodemailer", "nodemailer (secure: false, STARTTLS when offered)",
                  "\"STARTTLS\" as any word of any line of the reply",
                  EhloRule{EhloLines::kReplyLines, KeywordCase::kInsensitive, KeywordEnd::kAnyWord},
                  TlsAcceptance{kTls12, true},
                  NoTlsBehaviour{NoTlsAction::kClear, NoTlsAction::kDefer, NoTlsAction::kDefer},
                  "nodemailer 6.8.0, Node.js 20.20.2", false},
    // com/sun/mail/smtp/SMTPTransport.java ehlo(): skips line 1 (the greeting), keys each
    // later line by its text up to the first SP, upper-cased (Locale.ENGLISH), as
    // supportsExtension() asks. With mail.smtp.starttls.enable, protocolConnect() calls
    // startTLS() when the server lists it, which throws on a non-220 reply or a failed
    // handshake: Transport.send() fails. JSSE (Java 17): TLS 1.0 and 1.1 are in
    // jdk.tls.disabledAlgorithms; the chain is checked against the JVM's trust store, but not
    // the name: mail.smtp.ssl.checkserveridentity is false by default in Jakarta Mail 2.0.
    ClientProfile{"java", "Jakarta Mail", "Jakarta Mail (mail.smtp.starttls.enable)",
                  "keywords after the greeting, up to SP, in any case",
                  EhloRule{EhloLines::kAfterGreeting, KeywordCase::kInsensitive, KeywordEnd::kWord,
                           " "},
                  TlsAcceptance{kTls12, true, false},
                  NoTlsBehaviour{NoTlsAction::kClear, NoTlsAction::kDefer, NoTlsAction::kDefer},
                  "Jakarta Mail 2.0.0, OpenJDK 17.0.15", false},
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

// A regular expression's word character (\w, without Unicode): \b lies between one and
// anything else.
bool IsWordCharacter(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

// kAnyWord: "STARTTLS" at the line's start or after SP or '-', not followed by a word
// character.
bool AnyWordIsStarttls(std::string_view line, KeywordCase keyword_case) {
  for (std::size_t at = 0; at + kStarttls.size() <= line.size(); ++at) {
    if (at > 0 && line[at - 1] != ' ' && line[at - 1] != '-') continue;
    const std::size_t end = at + kStarttls.size();
    if (end < line.size() && IsWordCharacter(line[end])) continue;
    if (SameLetters(line.substr(at, kStarttls.size()), kStarttls, keyword_case)) return true;
  }
  return false;
}

}  // namespace

std::span<const ClientProfile> ClientProfiles() { return active_profiles; }

ProfileSet ReportedProfiles() {
  ProfileSet reported;
  const auto profiles = ClientProfiles();
  for (std::size_t i = 0; i < profiles.size(); ++i) reported[i] = profiles[i].reported;
  return reported;
}

std::optional<std::size_t> FindClientProfile(std::string_view name) {
  const auto profiles = ClientProfiles();
  for (std::size_t i = 0; i < profiles.size(); ++i) {
    if (profiles[i].name == name) return i;
  }
  return std::nullopt;
}

bool AnnouncesStarttls(const EhloRule& rule, std::string_view line) {
  if (rule.keyword_end == KeywordEnd::kAnyWord) return AnyWordIsStarttls(line, rule.keyword_case);
  std::string_view keyword = line;
  switch (rule.keyword_end) {
    case KeywordEnd::kWord:
      keyword = line.substr(0, line.find_first_of(rule.word_ends));
      break;
    case KeywordEnd::kWholeLine:
      break;
    case KeywordEnd::kPrefix:
      keyword = line.substr(0, kStarttls.size());
      break;
    case KeywordEnd::kKeywordGrammar: {
      // ASCII only, whatever the locale: the grammar's ALPHA and DIGIT (RFC 5234 B.1).
      const auto end = std::find_if(line.begin(), line.end(), [](char c) {
        return !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '-');
      });
      keyword = line.substr(0, static_cast<std::size_t>(end - line.begin()));
      break;
    }
    case KeywordEnd::kAnyWord:
      break;  // searched above
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
  if (rule.lines == EhloLines::kReplyLines) {
    return std::any_of(reply.lines.begin(), reply.lines.end(), announces);
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
