// One HTTP/1.1 connection: read a request within the limits, dispatch it, write the response,
// repeat while keep-alive holds. The only file of the program that includes Beast's HTTP.
// clang-format off
#include "common/asio.hpp"  // first: Boost 1.74's awaitable.hpp needs <utility> before it
// clang-format on
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <cctype>
#include <exception>

#include "http/gzip.hpp"
#include "http/request_target.hpp"
#include "http/server_core.hpp"

namespace stx::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using BeastResponse = bhttp::response<bhttp::string_body>;

class HttpConnection {
 public:
  HttpConnection(tcp::socket socket, std::shared_ptr<ServerCore> core);
  awaitable<void> Run();
  void Abort();

 private:
  awaitable<Response> Dispatch(const Request& request);
  awaitable<void> Send(BeastResponse& response, bool head_only, error_code& ec);
  awaitable<void> RefuseAndClose(unsigned status, std::string message, unsigned version);

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::shared_ptr<ServerCore> core_;
  std::string remote_;
  bool aborted_ = false;
};

namespace {

constexpr std::size_t kFirstRead = 4096;
// After an error response, what the client may still send is read and dropped (briefly, and
// up to a bound) before closing: closing with unread data makes the kernel send RST, which
// can destroy the error response before the client reads it.
constexpr std::chrono::milliseconds kLinger{500};
constexpr std::size_t kMaxLingerBytes = 256 * 1024;

std::string_view ToStd(beast::string_view text) { return {text.data(), text.size()}; }

Response PlainResponse(unsigned status, std::string body) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A handler's header text must not split the response (CR, LF) or smuggle NULs.
bool SafeFieldText(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

std::string EndpointText(const tcp::endpoint& endpoint) {
  const std::string address = endpoint.address().to_string();
  return (endpoint.address().is_v6() ? "[" + address + "]" : address) + ":" +
         std::to_string(endpoint.port());
}

// The status to answer a failed read with; 0 when the client gets no answer (it left, it
// stalled past the timeout, or the server is stopping).
unsigned StatusForReadError(const error_code& ec, bool header_done) {
  if (ec == bhttp::error::header_limit) return 431;
  if (ec == bhttp::error::body_limit) return 413;
  if (ec == bhttp::error::buffer_overflow) return header_done ? 413 : 431;
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return 0;
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) return 400;
  return 0;
}

Request MakeRequest(bhttp::request<bhttp::string_body>&& message, const std::string& remote) {
  Request request;
  request.method = std::string(ToStd(message.method_string()));
  request.target = std::string(ToStd(message.target()));
  request.remote = remote;
  for (const auto& field : message) {
    auto [slot, fresh] = request.headers.try_emplace(Lower(ToStd(field.name_string())));
    if (!fresh) slot->second += ", ";
    slot->second += ToStd(field.value());
  }
  request.accepts_gzip = AcceptsGzip(request.Header("accept-encoding"));
  request.body = std::move(message.body());
  return request;
}

BeastResponse ToBeast(Response&& r, unsigned version, bool keep_alive, bool accepts_gzip,
                      std::size_t gzip_min_bytes) {
  if (r.status < 100 || r.status > 599 || !SafeFieldText(r.content_type)) {
    r = PlainResponse(500, "500 internal server error: bad response\n");
  }
  BeastResponse out;
  out.version(version);
  out.result(r.status);
  out.set(bhttp::field::server, "starttls_exporter");
  out.set(bhttp::field::content_type, r.content_type);
  // Transcripts from hostile servers end up in these bodies: never let a browser guess HTML.
  out.set("X-Content-Type-Options", "nosniff");
  for (const auto& [name, value] : r.headers) {
    if (!name.empty() && SafeFieldText(name) && SafeFieldText(value)) out.insert(name, value);
  }
  if (r.compressible) {
    out.set(bhttp::field::vary, "Accept-Encoding");  // caches must key on it either way
    if (accepts_gzip && r.body.size() >= gzip_min_bytes) {
      r.body = GzipCompress(r.body);
      out.set(bhttp::field::content_encoding, "gzip");
    }
  }
  out.keep_alive(keep_alive);
  out.body() = std::move(r.body);
  out.prepare_payload();
  return out;
}

}  // namespace

HttpConnection::HttpConnection(tcp::socket socket, std::shared_ptr<ServerCore> core)
    : stream_(std::move(socket)),
      // Bounded so that a client pipelining junk cannot grow it: a whole request fits.
      buffer_(core->options.max_header_bytes + core->options.max_body_bytes + kFirstRead),
      core_(std::move(core)) {
  error_code ec;
  const tcp::endpoint peer = stream_.socket().remote_endpoint(ec);
  if (!ec) remote_ = EndpointText(peer);
}

