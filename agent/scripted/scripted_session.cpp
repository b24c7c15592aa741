#include "scripted/scripted_session.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/write.hpp>  // after the main header, which includes common/asio.hpp
#include <cctype>
#include <type_traits>

namespace stx::scripted {
namespace {

using asio::use_awaitable;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

std::string Peer(const asio::ip::tcp::socket& socket) {
  error_code ec;
  const auto ep = socket.remote_endpoint(ec);
  if (ec) return "?";
  const std::string host =
      ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
  return host + ":" + std::to_string(ep.port());
}

// The verb is the first word, compared case-insensitively (RFC 5321 §2.4).
std::string Verb(std::string_view line) {
  std::string verb(line.substr(0, std::min(line.find(' '), line.size())));
  for (char& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return verb;
}

}  // namespace

std::size_t ConnectionLog::Open(std::string peer) {
  std::lock_guard lock(mutex_);
  ++opened_;
  if (!keep_records_) {
    if (records_.empty()) records_.emplace_back();
    records_.front() = ConnectionRecord{};
    return 0;
  }
  records_.emplace_back();
  records_.back().peer = std::move(peer);
  return records_.size() - 1;
}

std::vector<ConnectionRecord> ConnectionLog::Snapshot() const {
  std::lock_guard lock(mutex_);
  if (!keep_records_) return {};
  return records_;
}

std::size_t ConnectionLog::Count() const {
  std::lock_guard lock(mutex_);
  return opened_;
}

bool ConnectionLog::WaitForClosed(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] {
    return records_.size() >= count &&
           std::all_of(records_.begin(), records_.end(),
                       [](const ConnectionRecord& r) { return r.closed; });
  });
}

ScriptedSession::ScriptedSession(asio::ip::tcp::socket socket, const ServerScript& script,
                                 asio::ssl::context& tls_context, ConnectionLog& log)
    : socket_(std::move(socket)),
      script_(script),
      tls_context_(tls_context),
      log_(log),
      index_(log.Open(Peer(socket_))),
      delay_timer_(socket_.get_executor()),
      idle_timer_(socket_.get_executor()) {}

awaitable<void> ScriptedSession::Run() {
  Touch();
  if (script_.receive_buffer > 0) {
    error_code ignored;
    socket_.set_option(asio::socket_base::receive_buffer_size(script_.receive_buffer), ignored);
  }
  if (script_.ehlo_split_at > 0) {
    // Without it the second part would wait for the first one's ACK (Nagle, RFC 896), which
    // the client delays: a pause of the kernel's choosing instead of the script's.
    error_code ignored;
    socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  }
  asio::co_spawn(socket_.get_executor(), Watchdog(shared_from_this()), asio::detached);
  try {
    co_await Play();
  } catch (const std::exception&) {
    // Only allocation can throw here: every I/O error arrives as a value. Closing is all
    // that is left to do either way.
  }
  finished_ = true;
  idle_timer_.cancel();
  delay_timer_.cancel();
  error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  log_.Update(index_, [](ConnectionRecord& r) { r.closed = true; });
}

void ScriptedSession::Abort() {
  aborted_ = true;
  error_code ignored;
  socket_.close(ignored);
  delay_timer_.cancel();
  idle_timer_.cancel();
}

awaitable<void> ScriptedSession::Play() {
  if (script_.silent) {
    // Read and record, never answer: the client must give up on its own timer.
    while (co_await ReadLine(socket_, false)) {
    }
    co_return;
  }
  if (script_.banner_delay.count() > 0 && !(co_await Sleep(script_.banner_delay))) co_return;
  if (!(co_await Send(socket_, script_.banner, false))) co_return;
  if (!(co_await HangUp(script_.after_banner))) co_return;
  const Next next = co_await Converse(socket_, false);
  if (next == Next::kStartTls) co_await ServeTls();
}

