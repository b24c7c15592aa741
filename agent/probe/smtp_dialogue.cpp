#include "probe/smtp_dialogue.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <algorithm>
#include <utility>

#include "common/server_spec.hpp"
#include "probe/reply_channel.hpp"
#include "probe/transcript_recorder.hpp"
#include "smtp/ehlo_classifier.hpp"
#include "tls/client_context.hpp"

namespace stx::probe {
namespace {

namespace beast = boost::beast;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

FailureKind KindOf(const error_code& ec) {
  if (ec == beast::error::timeout) return FailureKind::kTimeout;
  if (ec == asio::error::connection_refused) return FailureKind::kRefused;
  if (ec == asio::error::network_unreachable || ec == asio::error::host_unreachable) {
    return FailureKind::kUnreachable;
  }
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated)
    return FailureKind::kClosed;
  if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe)
    return FailureKind::kReset;
  return FailureKind::kFailed;
}

std::string Describe(const error_code& ec) {
  switch (KindOf(ec)) {
    case FailureKind::kTimeout:
      return "timed out";
    case FailureKind::kClosed:
      return "connection closed by the server";
    case FailureKind::kReset:
      return "connection reset by the server";
    default:
      return ec.message();
  }
}

// Why a handshake failed, specific enough to act on: OpenSSL's reason for a protocol failure;
// for a timeout or a hangup, how far the handshake got ("SSLv3/TLS write client hello": the
// server never answered the ClientHello; "SSLv3/TLS read server hello": it stopped after it).
std::string HandshakeFailure(const error_code& ec, SSL* ssl) {
  std::string cause = Describe(ec);
  if (ec.category() == asio::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_EXCESSIVE_MESSAGE_SIZE) {
    return "a handshake message over the client's limit (" + cause +
           "): a certificate chain may hold at most " +
           std::to_string(tls::kMaxCertificateChainBytes) + " bytes";
  }
  // After a fatal alert OpenSSL's state is just "error": nothing to add then.
  const std::string state = SSL_state_string_long(ssl);
  return state == "error" ? cause : cause + " (handshake state: " + state + ")";
}

