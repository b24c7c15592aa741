#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "dns/mail_routing.hpp"
#include "policy/domain_policy.hpp"
#include "probe/keyword_list.hpp"
#include "probe/transcript.hpp"
#include "smtp/ehlo_classifier.hpp"
#include "smtp/finding.hpp"
#include "tls/tls_facts.hpp"

namespace stx::probe {

/// Stages of one probe; each has its own deadline.
enum class Stage { kDns, kConnect, kBanner, kEhlo, kStarttls, kTlsHandshake, kEhloTls, kQuit };
/// "dns", "connect", "banner", "ehlo", "starttls", "tls_handshake", "ehlo_tls", "quit".
std::string_view ToString(Stage stage);

/// What went wrong at a stage.
enum class FailureKind {
  kTimeout,
  kRefused,      ///< TCP connection refused
  kUnreachable,  ///< network or host unreachable
  kClosed,       ///< peer closed the connection
  kReset,        ///< connection reset by peer
  kRejected,     ///< 4xx/5xx reply where 2xx was needed (421 excepted)
  /// 421: the server is closing the channel (RFC 5321 §3.8, §4.2.3): shutting down, or
  /// limiting connections. Transient and often aimed at the prober itself, unlike a 5xx
  /// refusal of service or of our EHLO name; an SRE acts differently on each.
  kUnavailable,
  kProtocolViolation,  ///< bytes that are not an SMTP reply
  kTooLarge,           ///< reply over the line/lines/bytes limits
  kNxDomain,
  kServFail,
  kNoData,
  kDnsRefused,
  kFailed,  ///< anything else; see detail
};
/// "timeout", "refused", "unreachable", "closed", "reset", "rejected", "unavailable",
/// "protocol_violation", "too_large", "nxdomain", "servfail", "nodata", "dns_refused", "failed".
std::string_view ToString(FailureKind kind);

/// The failure kind of a negative reply where 2xx (or 220) was needed: kUnavailable for 421,
/// kRejected for every other code.
FailureKind RefusalKind(int reply_code);

/// A failure as data: the stage, what happened, and a sentence for humans.
struct ProbeError {
  Stage stage = Stage::kConnect;
  FailureKind kind = FailureKind::kFailed;
  std::string detail;
  /// Machine-readable reason "<stage>_<kind>", e.g. "banner_timeout", "dns_nxdomain".
  std::string Reason() const;
};

/// What happened to the STARTTLS upgrade.
enum class TlsOutcome {
  kNotAttempted,     ///< STARTTLS not advertised anywhere, or no EHLO reply
  kEstablished,      ///< handshake completed (certificate problems are in TlsFacts)
  kStarttlsRefused,  ///< 4xx/5xx answer to STARTTLS (RFC 3207 §4: 454 / 501)
  kStarttlsFailed,   ///< no usable answer to STARTTLS (timeout, closed, garbage)
  kHandshakeFailed,  ///< the TLS handshake did not complete
};
/// "not_attempted", "established", "starttls_refused", "starttls_failed", "handshake_failed".
std::string_view ToString(TlsOutcome outcome);

/// What the EHLO reply said, as a result keeps it: smtp::EhloAnalysis with its keywords in one
/// string and without its findings (they go to AddressProbeResult::findings).
struct EhloSummary {
  smtp::EhloClass ehlo_class = smtp::EhloClass::kError;
  std::string greeting;            ///< first token of line 1 (normally the server's domain)
  KeywordList keywords;            ///< extension keywords of lines 2.., upper-cased
  smtp::ProfileSet sees_starttls;  ///< as smtp::EhloAnalysis::sees_starttls
  std::size_t starttls_line = 0;   ///< as smtp::EhloAnalysis::starttls_line