template <class Stream>
awaitable<ScriptedSession::Next> ScriptedSession::Converse(Stream& stream, bool over_tls) {
  for (;;) {
    const std::optional<std::string> line = co_await ReadLine(stream, over_tls);
    if (!line) {
      if (line_too_long_) co_await Send(stream, script_.line_too_long_reply, false);
      co_return Next::kClose;
    }
    const std::string verb = Verb(*line);
    bool sent = true;
    if (verb == "EHLO" && over_tls) {
      sent = co_await Send(stream, script_.ehlo_reply_tls, true);
    } else if (verb == "EHLO") {
      sent = co_await SendEhloReply();
      if (sent && !script_.ehlo_flood.empty()) {
        while (co_await Send(stream, script_.ehlo_flood, false)) {
        }
        co_return Next::kClose;
      }
      if (sent && !(co_await HangUp(script_.after_ehlo))) co_return Next::kClose;
    } else if (verb == "HELO") {
      sent = co_await Send(stream, script_.helo_reply, false);
    } else if (verb == "STARTTLS" && over_tls) {
      sent = co_await Send(stream, script_.starttls_again_reply, false);
    } else if (verb == "STARTTLS") {
      const Next next = co_await OnStarttls();
      if (next != Next::kContinue) co_return next;
    } else if (verb == "NOOP" || verb == "RSET") {
      sent = co_await Send(stream, script_.noop_reply, false);
    } else if (verb == "QUIT") {
      // RFC 5321 §4.1.1.10: reply 221, then close.
      co_await Send(stream, script_.quit_reply, false);
      co_return Next::kQuit;
    } else if (script_.accept_mail && (verb == "MAIL" || verb == "RCPT" || verb == "DATA")) {
      sent = co_await TakeMail(stream, verb, over_tls);
    } else {
      // Anything unknown, and mail on a server that takes none (RFC 5321 §4.2.4).
      sent = co_await Send(stream, script_.unknown_reply, false);
    }
    if (!sent) co_return Next::kClose;
  }
}

template <class Stream>
awaitable<bool> ScriptedSession::TakeMail(Stream& stream, const std::string& verb,
                                          bool over_tls) {
  // RFC 5321 §4.1.4: MAIL starts a transaction, RCPT needs MAIL, DATA needs RCPT; RSET and
  // EHLO end it (here a new MAIL simply starts over).
  if (verb == "MAIL") {
    mail_from_ = true;
    recipient_ = false;
    co_return co_await Send(stream, "250 2.1.0 Ok\r\n", false);
  }
  if (verb == "RCPT") {
    if (!mail_from_) co_return co_await Send(stream, "503 5.5.1 Error: need MAIL command\r\n", false);
    recipient_ = true;
    co_return co_await Send(stream, "250 2.1.5 Ok\r\n", false);
  }
  if (!recipient_) co_return co_await Send(stream, "503 5.5.1 Error: need RCPT command\r\n", false);
  if (!(co_await Send(stream, "354 End data with <CR><LF>.<CR><LF>\r\n", false))) co_return false;
  std::size_t octets = 0;
  for (;;) {
    const std::optional<std::string> line = co_await ReadLine(stream, over_tls);
    if (!line) co_return false;  // the client left mid-message: nothing was delivered
    if (*line == ".") break;
    octets += line->size() + 2;
  }
  mail_from_ = recipient_ = false;
  if (octets > script_.max_message_octets)
    co_return co_await Send(stream, "552 5.3.4 Error: message too big\r\n", false);
  log_.Update(index_, [over_tls](ConnectionRecord& r) {
    ++(over_tls ? r.messages_over_tls : r.messages_in_clear);
  });
  co_return co_await Send(stream, "250 2.0.0 Ok: queued\r\n", false);
}

awaitable<ScriptedSession::Next> ScriptedSession::OnStarttls() {
  const AfterStarttls after = script_.after_starttls;
  if (!inbuf_.empty()) {
    // RFC 3207 §4: STARTTLS ends a pipelined group. Whatever followed it in plaintext must
    // not be acted on once TLS starts (§4.2, CVE-2011-0411), so it is dropped.
    log_.Update(index_, [](ConnectionRecord& r) { r.pipelined_after_starttls = true; });
    if (after != AfterStarttls::kStayPlain) inbuf_.clear();
  }
  // One write: an injection must reach the client together with the 220.
  const std::string reply = script_.starttls_reply + script_.starttls_injection;
  if (!(co_await Send(socket_, reply, false))) co_return Next::kClose;
  switch (after) {
    case AfterStarttls::kHandshake:
      co_return Next::kStartTls;
    case AfterStarttls::kStayPlain:
      co_return Next::kContinue;
    case AfterStarttls::kStall:
      co_await DiscardUntilClosed();
      co_return Next::kClose;
    case AfterStarttls::kGarbage: {
      // Wait for the ClientHello, then answer it with bytes that are no TLS record.
      error_code ec;
      const std::size_t n = co_await socket_.async_read_some(
          asio::buffer(chunk_), asio::redirect_error(use_awaitable, ec));
      if (n > 0) co_await Send(socket_, script_.tls_garbage, false);
      co_return Next::kClose;
    }
    case AfterStarttls::kClose:
      co_return Next::kClose;
    case AfterStarttls::kStallMidHandshake:
      co_await SendServerHello();
      co_await DiscardUntilClosed();
      co_return Next::kClose;
  }
  co_return Next::kClose;
}

