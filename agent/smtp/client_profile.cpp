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

// What PHP's trim() strips from both ends of a string: SP, HT, LF, CR, NUL and VT.
constexpr std::string_view kPhpTrimmed{" \t\n\r\0\x0B", 6};

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
        EhloRule{EhloLines::kAfterGreeting, KeywordCase::kInsensitive, KeywordEnd::kWord},
        TlsAcceptance{}, NoTlsBehaviour{}, "", ProfileKind::kReading},
    ClientProfile{"lenient", "lenient client", "openssl s_client, testssl.sh",
                  "STARTTLS on any line (openssl s_client)",
                  EhloRule{EhloLines::kAnyLine, KeywordCase::kInsensitive, KeywordEnd::kWord},
                  TlsAcceptance{}, NoTlsBehaviour{}, "", ProfileKind::kReading},
    // smtp_proto.c smtp_helo(): line 1 is the greeting (its first word the server's name);
    // later lines' first word, up to SP, HT or '=', compared with strcasecmp(); but
    // smtp_chat_resp() first censors every non-printable byte to '?', so HT no longer ends
    // it; mystrtok() skips separators before the word, so "250- STARTTLS" counts. With smtp_tls_security_level = may it takes TLS 1.0 and anonymous ciphers
    // (smtp_tls_protocols, smtp_tls_ciphers = medium); a refused STARTTLS continues in clear;
    // a failed handshake defers the message, and a later attempt sends it in clear once the
    // message has waited minimal_backoff_time (PLAINTEXT_FALLBACK_OK_AFTER_STARTTLS_FAILURE).
    ClientProfile{"postfix", "Postfix", "Postfix (smtp_tls_security_level = may)",
                  "RFC 5321 EHLO parsing, keyword up to SP or '='",
                  EhloRule{EhloLines::kAfterGreeting, KeywordCase::kInsensitive, KeywordEnd::kWord,
                           " =", " ="},
                  TlsAcceptance{kTls10, false},
                  NoTlsBehaviour{NoTlsAction::kClear, NoTlsAction::kClear,
                                 NoTlsAction::kDeferThenClear},
                  "Postfix 3.7.11"},
    // The same Postfix enforcing DANE (smtp_tls_security_level = dane, smtp_dns_support_level
    // = dnssec; tests/senders/postfix_dane_test.cpp runs it against signed zones): where an MX
    // host's
    // address and TLSA records validate, TLS is mandatory and must match a usable record (no
    // usable record: TLS without authentication); a TLSA lookup that fails or is bogus makes
    // the host unusable; elsewhere it is the opportunistic `may` above.
    ClientProfile{"postfix_dane", "Postfix (DANE)",
                  "Postfix (smtp_tls_security_level = dane, smtp_dns_support_level = dnssec)",
                  "RFC 5321 EHLO parsing, keyword up to SP or '='; DANE enforced",
                  EhloRule{EhloLines::kAfterGreeting, KeywordCase::kInsensitive, KeywordEnd::kWord,
                           " =", " ="},
                  TlsAcceptance{kTls10, false},
                  NoTlsBehaviour{NoTlsAction::kClear, NoTlsAction::kClear,
                                 NoTlsAction::kDeferThenClear},
                  "Postfix 3.7.11", ProfileKind::kSender, Injection::kDiscarded,
                  OutOfStep::kGivesUp, PolicyEnforcement{true}},
    // A sender that enforces MTA-STS (RFC 8461 §5), modelled from the RFC: Postfix reading
    // the policy through postfix-mta-sts-resolver (a socketmap that turns an enforce policy
    // into "secure match=<mx patterns>") reads EHLO as Postfix does; elsewhere it is the
    // opportunistic `may` above.
    ClientProfile{"mta_sts", "MTA-STS sender",
                  "a sender enforcing MTA-STS (e.g. Postfix with postfix-mta-sts-resolver)",
                  "RFC 5321 EHLO parsing; MTA-STS enforced",
                  EhloRule{EhloLines::kAfterGreeting, KeywordCase::kInsensitive, KeywordEnd::kWord,
                           " =", " ="},
                  TlsAcceptance{kTls10, false},
                  NoTlsBehaviour{NoTlsAction::kClear, NoTlsAction::kClear,
                                 NoTlsAction::kDeferThenClear},
                  "", ProfileKind::kSender, Injection::kDiscarded, OutOfStep::kGivesUp,
                  PolicyEnforcement{false, true}},
    // smtplib.SMTP.ehlo(): drops line 1, matches [A-Za-z0-9][A-Za-z0-9-]* at the start of each
    // later line (getreply() strips its blanks first), lower-cased; starttls() raises on a non-220 reply and on a failed handshake,
    // so the usual "starttls() when has_extn('starttls')" code sends nothing then. Its
    // default context verifies no certificate.
    ClientProfile{"python", "Python smtplib", "Python smtplib (starttls() when offered)",
                  "keywords after the greeting, RFC 5321 keyword characters",
                  EhloRule{EhloLines::kAfterGreeting, KeywordCase::kInsensitive,
                           KeywordEnd::kKeywordGrammar, " \t=", " \t"},
                  TlsAcceptance{kTls12, false},
                  NoTlsBehaviour{NoTlsAction::kClear, NoTlsAction::kDefer, NoTlsAction::kDefer},
                  "Python 3.11.2"},
    // lib/smtp.c smtp_state_ehlo_resp(): every line of the reply, memcmp() of the 8 bytes
    // after the code with "STARTTLS". --ssl (CURLUSESSL_TRY) goes on in clear when STARTTLS is
    // missing or refused; a failed handshake or an unverified certificate ends the transfer.
    // Text after the 220 to STARTTLS stays in its buffer and reaches TLS as the server's
    // handshake, which fails.
    ClientProfile{"curl", "curl", "curl --ssl (try STARTTLS, certificate verified)",
                  "any line of the reply, \"STARTTLS\" as its first 8 bytes",
                  EhloRule{EhloLines::kReplyLines, KeywordCase::kSensitive, KeywordEnd::kPrefix},
                  TlsAcceptance{kTls12, true},
                  NoTlsBehaviour{NoTlsAction::kClear, NoTlsAction::kClear, NoTlsAction::kDefer},
                  "curl 7.88.1", ProfileKind::kSender, Injection::kFailsHandshake},
    // do_smtp_helo(): every line of the reply, the code stripped, matched with /^STARTTLS$/
    // (capitals, the whole line). --tls-optional-strict: in clear when STARTTLS is missing,
    // an error when it is refused or the handshake fails. Net::SSLeay verifies no
    // certificate unless asked. Text after the 220 to STARTTLS is read as the reply to the
    // EHLO it sends over TLS: from then on every reply is the previous command's.
    ClientProfile{"swaks", "swaks", "swaks --tls-optional-strict",
                  "any line of the reply, exactly \"STARTTLS\"",
                  EhloRule{EhloLines::kReplyLines, KeywordCase::kSensitive, KeywordEnd::kWholeLine},
                  TlsAcceptance{kTls12, false},
                  NoTlsBehaviour{NoTlsAction::kClear, NoTlsAction::kDefer, NoTlsAction::kDefer},
                  "swaks 20201014.0", ProfileKind::kSender, Injection::kDesynchronises},
    // smtp.c smtp_init(): every line of the reply, upper-cased, strncmp() of the 8 bytes
    // after the code with "STARTTLS". An MSA client: with tls and tls_starttls on, TLS is
    // required, so mail goes over TLS or not at all; it checks the certificate and the host
    // name (tls_certcheck on by default). GnuTLS, not OpenSSL: Debian 12's default priority
    // string still negotiates TLS 1.0, which OpenSSL-based senders refuse. Text after the 220
    // to STARTTLS reaches GnuTLS as the handshake, which fails.
    ClientProfile{"msmtp", "msmtp", "msmtp (tls on, tls_starttls on)",
                  "any line of the reply, \"STARTTLS\" as its first 8 letters",
                  EhloRule{EhloLines::kReplyLines, KeywordCase::kInsensitive, KeywordEnd::kPrefix},
                  TlsAcceptance{kTls10, true},
                  NoTlsBehaviour{NoTlsAction::kDefer, NoTlsAction::kDefer, NoTlsAction::kDefer},
                  "msmtp 1.8.23", ProfileKind::kSender, Injection::kFailsHandshake},
    // Net::SMTP hello(): every line of the reply (Net::Cmd response() reads up to the first
    // final line), line 1 included, keyed by uc() of the first match of /([-\w]+)\b/ in it;
    // supports('STARTTLS') returns the rest of the line, defined when the key exists (a bare
    // "STARTTLS" gives "", so programs test it with defined()). IO::Socket::SSL verifies the
    // certificate and its name by default. starttls() returns false on a refused STARTTLS or
    // a failed handshake, and a program that checks it ("starttls() or die") sends nothing.
    ClientProfile{"perl", "Perl Net::SMTP", "Perl Net::SMTP (starttls() when supported)",
                  "any line of the reply, the first word run, any case",
                  EhloRule{EhloLines::kReplyLines, KeywordCase::kInsensitive,
                           KeywordEnd::kFirstWordRun},
                  TlsAcceptance{kTls12, true},
                  NoTlsBehaviour{NoTlsAction::kClear, NoTlsAction::kDefer, NoTlsAction::kDefer},
                  "Perl 5.36.0 Net::SMTP 3.14, IO::Socket::SSL 2.081"},
    // net/smtp.rb Response#capabilities: nothing from a one-line reply, else lines 2.. of the
    // reply, each split(' ') (any ASCII white space ends the word, and white space before it
    // is skipped), looked up in capitals
    // only by capable_starttls?. do_start() with starttls :auto (enable_starttls_auto, the
    // default) raises when STARTTLS is refused or the handshake fails; tls_verify (on by
    // default) checks the certificate and the name (OpenSSL's VERIFY_PEER, verify_hostname).
    // Its SSLContext sets min_version TLS 1.0, yet OpenSSL's security level refuses TLS 1.0
    // and 1.1 (their MD5-SHA1 signatures) all the same.
    ClientProfile{"ruby", "Ruby net-smtp", "Ruby net-smtp (enable_starttls_auto)",
                  "keywords after the greeting, \"STARTTLS\" in capitals up to white space",
                  EhloRule{EhloLines::kAfterGreeting, KeywordCase::kSensitive, KeywordEnd::kWord,
                           " \t\v\f\r", " \t\v\f\r"},
                  TlsAcceptance{kTls12, true},
                  NoTlsBehaviour{NoTlsAction::kClear, NoTlsAction::kDefer, NoTlsAction::kDefer},
                  "Ruby 3.1.2 net-smtp 0.3.1"},
    // mta_session.c mta_io(): in state MTA_EHLO every line of the reply, line 1 included, is
    // compared whole with strcmp(msg, "STARTTLS"). Lines after a final line that came in the
    // same read end the session ("Remote host sent too much data": the message waits), the
    // 220 to STARTTLS with text after it too. A relay action
    // without `tls` is opportunistic (RELAY_TLS_OPPORTUNISTIC, no RELAY_TLS_VERIFY): no
    // certificate check (the result is only logged); STARTTLS missing or refused goes on in
    // clear (MTA_AUTH); a failed handshake sets MTA_DOWNGRADE_PLAIN and mta_connect() tries
    // again in clear on a new connection. ssl_ctx_create() leaves the protocol versions to
    // OpenSSL's defaults.
    ClientProfile{"opensmtpd", "OpenSMTPD", "OpenSMTPD (relay without tls: opportunistic)",
                  "any line of the reply, exactly \"STARTTLS\"",
                  EhloRule{EhloLines::kReplyLines, KeywordCase::kSensitive, KeywordEnd::kWholeLine},
                  TlsAcceptance{kTls12, false},
                  NoTlsBehaviour{NoTlsAction::kClear, NoTlsAction::kClear,
                                 NoTlsAction::kClearRetry},
                  "OpenSMTPD 6.8.0p2", ProfileKind::kSender, Injection::kEndsSession},
    // transports/smtp.c ehlo_response(): regex_STARTTLS, "\n250[\s\-]STARTTLS(\s|\n|$)",
    // over the reply's lines joined by '\n' (smtp_out.c smtp_read_response()): never line 1,
    // which no '\n' precedes; capitals only; the keyword ends at white space or the line's
    // end (read_response_line() strips trailing white space). GnuTLS with its NORMAL
    // priorities, which Debian 12 lets negotiate TLS 1.0; the certificate is checked but a
    // failure tolerated (tls_try_verify_hosts = *). A refused STARTTLS goes on in clear on
    // the same connection; a failed handshake is retried in clear on a new connection
    // (smtp_deliver()'s caller, tls_tempfail_tryclear = true). Text after the 220 to STARTTLS
    // is a "synch error before connect": handled as a failed handshake.
    ClientProfile{"exim", "Exim", "Exim (default opportunistic TLS)",
                  "keywords after the greeting, exactly \"STARTTLS\" up to white space",
                  EhloRule{EhloLines::kAfterGreeting, KeywordCase::kSensitive, KeywordEnd::kWord,
                           " \t\v\f\r"},
                  TlsAcceptance{kTls10, false},
                  NoTlsBehaviour{NoTlsAction::kClear, NoTlsAction::kClear,
                                 NoTlsAction::kClearRetry},
                  "Exim 4.96", ProfileKind::kSender, Injection::kFailsHandshake},
    // usersmtp.c helo_options(): line 1 of the reply skipped (firstline); on later lines the
    // keyword after the code ends at SP or '=' (strpbrk(line, " =")) and is compared with
    // SM_STRCASEEQ(). deliver.c: STARTTLS whenever offered (the try_tls ruleset is empty);
    // starttls() turns a 4xx/5xx reply into EX_TEMPFAIL / EX_UNAVAILABLE, which the empty
    // tls_server ruleset lets go on in clear on the same connection; a failed handshake
    // (EX_SOFTWARE) drops the connection and, TLSFallbacktoClear unset, defers the message
    // (tls_server answers verify=SOFTWARE "454 TLS handshake failed."). OpenSSL with Debian
    // 12's defaults: TLS 1.2 at least; no certificate check is required (tls_server accepts
    // verify=FAIL).
    ClientProfile{"sendmail", "Sendmail", "Sendmail (default STARTTLS client)",
                  "RFC 5321 EHLO parsing, keyword up to SP or '='",
                  EhloRule{EhloLines::kAfterGreeting, KeywordCase::kInsensitive, KeywordEnd::kWord,
                           " ="},
                  TlsAcceptance{kTls12, false},
                  NoTlsBehaviour{NoTlsAction::kClear, NoTlsAction::kClear, NoTlsAction::kDefer},
                  "Sendmail 8.17.1.9"},
    // Modelled from Cisco's documentation; no test can run an ESA, so nothing verifies it.
    // Cisco's TAC note on the seed case ("STARTTLS command not supported") says the ESA takes
    // line 1 of the EHLO reply as the greeting, as RFC 1869 §4.3 does. Its user guide
    // (Destination Controls, TLS "Preferred", the opportunistic setting): a negotiation that
    // fails before the 220 reply to STARTTLS (STARTTLS missing or refused) continues in clear,
    // an error after the 220 (the handshake) does not fall back to clear text; no
    // certificate check. TLS 1.2 and later is an assumption (the protocols recent AsyncOS
    // releases enable by default), not a documented fact of the Preferred setting.
    ClientProfile{"cisco_esa", "Cisco ESA", "Cisco Email Security Appliance (TLS Preferred)",
                  "RFC 1869 EHLO parsing: keywords after the greeting",
                  EhloRule{EhloLines::kAfterGreeting, KeywordCase::kInsensitive, KeywordEnd::kWord},
                  TlsAcceptance{kTls12, false},
                  NoTlsBehaviour{NoTlsAction::kClear, NoTlsAction::kClear, NoTlsAction::kDefer},
                  ""},
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
                  "Go 1.19.8"},
    // src/SMTP.php parseHelloFields(): line 1 of the reply is the greeting (stored as "EHLO");
    // each later line, its code cut and trim()med (blanks at both ends go), keyed by its first
    // word up to SP, as the server wrote it; PHPMailer::smtpConnect() asks
    // getServerExt('STARTTLS') (SMTPAutoTLS). startTLS() failing, on a non-220 reply or a
    // failed handshake, throws: the message is not sent. Text after the 220 stays in PHP's
    // stream buffer across stream_socket_enable_crypto() and is read over TLS as the reply to
    // the next EHLO. PHP's OpenSSL streams verify the certificate (verify_peer, peer_name) and
    // take Debian's OpenSSL defaults, TLS 1.2 at least.
    ClientProfile{"php", "PHPMailer", "PHPMailer (SMTPAutoTLS, STARTTLS when offered)",
                  "keywords after the greeting, exactly \"STARTTLS\" up to SP",
                  EhloRule{EhloLines::kAfterGreeting, KeywordCase::kSensitive, KeywordEnd::kWord,
                           " ", kPhpTrimmed, kPhpTrimmed},
                  TlsAcceptance{kTls12, true},
                  NoTlsBehaviour{NoTlsAction::kClear, NoTlsAction::kDefer, NoTlsAction::kDefer},
                  "PHPMailer 6.6.3, PHP 8.2.36", ProfileKind::kSender, Injection::kDesynchronises},
    // lib/smtp-connection/index.js _actionEHLO(): /[ -]STARTTLS\b/im over the raw reply, its
    // lines joined (_onData() ends a reply at a line without '-' after the code), so the
    // greeting line, a parameter, a lookalike with '-' and lower case all count.
    // _actionSTARTTLS(): a refused STARTTLS is an error unless opportunisticTLS is set (not by
    // default), and so is a failed upgrade; text after the 220 reaches the TLS socket as the
    // server's handshake. Each reply is judged by its first digit alone (_actionDATA takes 2xx
    // as well as 3xx), so lines after a final line do not stop a message. Node's TLS: TLS 1.2
    // at least (tls.DEFAULT_MIN_VERSION), the certificate verified (rejectUnauthorized).
    ClientProfile{"nodemailer", "nodemailer", "nodemailer (secure: false, STARTTLS when offered)",
                  "\"STARTTLS\" as any word of any line of the reply",
                  EhloRule{EhloLines::kReplyLines, KeywordCase::kInsensitive, KeywordEnd::kAnyWord},
                  TlsAcceptance{kTls12, true},
                  NoTlsBehaviour{NoTlsAction::kClear, NoTlsAction::kDefer, NoTlsAction::kDefer},
                  "nodemailer 6.8.0, Node.js 20.20.2", ProfileKind::kSender,
                  Injection::kFailsHandshake, OutOfStep::kSendsOnPositiveReplies},
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
                  "Jakarta Mail 2.0.0, OpenJDK 17.0.15"},
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