void HttpConnection::Abort() {
  aborted_ = true;
  stream_.close();
}

awaitable<void> HttpConnection::Run() {
  const HttpServerOptions& limits = core_->options;
  std::chrono::milliseconds wait = limits.request_timeout;  // a new client must speak soon
  while (!aborted_ && !core_->stopping) {
    error_code ec;
    if (buffer_.size() == 0) {
      // Waiting for a request to begin is idle time; once it begins the request timeout runs.
      stream_.expires_after(wait);
      const std::size_t n = co_await stream_.async_read_some(
          buffer_.prepare(kFirstRead), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;  // idle timeout, client gone, Stop(): nobody to answer
      buffer_.commit(n);
    }
    wait = limits.idle_timeout;
    stream_.expires_after(limits.request_timeout);
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

    bhttp::request<bhttp::string_body> message = parser.release();
    const unsigned version = message.version();
    const bool head = message.method() == bhttp::verb::head;
    bool keep_alive = message.keep_alive();
    Request request = MakeRequest(std::move(message), remote_);
    Response response;
    if (auto target = ParseRequestTarget(request.target)) {
      request.path = std::move(target->path);
      request.query = std::move(target->query);
      response = co_await Dispatch(request);
    } else {
      response.status = 400;
      response.body = "400 bad request: malformed request target\n";
    }
    if (aborted_) break;  // Stop() while the handler ran: the socket is gone
    keep_alive = keep_alive && !core_->stopping;
    BeastResponse out = ToBeast(std::move(response), version, keep_alive, request.accepts_gzip,
                                limits.gzip_min_bytes);
    stream_.expires_after(limits.request_timeout);  // a client that does not read is dropped
    co_await Send(out, head, ec);
    if (ec || !keep_alive) break;
  }
  if (!aborted_) {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }
}

awaitable<Response> HttpConnection::Dispatch(const Request& request) {
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

awaitable<void> HttpConnection::Send(BeastResponse& response, bool head_only, error_code& ec) {
  if (head_only) {
    // RFC 9110 §9.3.2: the fields a GET would get (Content-Length included), no content.
    bhttp::response_serializer<bhttp::string_body> serializer(response);
    co_await bhttp::async_write_header(stream_, serializer,
                                       asio::redirect_error(asio::use_awaitable, ec));
  } else {
    co_await bhttp::async_write(stream_, response, asio::redirect_error(asio::use_awaitable, ec));
  }
}

awaitable<void> HttpConnection::RefuseAndClose(unsigned status, std::string message,
                                               unsigned version) {
  Response refusal;
  refusal.status = status;
  refusal.body = std::move(message);
  BeastResponse out = ToBeast(std::move(refusal), version, false, false, 0);
  error_code ec;
  stream_.expires_after(core_->options.request_timeout);
  co_await Send(out, false, ec);
  if (ec) co_return;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.expires_after(std::min(kLinger, core_->options.request_timeout));
  std::array<char, 4096> sink;
  for (std::size_t drained = 0; !ec && drained < kMaxLingerBytes;) {
    drained += co_await stream_.async_read_some(asio::buffer(sink),
                                                asio::redirect_error(asio::use_awaitable, ec));
  }
}

namespace {

awaitable<void> ServeRegistered(std::shared_ptr<HttpConnection> connection,
                                std::shared_ptr<ServerCore> core, std::uint64_t id) {
  try {
    co_await connection->Run();
  } catch (const std::exception& e) {
    // Out of memory while building a response, say: this connection ends, the others live.
    if (core->options.log_error) core->options.log_error(std::string("connection: ") + e.what());
  }
  core->live.erase(id);
}

}  // namespace

void SpawnConnection(tcp::socket socket, std::shared_ptr<ServerCore> core) {
  // Each response leaves in one gather write; without Nagle, the second of two pipelined
  // responses does not wait for the client's delayed ACK of the first.
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  const std::uint64_t id = core->next_id++;
  auto connection = std::make_shared<HttpConnection>(std::move(socket), core);
  // Registered before the coroutine first runs, so a Stop() in between still closes it.
  core->live.emplace(id, connection);
  asio::co_spawn(core->executor, ServeRegistered(std::move(connection), core, id), asio::detached);
}

void AbortConnection(HttpConnection& connection) { connection.Abort(); }

}  // namespace stx::http