awaitable<void> ScriptedSession::SendServerHello() {
  // The real server flight, made by OpenSSL over memory BIOs from the client's real
  // ClientHello, cut after its first record (the ServerHello): the client's handshake stops
  // exactly where a server dying mid-handshake leaves it.
  log_.Update(index_, [](ConnectionRecord& r) { r.tls_attempted = true; });
  const std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(tls_context_.native_handle()),
                                                      SSL_free);
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  if (!ssl || in == nullptr || out == nullptr) {
    BIO_free(in);
    BIO_free(out);
    co_return;
  }
  SSL_set_bio(ssl.get(), in, out);  // the SSL owns both BIOs from here
  SSL_set_accept_state(ssl.get());
  std::string flight;
  for (int reads = 0; reads < 16 && flight.empty(); ++reads) {  // a ClientHello is a few reads
    error_code ec;
    const std::size_t n = co_await socket_.async_read_some(asio::buffer(chunk_),
                                                           asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    Touch();
    BIO_write(in, chunk_.data(), static_cast<int>(n));
    SSL_do_handshake(ssl.get());  // wants the client's next flight: never completes here
    ERR_clear_error();
    std::array<char, 4096> piece{};
    for (int got = 0; (got = BIO_read(out, piece.data(), static_cast<int>(piece.size()))) > 0;)
      flight.append(piece.data(), static_cast<std::size_t>(got));
  }
  // A TLS record (RFC 8446 §5.1): type (1 byte), version (2), length (2), then the fragment.
  if (flight.size() < 5) co_return;
  const std::size_t record =
      5 + (static_cast<std::size_t>(static_cast<unsigned char>(flight[3])) << 8 |
           static_cast<unsigned char>(flight[4]));
  co_await Send(socket_, std::string_view(flight).substr(0, record), false);
}

awaitable<bool> ScriptedSession::HangUp(Hangup how) {
  if (how == Hangup::kNone) co_return true;
  if (!script_.hangup_notice.empty()) {
    if (script_.hangup_delay.count() > 0 && !(co_await Sleep(script_.hangup_delay)))
      co_return false;
    if (!(co_await Send(socket_, script_.hangup_notice, false))) co_return false;
  }
  error_code ignored;
  switch (how) {
    case Hangup::kReset:
      // SO_LINGER {on, 0}: close() discards what is unsent and answers with RST, no FIN.
      socket_.set_option(asio::socket_base::linger(true, 0), ignored);
      socket_.close(ignored);
      break;
    case Hangup::kMute:
      // Neither read nor write: the kernel's receive buffer fills and the window closes.
      co_await Sleep(script_.idle_timeout);
      break;
    case Hangup::kClose:
    case Hangup::kNone:
      break;  // Run() closes once Play() returns: FIN
  }
  co_return false;
}

awaitable<void> ScriptedSession::ServeTls() {
  tls_.emplace(CountingSocket(socket_, log_, index_), tls_context_);
  log_.Update(index_, [](ConnectionRecord& r) { r.tls_attempted = true; });
  error_code ec;
  co_await tls_->async_handshake(asio::ssl::stream_base::server,
                                 asio::redirect_error(use_awaitable, ec));
  // The ClientHello was parsed even when the handshake failed later, so SNI is known then too.
  const char* sni = SSL_get_servername(tls_->native_handle(), TLSEXT_NAMETYPE_host_name);
  const std::string version = ec ? "" : SSL_get_version(tls_->native_handle());
  const std::string error = ec ? ec.message() : "";
  log_.Update(index_, [&](ConnectionRecord& r) {
    r.sni = sni != nullptr ? sni : "";
    r.tls_established = !ec;
    r.tls_error = error;
    r.tls_version = version;
  });
  if (ec) co_return;
  mail_from_ = recipient_ = false;  // RFC 3207 §4.2: nothing from before TLS carries over
  const Next next = co_await Converse(*tls_, true);
  if (next == Next::kQuit) {
    // Send close_notify and close, without waiting for the client's: what MTAs do after
    // 221, and a client that just drops TCP costs no wait. Marking the peer's close_notify as
    // received makes SSL_shutdown() finish after sending ours.
    SSL* ssl = tls_->native_handle();
    SSL_set_shutdown(ssl, SSL_get_shutdown(ssl) | SSL_RECEIVED_SHUTDOWN);
    ShortenDeadline(std::chrono::milliseconds(1000));
    co_await tls_->async_shutdown(asio::redirect_error(use_awaitable, ec));
  }
}