namespace {

ProfileSet OfKind(ProfileKind kind) {
  ProfileSet set;
  const auto profiles = ClientProfiles();
  for (std::size_t i = 0; i < profiles.size(); ++i) set[i] = profiles[i].kind == kind;
  return set;
}

}  // namespace

ProfileSet DefaultSenders() { return OfKind(ProfileKind::kReading); }

ProfileSet RealSenders() { return OfKind(ProfileKind::kSender); }

std::vector<std::string_view> ProfileNames() {
  std::vector<std::string_view> names;
  for (const auto& profile : ClientProfiles()) names.push_back(profile.name);
  return names;
}

std::optional<std::size_t> FindClientProfile(std::string_view name) {
  const auto profiles = ClientProfiles();
  for (std::size_t i = 0; i < profiles.size(); ++i) {
    if (profiles[i].name == name) return i;
  }
  return std::nullopt;
}

bool AnnouncesStarttls(const EhloRule& rule, std::string_view line) {
  if (!rule.leading_skipped.empty()) {
    line.remove_prefix(std::min(line.find_first_not_of(rule.leading_skipped), line.size()));
  }
  if (!rule.trailing_skipped.empty()) {
    const std::size_t last = line.find_last_not_of(rule.trailing_skipped);
    line = line.substr(0, last == std::string_view::npos ? 0 : last + 1);
  }
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
    case KeywordEnd::kFirstWordRun: {
      // Perl's \w on a byte string: ASCII letters, digits and '_' only.
      const auto word = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_';
      };
      const auto in_run = [&word](char c) { return word(c) || c == '-'; };
      // The regex tries each start in turn; a start matches once its run holds a word
      // character (the \b after it), and the match ends at the run's last word character.
      keyword = {};
      for (std::size_t begin = 0; begin < line.size();) {
        if (!in_run(line[begin])) {
          ++begin;
          continue;
        }
        std::size_t end = begin;
        std::size_t last_word = std::string_view::npos;
        for (; end < line.size() && in_run(line[end]); ++end) {
          if (word(line[end])) last_word = end;
        }
        if (last_word != std::string_view::npos) {
          keyword = line.substr(begin, last_word + 1 - begin);
          break;
        }
        begin = end;
      }
      break;
    }
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
