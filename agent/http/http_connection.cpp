// One HTTP/1.1 connection, plain or TLS: handshake (TLS), read a request within the limits,
// authenticate it, dispatch it, write the response, repeat while keep-alive holds. The only
// file of the program that includes Beast's HTTP.
// clang-format off
#include "common/asio.hpp"  // first: Boost 1.74's awaitable.hpp needs <utility> before it
// clang-format on
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <exception>
#include <optional>
#include <type_traits>

#include "http/basic_credentials.hpp"
#include "http/beast_messages.hpp"
#include "http/gzip.hpp"
#include "http/request_target.hpp"
#include "http/server_core.hpp"

namespace stx::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

/// `Stream` is beast::tcp_stream (plain HTTP) or TlsStream.
template <class Stream>
class StreamConnection final : public HttpConnection,
                               public std::enable_shared_from_this<StreamConnection<Stream>> {
 public:
  StreamConnection(tcp::socket socket, std::shared_ptr<ServerCore> core,
                   std::shared_ptr<asio::ssl::context> tls, std::uint64_t id);
  awaitable<void> Run();
  void Abort() override;

 private:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }
  awaitable<bool> Handshake();
  /// Nullopt when the request may proceed, else the 401 or 429 to answer.
  awaitable<std::optional<Response>> Authenticate(const Request& request);
  awaitable<Response> Dispatch(const Request& request);
  awaitable<void> Send(BeastResponse& response, bool head_only, error_code& ec);
  /// Sends a response whose body comes in pieces (Response::pieces): chunked, gzipped on
  /// the fly; the event loop runs other work between pieces.
  awaitable<void> SendPieces(Response response, unsigned version, bool keep_alive,
                             bool accepts_gzip, bool head_only, error_code& ec);
  /// Lets every handler that is ready run before this connection goes on.
  awaitable<void> Yield();
  awaitable<void> RefuseAndClose(unsigned status, std::string message, unsigned version);
  /// Counts a timeout of this connection under `reason` (not when Stop() or an eviction closed
  /// the socket: those ends are counted where they happen, or not at all).
  void CountTimeout(const error_code& ec, WebCounters::Closed reason);
  /// True once the client closed or reset the connection (see Request::client_gone).
  bool ClientGone();
  /// Ends the connection: close_notify (TLS) or FIN (plain), then, with `drain`, what the
  /// client still sends is read and dropped for a moment, before the socket closes.
  awaitable<void> Close(bool drain);

  std::shared_ptr<asio::ssl::context> tls_;  ///< declared before stream_, which refers to it
  Stream stream_;
  beast::flat_buffer buffer_;
  std::shared_ptr<ServerCore> core_;
  std::string remote_;
  std::uint64_t id_;
  bool aborted_ = false;
  bool closed_ = false;
};

namespace {

constexpr std::size_t kFirstRead = 4096;
// After an error response, what the client may still send is read and dropped (briefly, and
// up to a bound) before closing: closing with unread data makes the kernel send RST, which
// can destroy the error response before the client reads it.
constexpr std::chrono::milliseconds kLinger{500};
constexpr std::size_t kMaxLingerBytes = 256 * 1024;

template <class Stream>
Stream MakeStream(tcp::socket socket, asio::ssl::context* tls) {
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    return Stream(beast::tcp_stream(std::move(socket)), *tls);
  } else {
    return Stream(std::move(socket));
  }
}

// OpenSSL saw a plain HTTP request where a TLS ClientHello belongs: a scraper configured with
// http:// for an https:// endpoint.
bool IsPlainHttpOnTls(const error_code& ec) {
  return ec.category() == asio::error::get_ssl_category() &&
         ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_HTTP_REQUEST;
}

}  // namespace

template <class Stream>
StreamConnection<Stream>::StreamConnection(tcp::socket socket, std::shared_ptr<ServerCore> core,
                                           std::shared_ptr<asio::ssl::context> tls,
                                           std::uint64_t id)
    : tls_(std::move(tls)),
      stream_(MakeStream<Stream>(std::move(socket), tls_.get())),
      // Bounded so that a client pipelining junk cannot grow it: a whole request fits.
      buffer_(core->options.max_header_bytes + core->options.max_body_bytes + kFirstRead),
      core_(std::move(core)),
      id_(id) {
  error_code ec;
  const tcp::endpoint peer = Tcp().socket().remote_endpoint(ec);
  if (!ec) remote_ = EndpointText(peer);
}

template <class Stream>
void StreamConnection<Stream>::Abort() {
  aborted_ = true;
  Tcp().close();
}