  EhloSummary() = default;
  explicit EhloSummary(const smtp::EhloAnalysis& analysis);
  /// Back to an analysis (no findings), for smtp::ExplainMisordered and CorrectedEhloReply.
  smtp::EhloAnalysis Analysis() const;
};

struct StageDuration {
  Stage stage;
  double seconds = 0;
};

/// A second STARTTLS handshake made as a mainstream sender makes it
/// (tls::UseMainstreamSettings), on a connection of its own: the probe's first handshake
/// offers every cipher OpenSSL has, and when the server chose one that no sender offers, that
/// session says nothing of what a sender gets.
struct MainstreamHandshake {
  std::string why;  ///< what of the first session no mainstream sender offers
  TlsOutcome outcome = TlsOutcome::kNotAttempted;
  std::string detail;                ///< why it failed (or got no further), when it did
  std::optional<tls::TlsFacts> tls;  ///< the session, when it was established
};

/// Result of probing one address of one MX host. Knows nothing of Prometheus.
struct AddressProbeResult {
  std::string mx_host;  ///< the host name the certificate must match (or the address literal)
  std::uint16_t mx_preference = 0;
  boost::asio::ip::address address;
  std::uint16_t port = 25;
  /// As AddressTarget::tlsa: what DANE asks of this address (null: DANE does not apply).
  std::shared_ptr<const dns::TlsaAnswer> tlsa;
  /// As AddressTarget::address_dnssec.
  dns::DnssecStatus address_dnssec = dns::DnssecStatus::kInsecure;
  /// The partner's MTA-STS policy in force (enforce or testing) when it was discovered, shared
  /// by every result of the target; null without one (or when policies were not looked up).
  std::shared_ptr<const policy::StsPolicy> sts;
  std::chrono::system_clock::time_point started_at;
  double duration_seconds = 0;
  std::vector<StageDuration> stage_durations;

  smtp::EhloClass ehlo_class = smtp::EhloClass::kError;
  std::optional<ProbeError> error;  ///< set exactly when ehlo_class == kError
  std::string banner;               ///< the banner reply, one line, escaped
  EhloSummary ehlo;
  /// Misordered only: the raw lines of the EHLO reply and of any lines the server sent after
  /// its final line, each ended by '\n' (no reply line holds one: LF ends a line). The
  /// explanation for the partner and the corrected reply are built from them when shown
  /// (assess/explanation.hpp): their text is longer than the rest of a result, and few
  /// results are ever shown. Empty for other classes.
  std::string misordered_ehlo;
  /// Lines arrived after the EHLO reply's final line, and they form whole replies, each
  /// positive (2xx): a sender that reads them as the replies to its next commands and judges
  /// a reply by its first digit alone goes on with the message (smtp::OutOfStep).
  bool ehlo_trailing_positive = false;

  TlsOutcome tls_outcome = TlsOutcome::kNotAttempted;
  std::string tls_detail;  ///< the STARTTLS refusal or the handshake error
  std::optional<tls::TlsFacts> tls;
  KeywordList ehlo_tls_keywords;  ///< extensions offered after TLS
  /// Set when the first session used a cipher no mainstream sender offers: rare, so held by
  /// pointer, and other results pay only for an empty one.
  std::shared_ptr<const MainstreamHandshake> mainstream;

  std::vector<smtp::Finding> findings;
  Transcript transcript;
  bool transcript_truncated = false;
};

/// What AddressProbeResult::misordered_ehlo holds for an EHLO reply and the lines the server
/// sent after its final line.
std::string StoredEhloLines(const smtp::Reply& reply, const std::vector<smtp::ReplyLine>& trailing);

/// AddressProbeResult::misordered_ehlo read back: the EHLO reply and the lines after its
/// final line.
struct StoredEhlo {
  smtp::Reply reply;
  std::vector<smtp::ReplyLine> trailing;
};
StoredEhlo ReadStoredEhlo(const AddressProbeResult& result);

/// Gives back the growth slack of every container in `result` (kept until the next probe).
void ShrinkToFit(AddressProbeResult& result);

/// Result of `check <target>`: a domain (MX lookup) or one host:port.
struct TargetProbeResult {
  std::string target;   ///< as given
  std::string domain;   ///< the domain, or the host for host:port targets
  bool direct = false;  ///< host:port given: no MX lookup
  std::optional<dns::MailRouting> routing;
  /// MTA-STS and TLS-RPT, when they were looked up (TargetProbeOptions::policies).
  std::shared_ptr<const policy::DomainPolicy> policy;
  std::optional<ProbeError> error;  ///< DNS failure before any address could be probed
  std::vector<AddressProbeResult> results;
  double duration_seconds = 0;
};

}  // namespace stx::probe