bool IsIpLiteral(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// One probe of one address. The object lives in the coroutine frame of ProbeAddress.
class SmtpDialogue {
 public:
  SmtpDialogue(AddressTarget target, ProbeOptions options, asio::ssl::context& tls_context)
      : target_(std::move(target)),
        options_(std::move(options)),
        tls_context_(tls_context),
        channel_(options_.limits),
        transcript_(options_.max_transcript_lines) {}

  awaitable<AddressProbeResult> Run() {
    result_.mx_host = target_.mx_host;
    result_.mx_preference = target_.mx_preference;
    result_.address = target_.address;
    result_.port = target_.port;
    result_.tlsa = target_.tlsa;
    result_.address_dnssec = target_.address_dnssec;
    result_.started_at = std::chrono::system_clock::now();
    start_ = Clock::now();
    deadline_ = start_ + options_.timeout;
    try {
      co_await Dialogue();
    } catch (const std::exception& e) {
      // Nothing below should throw; if it does, it is a failure of this probe only.
      if (!result_.error && result_.ehlo_class == smtp::EhloClass::kError) {
        Fail(stage_, FailureKind::kFailed, e.what());
      }
    }
    result_.duration_seconds = Seconds(Clock::now() - start_);
    transcript_.MoveInto(result_.transcript, result_.transcript_truncated);
    co_return std::move(result_);
  }

 private:
  static double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

  // Each stage gets its own limit, never past the probe's overall deadline.
  void BeginStage(Stage stage, beast::tcp_stream& stream, std::chrono::milliseconds limit) {
    stage_ = stage;
    stage_start_ = Clock::now();
    stage_deadline_ = std::min(stage_start_ + limit, deadline_);
    stream.expires_at(stage_deadline_);
  }
  void EndStage() {
    result_.stage_durations.push_back({stage_, Seconds(Clock::now() - stage_start_)});
  }

  void Fail(Stage stage, FailureKind kind, std::string detail) {
    result_.ehlo_class = smtp::EhloClass::kError;
    result_.error = ProbeError{stage, kind, std::move(detail)};
    transcript_.Note(std::string(ToString(stage)) + ": " + result_.error->detail);
  }

  // Turns a failed read into a stage failure; returns false then.
  bool Check(const ReadOutcome& read, const char* what) {
    if (read.reply) return true;
    Evidence(read);
    if (read.io_error) {
      const FailureKind kind = KindOf(read.io_error);
      std::string detail = std::string("no complete ") + what + ": " + Describe(read.io_error);
      if (kind == FailureKind::kTimeout) {
        detail = std::string("no complete ") + what + " within " +
                 std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() -
                                                                                      stage_start_)
                                    .count()) +
                 " ms";
      }
      Fail(stage_, kind, std::move(detail));
    } else {
      const bool too_large = read.parse_error != smtp::ReplyError::kMalformedLine;
      Fail(stage_, too_large ? FailureKind::kTooLarge : FailureKind::kProtocolViolation,
           std::string(what) + ": " + read.parse_detail);
    }
    return false;
  }

  // What a failed read did receive, for the transcript: complete lines, and a line cut short.
  void Evidence(const ReadOutcome& read) {
    if (!read.partial.lines.empty()) transcript_.Server(read.partial, encrypted_);
    if (!read.unterminated.empty()) {
      transcript_.Note("unterminated line (" + std::to_string(read.unterminated.size()) +
                           " bytes): " + smtp::EscapeForDisplay(read.unterminated.substr(0, 120)),
                       encrypted_);
    }
  }

  void AddFindings(std::vector<smtp::Finding> findings, const char* context) {
    for (auto& f : findings) {
      f.context = context;
      result_.findings.push_back(std::move(f));
    }
  }

  template <class Stream>
  awaitable<error_code> Send(Stream& stream, const std::string& command) {
    transcript_.Client(command, encrypted_);
    const std::string line = command + "\r\n";
    error_code ec;
    co_await asio::async_write(stream, asio::buffer(line),
                               asio::redirect_error(asio::use_awaitable, ec));
    co_return ec;
  }

  awaitable<void> Dialogue() {
    auto executor = co_await asio::this_coro::executor;
    beast::tcp_stream tcp(executor);
    error_code ec;

    BeginStage(Stage::kConnect, tcp, options_.connect_timeout);
    const asio::ip::tcp::endpoint endpoint(target_.address, target_.port);
    co_await tcp.async_connect(endpoint, asio::redirect_error(asio::use_awaitable, ec));
    EndStage();
    if (ec) {
      Fail(Stage::kConnect, KindOf(ec), "connect to " + Endpoint() + ": " + Describe(ec));
      co_return;
    }
    transcript_.Note("connected to " + Endpoint());

    // RFC 5321 §3.1: the server speaks first with 220; 554 (or anything else) means no service.
    BeginStage(Stage::kBanner, tcp, options_.reply_timeout);
    ReadOutcome banner = co_await channel_.Read(tcp);
    EndStage();
    if (!Check(banner, "banner")) co_return;
    transcript_.Server(*banner.reply, false);
    result_.banner = banner.reply->Summary();
    AddFindings(std::move(banner.reply->findings), "banner");
    if (smtp::LooksLikeMaskedBanner(*banner.reply)) {
      result_.findings.push_back({smtp::FindingCode::kBannerMasked, "banner",
                                  "the banner is masked with asterisks: an SMTP inspection "
                                  "device (e.g. Cisco PIX/ASA) rewrites this dialogue"});
    }
    if (banner.reply->code != 220) {
      // RFC 5321 §3.1: 554 instead of 220 refuses service; 421 means "try later" (§3.8).
      Fail(Stage::kBanner, RefusalKind(banner.reply->code), "banner is not 220: " + result_.banner);
      co_return;
    }

    BeginStage(Stage::kEhlo, tcp, options_.reply_timeout);
    if (ec = co_await Send(tcp, "EHLO " + options_.ehlo_name); ec) {
      EndStage();
      Fail(Stage::kEhlo, KindOf(ec), "sending EHLO: " + Describe(ec));
      co_return;
    }
    ReadOutcome ehlo = co_await channel_.Read(tcp);
    if (!ehlo.reply || !ehlo.reply->Positive()) EndStage();
    if (!Check(ehlo, "EHLO reply")) co_return;
    transcript_.Server(*ehlo.reply, false);
    if (!ehlo.reply->Positive()) {
      Fail(Stage::kEhlo, RefusalKind(ehlo.reply->code), "EHLO refused: " + ehlo.reply->Summary());
      co_return;
    }
    // RFC 5321 §4.2.1: the reply ends at the first line without '-'. Lines sent after it
    // belong to no command; strict clients ignore them, but a misordered STARTTLS may hide there.
    // TCP may deliver them in a later segment than the final line, so the probe waits for them
    // a little (options_.trailing_grace, never past the stage's deadline), only where that can
    // change the result: when the reply read as RFC 5321 says has no STARTTLS (a STARTTLS after
    // it makes the class misordered), and when lines after it have begun (read to their final
    // line, their tail is not taken for the reply to our next command). The wait ends as soon
    // as what came after ends with a final line. A compliant reply with nothing after it
    // waits for nothing.
    const bool compliant =
        smtp::ClassifyEhlo(*ehlo.reply).ehlo_class == smtp::EhloClass::kCompliant;
    const ReplyChannel::Trailing trailing = co_await channel_.ReadTrailing(
        tcp.socket(), std::min(Clock::now() + options_.trailing_grace, stage_deadline_),
        !compliant);
    EndStage();
    if (trailing.bytes > 0) {
      transcript_.ServerLines(trailing.lines, false);
      transcript_.Note(std::to_string(trailing.bytes) +
                       " bytes after the final line of the EHLO reply");
      result_.findings.push_back({smtp::FindingCode::kTextAfterFinalLine, "ehlo",
                                  std::to_string(trailing.lines.size()) + " lines (" +
                                      std::to_string(trailing.bytes) +
                                      " bytes) arrived after the final line of the EHLO reply"});
      std::size_t complete = 0;
      for (const smtp::ReplyLine& line : trailing.lines) complete += line.octets;
      result_.ehlo_trailing_positive =
          complete == trailing.bytes && !trailing.lines.back().continued &&
          std::all_of(trailing.lines.begin(), trailing.lines.end(),
                      [](const smtp::ReplyLine& line) { return line.code / 100 == 2; });
    }
    smtp::EhloAnalysis analysis = smtp::ClassifyEhlo(*ehlo.reply, trailing.lines);
    result_.ehlo = EhloSummary(analysis);
    result_.ehlo_class = result_.ehlo.ehlo_class;
    AddFindings(std::move(ehlo.reply->findings), "ehlo");
    AddFindings(std::move(analysis.findings), "ehlo");
    if (result_.ehlo_class == smtp::EhloClass::kMisordered) {
      // What Explanation() and CorrectedEhlo() are built from, when shown.
      result_.misordered_ehlo = StoredEhloLines(*ehlo.reply, trailing.lines);
    }

    // Upgrade when any profile of the table sees STARTTLS: what it then gets is the question.
    if (result_.ehlo.sees_starttls.none()) {
      co_await Quit(tcp, tcp);
      co_return;
    }
    co_await StartTls(tcp);
  }

  awaitable<void> StartTls(beast::tcp_stream& tcp) {
    BeginStage(Stage::kStarttls, tcp, options_.reply_timeout);
    if (const error_code ec = co_await Send(tcp, "STARTTLS"); ec) {
      EndStage();
      TlsFailed(TlsOutcome::kStarttlsFailed, "sending STARTTLS: " + Describe(ec));
      co_return;
    }
    ReadOutcome reply = co_await channel_.Read(tcp);
    EndStage();
    if (!reply.reply) {
      Evidence(reply);
      TlsFailed(TlsOutcome::kStarttlsFailed,
                reply.io_error ? Describe(reply.io_error) : reply.parse_detail);
      co_return;
    }
    transcript_.Server(*reply.reply, false);
    AddFindings(std::move(reply.reply->findings), "starttls");
    if (reply.reply->code != 220) {
      // RFC 3207 §4: 454 "TLS not available due to temporary reason", 501 syntax error.
      TlsFailed(
          reply.reply->Positive() ? TlsOutcome::kStarttlsFailed : TlsOutcome::kStarttlsRefused,
          reply.reply->Summary());
      if (reply.reply->code == 421) {
        // RFC 5321 §3.8: after 421 the server closes the channel; a QUIT would only wait.
        error_code ignored;
        tcp.socket().close(ignored);
        co_return;
      }
      co_await Quit(tcp, tcp);
      co_return;
    }
    // RFC 3207 §4.2: the client MUST discard what it knows from before TLS; anything the server
    // sent after its 220 and before the handshake was injected in clear text.
    const ReplyChannel::Trailing injected = channel_.DrainTrailing(tcp.socket());
    if (injected.bytes > 0) {
      transcript_.ServerLines(injected.lines, false);
      result_.findings.push_back({smtp::FindingCode::kPlaintextInjection, "starttls",
                                  std::to_string(injected.bytes) +
                                      " bytes of clear text arrived after the STARTTLS 220 and "
                                      "before the TLS handshake (discarded)"});
    }

    TlsStream tls(std::move(tcp), tls_context_);
    encrypted_ = true;
    SetServerName(tls.native_handle());
    BeginStage(Stage::kTlsHandshake, beast::get_lowest_layer(tls), options_.handshake_timeout);
    error_code ec;
    co_await tls.async_handshake(asio::ssl::stream_base::client,
                                 asio::redirect_error(asio::use_awaitable, ec));
    EndStage();
    tls::TlsFacts facts = tls::ExtractTlsFacts(tls.native_handle(), target_.mx_host);
    CheckDane(tls.native_handle(), facts);
    if (facts.leaf) result_.tls = facts;
    if (ec) {
      TlsFailed(TlsOutcome::kHandshakeFailed, HandshakeFailure(ec, tls.native_handle()));
      co_return;
    }
    result_.tls_outcome = TlsOutcome::kEstablished;
    std::string not_mainstream = NotMainstream(tls.native_handle());
    transcript_.Note(
        "TLS established: " + facts.version + ", " + facts.cipher +
            (facts.chain_valid ? ", certificate chain verified"
                               : ", certificate chain NOT verified: " + facts.verify_error),
        true);
    result_.tls = std::move(facts);

    BeginStage(Stage::kEhloTls, beast::get_lowest_layer(tls), options_.reply_timeout);
    if (ec = co_await Send(tls, "EHLO " + options_.ehlo_name); !ec) {
      ReadOutcome again = co_await channel_.Read(tls);
      if (again.reply) {
        transcript_.Server(*again.reply, true);
        AddFindings(std::move(again.reply->findings), "ehlo-tls");
        const smtp::EhloAnalysis analysis = smtp::ClassifyEhlo(*again.reply);
        result_.ehlo_tls_keywords = KeywordList(analysis.keywords);
        if (std::find(analysis.keywords.begin(), analysis.keywords.end(), "STARTTLS") !=
            analysis.keywords.end()) {
          result_.findings.push_back({smtp::FindingCode::kStarttlsAfterTls, "ehlo-tls",
                                      "STARTTLS is still advertised inside TLS (RFC 3207 §4.2)"});
        }
      } else {
        transcript_.Note("no EHLO reply over TLS: " +
                             (again.io_error ? Describe(again.io_error) : again.parse_detail),
                         true);
      }
    }
    EndStage();
    co_await Quit(tls, beast::get_lowest_layer(tls));
    if (!not_mainstream.empty()) co_await SecondHandshake(std::move(not_mainstream));
  }

  // RFC 7672 §2.2: with usable TLSA records, a DANE sender accepts the session only when the
  // chain matches one; the probe checks the chain it got against them (VerifyDane), whatever
  // the handshake's own verification said.
  void CheckDane(SSL* ssl, tls::TlsFacts& facts) const {
    if (!target_.tlsa || !facts.leaf || !dns::HasUsableTlsa(*target_.tlsa)) return;
    std::vector<std::string> names{target_.mx_host};
    if (!target_.next_hop.empty() && target_.next_hop != target_.mx_host) {
      names.push_back(target_.next_hop);
    }
    facts.dane = std::make_shared<const tls::DaneVerification>(
        tls::VerifyDane(ssl, target_.tlsa->records, names));
  }

  // RFC 6066 §3: SNI carries host names only, never address literals. (SSL_ctrl rather
  // than the SSL_set_tlsext_host_name macro, whose C cast trips -Wold-style-cast.)
  void SetServerName(SSL* ssl) {
    if (!IsIpLiteral(target_.mx_host) &&
        SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(target_.mx_host.c_str())) != 1) {
      ERR_clear_error();
    }
  }

  // What of an established session no mainstream sender offers, or "" when a sender gets
  // what the probe got. Below TLS 1.2 nothing is asked: the server chose its highest
  // version (RFC 8446 §4.1.3 has the client check that it did), which such senders refuse.
  static std::string NotMainstream(SSL* ssl) {
    const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
    if (cipher == nullptr || SSL_version(ssl) < TLS1_2_VERSION ||
        tls::MainstreamOffers(SSL_CIPHER_get_id(cipher))) {
      return {};
    }
    return std::string("the server chose ") + SSL_CIPHER_get_name(cipher) +
           ", which no mainstream sender offers";
  }

  // One exchange of the second connection: `command` (none for the banner), then a reply
  // with `code` (2 for any 2xx). "" when it came, else what happened instead.
  awaitable<std::string> Expect(beast::tcp_stream& tcp, ReplyChannel& channel,
                                std::string command, int code) {
    if (!command.empty()) {
      const std::string line = command + "\r\n";
      error_code ec;
      co_await asio::async_write(tcp, asio::buffer(line),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return "sending " + command + ": " + Describe(ec);
    }
    const std::string what = command.empty() ? "banner" : command;
    const ReadOutcome reply = co_await channel.Read(tcp);
    if (!reply.reply) {
      co_return "no reply to " + what + ": " +
          (reply.io_error ? Describe(reply.io_error) : reply.parse_detail);
    }
    if (code == 2 ? !reply.reply->Positive() : reply.reply->code != code) {
      co_return what + " got " + reply.reply->Summary();
    }
    co_return std::string();
  }

  // The second handshake (MainstreamHandshake): a connection of its own, within what is left
  // of the probe's deadline, its steps outside the probe's stages and its lines outside the
  // transcript, which notes what it found.
  awaitable<void> SecondHandshake(std::string why) {
    auto second = std::make_shared<MainstreamHandshake>();
    second->why = std::move(why);
    second->outcome = TlsOutcome::kStarttlsFailed;
    encrypted_ = false;
    transcript_.Note("second handshake as a mainstream sender (TLS 1.2 and later, OpenSSL's "
                     "DEFAULT ciphers at security level 2): " +
                     second->why);
    auto executor = co_await asio::this_coro::executor;
    beast::tcp_stream tcp(executor);
    tcp.expires_at(deadline_);
    ReplyChannel channel(options_.limits);
    error_code ec;
    co_await tcp.async_connect(asio::ip::tcp::endpoint(target_.address, target_.port),
                               asio::redirect_error(asio::use_awaitable, ec));
    std::string failure;
    if (ec) failure = "connect: " + Describe(ec);
    if (failure.empty()) failure = co_await Expect(tcp, channel, "", 220);
    if (failure.empty()) failure = co_await Expect(tcp, channel, "EHLO " + options_.ehlo_name, 2);
    // Lines after the EHLO reply's final line, or after the 220 to STARTTLS, are not the
    // replies that follow (RFC 5321 §4.2.1, RFC 3207 §4.2): the first run noted them.
    if (failure.empty()) {
      channel.DrainTrailing(tcp.socket());
      failure = co_await Expect(tcp, channel, "STARTTLS", 220);
    }
    if (!failure.empty()) {
      second->detail = std::move(failure);
      transcript_.Note("second handshake: " + second->detail);
      result_.mainstream = std::move(second);
      tcp.socket().close(ec);
      co_return;
    }
    channel.DrainTrailing(tcp.socket());
    TlsStream tls(std::move(tcp), tls_context_);
    beast::get_lowest_layer(tls).expires_at(deadline_);
    tls::UseMainstreamSettings(tls.native_handle());
    SetServerName(tls.native_handle());
    co_await tls.async_handshake(asio::ssl::stream_base::client,
                                 asio::redirect_error(asio::use_awaitable, ec));
    tls::TlsFacts facts = tls::ExtractTlsFacts(tls.native_handle(), target_.mx_host);
    if (ec) {
      second->outcome = TlsOutcome::kHandshakeFailed;
      second->detail = HandshakeFailure(ec, tls.native_handle());
      transcript_.Note("second handshake failed: " + second->detail);
    } else {
      second->outcome = TlsOutcome::kEstablished;
      transcript_.Note("second handshake: " + facts.version + ", " + facts.cipher +
                       (facts.chain_valid ? ", certificate chain verified"
                                          : ", certificate chain NOT verified: " +
                                                facts.verify_error));
      second->tls = std::move(facts);
      const std::string quit = "QUIT\r\n";
      co_await asio::async_write(tls, asio::buffer(quit),
                                 asio::redirect_error(asio::use_awaitable, ec));
    }
    result_.mainstream = std::move(second);
    beast::get_lowest_layer(tls).socket().close(ec);
  }

  void TlsFailed(TlsOutcome outcome, std::string detail) {
    result_.tls_outcome = outcome;
    result_.tls_detail = std::move(detail);
    transcript_.Note(std::string(ToString(outcome)) + ": " + result_.tls_detail, encrypted_);
  }

  // QUIT politely, briefly; its outcome never changes the result.
  template <class Stream>
  awaitable<void> Quit(Stream& stream, beast::tcp_stream& lowest) {
    BeginStage(Stage::kQuit, lowest, options_.quit_timeout);
    if (const error_code ec = co_await Send(stream, "QUIT"); !ec) {
      ReadOutcome bye = co_await channel_.Read(stream);
      if (bye.reply) transcript_.Server(*bye.reply, encrypted_);
    }
    EndStage();
    error_code ignored;
    lowest.socket().close(ignored);
  }

  std::string Endpoint() const { return EndpointText(target_.address, target_.port); }

  AddressTarget target_;
  ProbeOptions options_;
  asio::ssl::context& tls_context_;
  ReplyChannel channel_;
  TranscriptRecorder transcript_;
  AddressProbeResult result_;
  Clock::time_point start_;
  Clock::time_point deadline_;
  Clock::time_point stage_start_;
  Clock::time_point stage_deadline_;
  Stage stage_ = Stage::kConnect;
  bool encrypted_ = false;
};

}  // namespace

awaitable<AddressProbeResult> ProbeAddress(AddressTarget target, ProbeOptions options,
                                           std::shared_ptr<asio::ssl::context> tls_context) {
  SmtpDialogue dialogue(std::move(target), std::move(options), *tls_context);
  co_return co_await dialogue.Run();
}

}  // namespace stx::probe