template <class Stream>
awaitable<std::optional<std::string>> ScriptedSession::ReadLine(Stream& stream, bool over_tls) {
  const std::size_t limit = script_.max_line_length;
  for (;;) {
    const std::size_t lf = inbuf_.find('\n');
    if ((lf != std::string::npos && lf + 1 > limit) ||
        (lf == std::string::npos && inbuf_.size() >= limit)) {
      line_too_long_ = true;
      log_.Update(index_, [](ConnectionRecord& r) { r.line_too_long = true; });
      co_return std::nullopt;
    }
    if (lf != std::string::npos) {
      std::string line = inbuf_.substr(0, lf);
      inbuf_.erase(0, lf + 1);
      const bool bare_lf = line.empty() || line.back() != '\r';
      if (!bare_lf) line.pop_back();
      log_.Update(index_, [&](ConnectionRecord& r) {
        if (over_tls && r.first_tls_line == ConnectionRecord::kNoTls)
          r.first_tls_line = r.lines.size();
        r.lines.push_back(line);
        r.bare_lf = r.bare_lf || bare_lf;
      });
      co_return line;
    }
    if (read_failed_) co_return std::nullopt;
    error_code ec;
    const std::size_t n = co_await stream.async_read_some(asio::buffer(chunk_),
                                                          asio::redirect_error(use_awaitable, ec));
    inbuf_.append(chunk_.data(), n);
    if (n > 0) Touch();
    // Lines already complete in the buffer are still served; then the loop ends.
    if (ec) read_failed_ = true;
  }
}

template <class Stream>
awaitable<bool> ScriptedSession::Send(Stream& stream, std::string_view bytes, bool chunked) {
  const std::size_t step =
      chunked && script_.ehlo_chunk_size > 0 ? script_.ehlo_chunk_size : bytes.size();
  for (std::size_t offset = 0; offset < bytes.size(); offset += step) {
    if (offset > 0 && !(co_await Sleep(script_.ehlo_chunk_delay))) co_return false;
    const std::string_view piece = bytes.substr(offset, step);
    error_code ec;
    const std::size_t n = co_await asio::async_write(
        stream, asio::buffer(piece.data(), piece.size()), asio::redirect_error(use_awaitable, ec));
    // Over TLS the next layer counts the records it writes (CountingSocket).
    if constexpr (std::is_same_v<Stream, asio::ip::tcp::socket>) log_.CountSent(index_, n);
    if (ec) co_return false;
  }
  co_return !aborted_;
}

awaitable<bool> ScriptedSession::SendEhloReply() {
  const std::string_view reply = script_.ehlo_reply;
  const std::size_t at = script_.ehlo_split_at;
  if (at == 0 || at >= reply.size()) co_return co_await Send(socket_, reply, true);
  if (!(co_await Send(socket_, reply.substr(0, at), false))) co_return false;
  if (!(co_await Sleep(script_.ehlo_split_pause))) co_return false;
  co_return co_await Send(socket_, reply.substr(at), false);
}

awaitable<bool> ScriptedSession::Sleep(std::chrono::milliseconds delay) {
  if (aborted_) co_return false;
  // The idle limit is about the client; time the script spends waiting does not count.
  deadline_ = std::max(deadline_, Clock::now() + delay + script_.idle_timeout);
  delay_timer_.expires_after(delay);
  error_code ec;
  co_await delay_timer_.async_wait(asio::redirect_error(use_awaitable, ec));
  co_return !ec && !aborted_;
}

awaitable<void> ScriptedSession::DiscardUntilClosed() {
  for (;;) {
    error_code ec;
    const std::size_t n = co_await socket_.async_read_some(asio::buffer(chunk_),
                                                           asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    if (n > 0) Touch();
  }
}

awaitable<void> ScriptedSession::Watchdog(std::shared_ptr<ScriptedSession> self) {
  // Boost 1.74 has no awaitable operators to race a read against a timer, so a sibling
  // coroutine closes the socket when the deadline passes; that fails the pending read.
  while (!finished_ && !aborted_) {
    if (Clock::now() >= deadline_) {
      error_code ignored;
      socket_.close(ignored);
      co_return;
    }
    idle_timer_.expires_at(deadline_);
    error_code ec;  // cancelled means "re-check": finished, aborted or deadline moved
    co_await idle_timer_.async_wait(asio::redirect_error(use_awaitable, ec));
  }
  self.reset();
}

void ScriptedSession::Touch() { deadline_ = Clock::now() + script_.idle_timeout; }

void ScriptedSession::ShortenDeadline(std::chrono::milliseconds within) {
  deadline_ = std::min(deadline_, Clock::now() + within);
  idle_timer_.cancel();
}

}  // namespace stx::scripted