template <class Stream>
awaitable<bool> StreamConnection<Stream>::Handshake() {
  if constexpr (kTls) {
    // Part of the first request's time (Run set the deadline): a client that connects and
    // never finishes (or drips) the handshake is closed when it runs out.
    error_code ec;
    co_await stream_.async_handshake(asio::ssl::stream_base::server,
                                     asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) co_return true;
    CountTimeout(ec, WebCounters::Closed::kRequestTimeout);
    if (IsPlainHttpOnTls(ec) && !aborted_) {
      // As Go's net/http does: a plain-text answer the scraper can show, rather than a bare
      // close that reads as "EOF".
      static constexpr std::string_view kAnswer =
          "HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
          "Connection: close\r\n\r\n400 bad request: this endpoint speaks HTTPS (TLS); use "
          "https://\n";
      Tcp().expires_after(core_->options.request_timeout);
      co_await asio::async_write(Tcp(), asio::buffer(kAnswer.data(), kAnswer.size()),
                                 asio::redirect_error(asio::use_awaitable, ec));
    }
    ERR_clear_error();
    co_return false;
  } else {
    co_return true;
  }
}

template <class Stream>
awaitable<void> StreamConnection<Stream>::Run() {
  const HttpServerOptions& limits = core_->options;
  // One deadline from accept to the first request's last byte, TLS handshake included: a
  // client that connects and stays silent, or sends part of a request, leaves soon.
  const auto first_deadline = std::chrono::steady_clock::now() + limits.first_request_timeout;
  Tcp().expires_at(first_deadline);
  if (!co_await Handshake()) {
    if (!aborted_) Tcp().close();
    co_return;
  }
  bool first = true;
  while (!aborted_ && !core_->stopping) {
    error_code ec;
    if (buffer_.size() == 0) {
      // Waiting for a later request to begin is idle time; once it begins the request timeout
      // runs.
      if (first) {
        Tcp().expires_at(first_deadline);
      } else {
        Tcp().expires_after(limits.idle_timeout);
      }
      const std::size_t n = co_await stream_.async_read_some(
          buffer_.prepare(kFirstRead), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {  // timeout, client gone, Stop() or eviction: nobody to answer
        CountTimeout(
            ec, first ? WebCounters::Closed::kRequestTimeout : WebCounters::Closed::kIdleTimeout);
        break;
      }
      buffer_.commit(n);
    }
    if (first) {
      Tcp().expires_at(first_deadline);
    } else {
      Tcp().expires_after(limits.request_timeout);
    }
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    co_await bhttp::async_read_header(stream_, buffer_, parser,
                                      asio::redirect_error(asio::use_awaitable, ec));
    if (!ec && parser.get().version() >= 11 &&
        Lower(ToStd(parser.get()[bhttp::field::expect])) == "100-continue" && !parser.is_done()) {
      // RFC 9110 §10.1.1: curl and others wait for this before sending a body.
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      co_await asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                                 asio::redirect_error(asio::use_awaitable, ec));
    }
    if (!ec && !parser.is_done()) {
      co_await bhttp::async_read(stream_, buffer_, parser,
                                 asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) {
      CountTimeout(ec, WebCounters::Closed::kRequestTimeout);
      const unsigned status = StatusForReadError(ec, parser.is_header_done());
      if (status != 0 && !aborted_) {
        const unsigned version = parser.is_header_done() ? parser.get().version() : 11;
        std::string message = status == 431   ? "431 request header fields too large\n"
                              : status == 413 ? "413 request body too large\n"
                                              : "400 bad request: " + ec.message() + "\n";
        co_await RefuseAndClose(status, std::move(message), version);
      }
      break;
    }

    first = false;
    core_->SetBusy(id_, true);  // from here until the response is out, not to be evicted
    bhttp::request<bhttp::string_body> message = parser.release();
    const unsigned version = message.version();
    const bool head = message.method() == bhttp::verb::head;
    bool keep_alive = message.keep_alive();
    Request request = MakeRequest(std::move(message), remote_);
    // Weak: a handler may keep the request (a /probe waiter) longer than the connection lives.
    request.client_gone = [weak = this->weak_from_this()] {
      const auto self = weak.lock();
      return self == nullptr || self->ClientGone();
    };
    // Before routing: an unauthenticated client learns nothing about the paths.
    std::optional<Response> refusal = co_await Authenticate(request);
    if (aborted_) break;
    Response response;
    if (refusal) {
      response = std::move(*refusal);
    } else if (auto target = ParseRequestTarget(request.target)) {
      request.path = std::move(target->path);
      request.query = std::move(target->query);
      response = co_await Dispatch(request);
    } else {
      response.status = 400;
      response.body = "400 bad request: malformed request target\n";
    }
    if (aborted_) break;  // Stop() while the handler ran: the socket is gone
    keep_alive = keep_alive && !core_->stopping;
    if (response.pieces) {
      co_await SendPieces(std::move(response), version, keep_alive, request.accepts_gzip, head, ec);
    } else {
      BeastResponse out = ToBeast(std::move(response), version, keep_alive, request.accepts_gzip,
                                  limits.gzip_min_bytes);
      Tcp().expires_after(limits.request_timeout);  // a client that does not read is dropped
      co_await Send(out, head, ec);
    }
    CountTimeout(ec, WebCounters::Closed::kWriteTimeout);
    if (ec || aborted_ || !keep_alive) break;
    core_->SetBusy(id_, false);
  }
  if (!aborted_) co_await Close(false);
}

template <class Stream>
awaitable<std::optional<Response>> StreamConnection<Stream>::Authenticate(const Request& request) {
  if (!core_->auth.enabled()) co_return std::nullopt;
  switch (co_await core_->auth.Check(request.Header("authorization"))) {
    case BasicAuthenticator::Verdict::kAllowed:
      co_return std::nullopt;
    case BasicAuthenticator::Verdict::kDenied: {
      Response refusal = PlainResponse(401,
                                       "401 unauthorized: this endpoint needs HTTP basic "
                                       "authentication with a configured user\n");
      refusal.headers = {{"WWW-Authenticate", std::string(kBasicChallenge)}};
      co_return refusal;
    }
    case BasicAuthenticator::Verdict::kBusy:
      break;
  }
  // The password was not checked: 401 would tell a client with the right password that it is
  // wrong. 429 (RFC 6585 §4) says "later", which is true: the queue of checks is full.
  Response busy = PlainResponse(429, "429 too many password checks in progress; retry shortly\n");
  busy.headers = {{"Retry-After", "1"}};
  co_return busy;
}

template <class Stream>
void StreamConnection<Stream>::CountTimeout(const error_code& ec, WebCounters::Closed reason) {
  if (ec == beast::error::timeout && !aborted_) core_->Count(reason);
}

template <class Stream>
bool StreamConnection<Stream>::ClientGone() {
  if (aborted_ || closed_) return true;
  // A peek that does not wait: 0 bytes is the client's FIN, an error other than "nothing yet"
  // its RST. Data (a pipelined request, a TLS record) means it is still there.
  char byte;
  const ssize_t n = ::recv(Tcp().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

template <class Stream>
awaitable<void> StreamConnection<Stream>::Close(bool drain) {
  if (closed_ || aborted_) co_return;
  closed_ = true;
  const auto linger = std::min(kLinger, core_->options.request_timeout);
  error_code ec;
  if constexpr (!kTls) Tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
  if (drain && !ec) {
    Tcp().expires_after(linger);
    std::array<char, 4096> sink;
    for (std::size_t drained = 0; !ec && drained < kMaxLingerBytes;) {
      drained += co_await stream_.async_read_some(asio::buffer(sink),
                                                  asio::redirect_error(asio::use_awaitable, ec));
    }
  }
  if constexpr (kTls) {
    // RFC 8446 §6.1: close_notify before closing; bounded, since a client may never answer.
    Tcp().expires_after(linger);
    co_await stream_.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
    ERR_clear_error();
  }
  if (!aborted_) Tcp().close();
}

template <class Stream>
awaitable<Response> StreamConnection<Stream>::Dispatch(const Request& request) {
  const Router::Match match = core_->router.Find(request.method, request.path);
  if (match.handler == nullptr) co_return match.refusal;
  // A copy in this frame: the route table may change (Route() again) while the handler runs.
  const Handler handler = *match.handler;
  std::string failure;
  try {
    co_return co_await handler(request);
  } catch (const std::exception& e) {
    failure = e.what();
  } catch (...) {
    failure = "unknown exception";
  }
  if (core_->options.log_error) {
    core_->options.log_error("handler for " + request.method + " " + request.path +
                             " failed: " + failure);
  }
  co_return PlainResponse(500, "500 internal server error\n");
}

template <class Stream>
awaitable<void> StreamConnection<Stream>::Send(BeastResponse& response, bool head_only,
                                               error_code& ec) {
  if (head_only) {
    // RFC 9110 §9.3.2: the fields a GET would get (Content-Length included), no content.
    bhttp::response_serializer<bhttp::string_body> serializer(response);
    co_await bhttp::async_write_header(stream_, serializer,
                                       asio::redirect_error(asio::use_awaitable, ec));
  } else {
    co_await bhttp::async_write(stream_, response, asio::redirect_error(asio::use_awaitable, ec));
  }
}

template <class Stream>
awaitable<void> StreamConnection<Stream>::Yield() {
  co_await asio::post(stream_.get_executor(), asio::use_awaitable);
}

template <class Stream>
awaitable<void> StreamConnection<Stream>::SendPieces(Response response, unsigned version,
                                                     bool keep_alive, bool accepts_gzip,
                                                     bool head_only, error_code& ec) {
  const HttpServerOptions& limits = core_->options;
  if (version < 11) {
    // HTTP/1.0 has no chunked coding: the whole body, gathered piece by piece (the loop still
    // runs in between), then sent with a Content-Length like any other.
    const BodyPieces pieces = std::move(response.pieces);
    response.pieces = nullptr;
    while (pieces(response.body)) {
      co_await Yield();
      if (aborted_) co_return;
    }
    BeastResponse out =
        ToBeast(std::move(response), version, keep_alive, accepts_gzip, limits.gzip_min_bytes);
    Tcp().expires_after(limits.request_timeout);
    co_await Send(out, head_only, ec);
    co_return;
  }
  const bool gzip = response.compressible && accepts_gzip;
  BeastHead head = ToBeastChunkedHead(response, version, keep_alive, gzip);
  const bool has_body = head.chunked();  // not when the response was invalid (a bare 500)
  bhttp::response_serializer<bhttp::empty_body> serializer(head);
  Tcp().expires_after(limits.request_timeout);
  co_await bhttp::async_write_header(stream_, serializer,
                                     asio::redirect_error(asio::use_awaitable, ec));
  if (ec || aborted_ || head_only || !has_body) co_return;
  std::optional<GzipStream> deflater;
  if (gzip) deflater.emplace();
  std::string piece;
  std::string packed;
  for (bool more = true; more;) {
    piece.clear();
    more = response.pieces(piece);
    std::string_view chunk = piece;
    if (deflater) {
      packed.clear();
      deflater->Write(piece, !more, packed);
      chunk = packed;
    }
    if (chunk.empty()) {
      co_await Yield();  // zlib kept it all: no write to wait for, so yield explicitly
    } else {
      // Per chunk: a client that stops reading is dropped after the request timeout, one
      // that reads slowly is not.
      Tcp().expires_after(limits.request_timeout);
      co_await asio::async_write(stream_,
                                 bhttp::make_chunk(asio::buffer(chunk.data(), chunk.size())),
                                 asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec || aborted_) co_return;
  }
  co_await asio::async_write(stream_, bhttp::make_chunk_last(),
                             asio::redirect_error(asio::use_awaitable, ec));
}

template <class Stream>
awaitable<void> StreamConnection<Stream>::RefuseAndClose(unsigned status, std::string message,
                                                         unsigned version) {
  Response refusal;
  refusal.status = status;
  refusal.body = std::move(message);
  BeastResponse out = ToBeast(std::move(refusal), version, false, false, 0);
  error_code ec;
  Tcp().expires_after(core_->options.request_timeout);
  co_await Send(out, false, ec);
  if (!ec && !aborted_) co_await Close(true);
}

namespace {

template <class Stream>
awaitable<void> ServeRegistered(std::shared_ptr<StreamConnection<Stream>> connection,
                                std::shared_ptr<ServerCore> core, std::uint64_t id) {
  try {
    co_await connection->Run();
  } catch (const std::exception& e) {
    // Out of memory while building a response, say: this connection ends, the others live.
    if (core->options.log_error) core->options.log_error(std::string("connection: ") + e.what());
  }
  core->Unregister(id);
}

template <class Stream>
void Spawn(tcp::socket socket, std::string peer, std::shared_ptr<ServerCore> core,
           std::shared_ptr<asio::ssl::context> tls) {
  const std::uint64_t id = core->next_id++;
  auto connection =
      std::make_shared<StreamConnection<Stream>>(std::move(socket), core, std::move(tls), id);
  // Registered before the coroutine first runs, so a Stop() in between still closes it.
  ServerCore::Slot slot;
  slot.connection = connection;
  slot.peer = peer;
  core->live.emplace(id, std::move(slot));
  ++core->per_peer[peer];
  asio::co_spawn(core->executor, ServeRegistered<Stream>(std::move(connection), core, id),
                 asio::detached);
}

}  // namespace

void SpawnConnection(tcp::socket socket, std::string peer, std::shared_ptr<ServerCore> core) {
  // Each response leaves in one gather write; without Nagle, the second of two pipelined
  // responses does not wait for the client's delayed ACK of the first.
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  // The context of now: a reload that rotates the certificate applies to later connections.
  if (std::shared_ptr<asio::ssl::context> tls = core->tls) {
    Spawn<TlsStream>(std::move(socket), std::move(peer), std::move(core), std::move(tls));
  } else {
    Spawn<beast::tcp_stream>(std::move(socket), std::move(peer), std::move(core), nullptr);
  }
}

void AbortConnection(HttpConnection& connection) { connection.Abort(); }

}  // namespace stx::http
