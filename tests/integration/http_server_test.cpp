// The web server over real loopback sockets: a raw client (Beast's parser to read replies) on
// the server's own io_context, every test bounded by Run()'s deadline.
#include <gtest/gtest.h>
#include <zlib.h>

#include "common/asio.hpp"
// clang-format off
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
// clang-format on

#include <functional>
#include <memory>
#include <stdexcept>

#include "http/http_server.hpp"

namespace stx::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Reply = bhttp::response<bhttp::string_body>;

std::string Field(const Reply& reply, std::string_view name) {
  const auto value = reply[beast::string_view(name.data(), name.size())];
  return std::string(value.data(), value.size());
}

std::string BigBody() {
  std::string body;
  for (int i = 0; body.size() < 20000; ++i)
    body += "starttls_ehlo_status{domain=\"p" + std::to_string(i % 13) + ".example\"} 1\n";
  return body;
}

std::string Gunzip(const std::string& packed) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw std::runtime_error("inflateInit2");
  std::string out;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
  zs.avail_in = static_cast<uInt>(packed.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    char chunk[16384];
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof chunk;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(chunk, sizeof chunk - zs.avail_out);
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("not a complete gzip stream");
  return out;
}

std::string RequestText(const std::string& method, const std::string& target,
                        const std::string& headers = "", const std::string& body = "") {
  return method + " " + target + " HTTP/1.1\r\nHost: test\r\n" + headers +
         (body.empty() ? "" : "Content-Length: " + std::to_string(body.size()) + "\r\n") + "\r\n" +
         body;
}
std::string Get(const std::string& target, const std::string& headers = "") {
  return RequestText("GET", target, headers);
}

struct Connection {
  explicit Connection(asio::any_io_executor ex) : socket(ex) {}
  tcp::socket socket;
  beast::flat_buffer buffer;
};

awaitable<std::unique_ptr<Connection>> Connect(tcp::endpoint endpoint) {
  auto connection = std::make_unique<Connection>(co_await asio::this_coro::executor);
  co_await connection->socket.async_connect(endpoint, asio::use_awaitable);
  co_return connection;
}

awaitable<void> Send(Connection& c, const std::string& data) {
  co_await asio::async_write(c.socket, asio::buffer(data), asio::use_awaitable);
}

awaitable<Reply> ReadReply(Connection& c, bool head = false) {
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(std::uint64_t{16} << 20);
  parser.skip(head);  // a reply to HEAD has Content-Length but no content
  co_await bhttp::async_read(c.socket, c.buffer, parser, asio::use_awaitable);
  co_return parser.release();
}

struct Closed {
  std::string bytes;  ///< what arrived before the close
  std::chrono::milliseconds after{0};
};

// Reads until the server closes the connection (EOF or reset).
awaitable<Closed> ReadUntilClosed(Connection& c) {
  const auto start = Clock::now();
  Closed closed;
  closed.bytes = beast::buffers_to_string(c.buffer.data());
  for (;;) {
    char chunk[4096];
    error_code ec;
    const std::size_t n = co_await c.socket.async_read_some(
        asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    closed.bytes.append(chunk, n);
  }
  closed.after = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  co_return closed;
}

awaitable<void> Sleep(std::chrono::milliseconds duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  co_await timer.async_wait(asio::use_awaitable);
}

Response Text(std::string body) {
  Response r;
  r.body = std::move(body);
  return r;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void Start(HttpServerOptions options = {}, const std::string& address = "127.0.0.1:0") {
    options.log_error = [this](const std::string& message) { errors_.push_back(message); };
    server_ = std::make_unique<HttpServer>(io_.get_executor(), address, std::move(options));
    server_->Route("GET", "/hello",
                   [](const Request&) -> awaitable<Response> { co_return Text("hello\n"); });
    server_->Route("GET", "/echo", [](const Request& request) -> awaitable<Response> {
      std::string body = "path=" + request.path + "\n";
      for (const auto& [key, value] : request.query) body += key + "=" + value + "\n";
      body += "remote=" + request.remote + "\n";
      co_return Text(body);
    });
    server_->Route("POST", "/echo-body", [](const Request& request) -> awaitable<Response> {
      co_return Text(request.body);
    });
    server_->Route("POST", "/-/reload",
                   [](const Request&) -> awaitable<Response> { co_return Text("reloaded\n"); });
    server_->Route("GET", "/big", [](const Request&) -> awaitable<Response> {
      Response r = Text(BigBody());
      r.compressible = true;
      co_return r;
    });
    server_->Route("GET", "/small", [](const Request&) -> awaitable<Response> {
      Response r = Text("tiny\n");
      r.compressible = true;
      co_return r;
    });
    server_->Route("GET", "/throw", [](const Request&) -> awaitable<Response> {
      throw std::runtime_error("boom");
      co_return Text("unreachable");
    });
    server_->Route("GET", "/slow", [this](const Request&) -> awaitable<Response> {
      error_code ec;  // released by the test (cancel) or at its end
      co_await release_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      co_return Text("slow\n");
    });
    server_->Route("GET", "/sleep", [](const Request&) -> awaitable<Response> {
      co_await Sleep(400ms);  // longer than the request timeout of the test that uses it
      co_return Text("slept\n");
    });
    server_->Route("GET", "/headers", [](const Request&) -> awaitable<Response> {
      Response r = Text("h\n");
      r.headers = {{"X-Test", "yes"}, {"X-Evil", "a\r\nInjected: 1"}};
      co_return r;
    });
    // A body in 200 pieces of 1 KiB; each piece records how many /hello were answered by then.
    server_->Route("GET", "/pieces", [this](const Request&) -> awaitable<Response> {
      Response r;
      r.compressible = true;
      auto next = std::make_shared<int>(0);
      r.pieces = [this, next](std::string& out) {
        hellos_seen_by_piece_.push_back(hellos_);
        out += PieceText((*next)++);
        return *next < kPieces;
      };
      co_return r;
    });
    server_->Route("GET", "/pieces-throw", [](const Request&) -> awaitable<Response> {
      Response r;
      auto calls = std::make_shared<int>(0);
      r.pieces = [calls](std::string& out) -> bool {
        if ((*calls)++ > 0) throw std::runtime_error("piece failed");
        out += PieceText(0);
        return true;
      };
      co_return r;
    });
    server_->Route("GET", "/count-hello", [this](const Request&) -> awaitable<Response> {
      ++hellos_;
      co_return Text("hello\n");
    });
    server_->Start();
  }

  static constexpr int kPieces = 200;
  static std::string PieceText(int i) {
    return std::string(1023, static_cast<char>('a' + i % 26)) + "\n";
  }
  static std::string AllPieces() {
    std::string all;
    for (int i = 0; i < kPieces; ++i) all += PieceText(i);
    return all;
  }

  // Runs `body` next to the server; fails when it does not finish within `limit`.
  void Run(std::function<awaitable<void>()> body, std::chrono::milliseconds limit = 10s) {
    bool done = false;
    std::exception_ptr failure;
    auto finished = [&](std::exception_ptr e) {
      done = true;
      failure = e;
      release_.cancel();
      if (server_) server_->Stop();
    };
    asio::co_spawn(io_, body(), finished);
    io_.run_for(limit);
    ASSERT_TRUE(done) << "the test did not finish within " << limit.count() << " ms";
    if (!failure) return;
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      FAIL() << "exception: " << e.what();
    }
  }

  tcp::endpoint endpoint() const { return server_->local_endpoint(); }

  asio::io_context io_;
  asio::steady_timer release_{io_, asio::steady_timer::time_point::max()};
  std::unique_ptr<HttpServer> server_;
  std::vector<std::string> errors_;
  int hellos_ = 0;
  std::vector<int> hellos_seen_by_piece_;
};

TEST_F(HttpServerTest, GetAnswersWithTheHandlersResponse) {
  Start();
  Run([&]() -> awaitable<void> {
    auto c = co_await Connect(endpoint());
    co_await Send(*c, Get("/hello"));
    const Reply reply = co_await ReadReply(*c);
    EXPECT_EQ(reply.result_int(), 200u);
    EXPECT_EQ(reply.body(), "hello\n");
    EXPECT_EQ(Field(reply, "Content-Type"), "text/plain; charset=utf-8");
    EXPECT_EQ(Field(reply, "Content-Length"), "6");
    EXPECT_EQ(Field(reply, "X-Content-Type-Options"), "nosniff");
    EXPECT_TRUE(reply.keep_alive());
  });
}

TEST_F(HttpServerTest, HeadSendsTheFieldsOfGetWithoutTheBody) {
  Start();
  Run([&]() -> awaitable<void> {
    auto c = co_await Connect(endpoint());
    co_await Send(*c, RequestText("HEAD", "/big") + Get("/hello"));
    const Reply head = co_await ReadReply(*c, true);
    EXPECT_EQ(head.result_int(), 200u);
    EXPECT_EQ(Field(head, "Content-Length"), std::to_string(BigBody().size()));
    EXPECT_TRUE(head.body().empty());
    // Had the server sent the body after all, this would read it instead of the next reply.
    const Reply next = co_await ReadReply(*c);
    EXPECT_EQ(next.body(), "hello\n");
  });
}

TEST_F(HttpServerTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  Start();
  Run([&]() -> awaitable<void> {
    auto c = co_await Connect(endpoint());
    co_await Send(*c, Get("/nope"));
    const Reply missing = co_await ReadReply(*c);
    EXPECT_EQ(missing.result_int(), 404u);
    EXPECT_EQ(missing.body(), "404 page not found\n");

    co_await Send(*c, Get("/-/reload"));
    const Reply get_reload = co_await ReadReply(*c);
    EXPECT_EQ(get_reload.result_int(), 405u);
    EXPECT_EQ(Field(get_reload, "Allow"), "POST");

    co_await Send(*c, RequestText("POST", "/hello", "", "x"));
    const Reply post_hello = co_await ReadReply(*c);
    EXPECT_EQ(post_hello.result_int(), 405u);
    EXPECT_EQ(Field(post_hello, "Allow"), "GET, HEAD");

    co_await Send(*c, RequestText("POST", "/-/reload"));
    EXPECT_EQ((co_await ReadReply(*c)).body(), "reloaded\n");
  });
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  Start();
  Run([&]() -> awaitable<void> {
    auto c = co_await Connect(endpoint());
    co_await Send(*c, Get("/echo"));
    const Reply first = co_await ReadReply(*c);
    co_await Send(*c, Get("/echo"));
    const Reply second = co_await ReadReply(*c);
    EXPECT_EQ(first.body(), second.body());  // same remote port: the same connection
    EXPECT_NE(first.body().find("remote=127.0.0.1:"), std::string::npos);
    EXPECT_EQ(server_->connection_count(), 1u);
    // Pipelined: both requests in one write, answered in order.
    co_await Send(*c, Get("/hello") + Get("/echo?n=2"));
    EXPECT_EQ((co_await ReadReply(*c)).body(), "hello\n");
    EXPECT_NE((co_await ReadReply(*c)).body().find("n=2\n"), std::string::npos);
  });
}

TEST_F(HttpServerTest, DecodesTheQueryStringAndPath) {
  Start();
  Run([&]() -> awaitable<void> {
    auto c = co_await Connect(endpoint());
    co_await Send(*c, Get("/echo?target=bank%2Eexample&note=a+b%20c&target=second&flag"));
    const Reply reply = co_await ReadReply(*c);
    EXPECT_EQ(reply.body().substr(0, reply.body().find("remote=")),
              "path=/echo\nflag=\nnote=a b c\ntarget=bank.example\n");
    co_await Send(*c, Get("/h%65llo"));
    EXPECT_EQ((co_await ReadReply(*c)).body(), "hello\n");
    co_await Send(*c, Get("/echo?target=%zz"));
    EXPECT_EQ((co_await ReadReply(*c)).result_int(), 400u);
    co_await Send(*c, Get("/hello"));  // still usable
    EXPECT_EQ((co_await ReadReply(*c)).body(), "hello\n");
  });
}

TEST_F(HttpServerTest, GzipsCompressibleBodiesWhenTheClientAllowsIt) {
  Start();
  Run([&]() -> awaitable<void> {
    auto c = co_await Connect(endpoint());
    co_await Send(*c, Get("/big", "Accept-Encoding: gzip, deflate\r\n"));
    const Reply gzipped = co_await ReadReply(*c);
    EXPECT_EQ(Field(gzipped, "Content-Encoding"), "gzip");
    EXPECT_EQ(Field(gzipped, "Vary"), "Accept-Encoding");
    EXPECT_LT(gzipped.body().size(), BigBody().size() / 4);
    EXPECT_EQ(Gunzip(gzipped.body()), BigBody());

    co_await Send(*c, Get("/big", "Accept-Encoding: gzip;q=0, identity\r\n"));
    const Reply refused = co_await ReadReply(*c);
    EXPECT_EQ(Field(refused, "Content-Encoding"), "");
    EXPECT_EQ(Field(refused, "Vary"), "Accept-Encoding");
    EXPECT_EQ(refused.body(), BigBody());

    co_await Send(*c, Get("/big"));
    EXPECT_EQ((co_await ReadReply(*c)).body(), BigBody());

    // Too small to be worth it, or not compressible at all.
    co_await Send(*c, Get("/small", "Accept-Encoding: gzip\r\n"));
    const Reply small = co_await ReadReply(*c);
    EXPECT_EQ(Field(small, "Content-Encoding"), "");
    EXPECT_EQ(small.body(), "tiny\n");
    co_await Send(*c, Get("/hello", "Accept-Encoding: gzip\r\n"));
    const Reply plain = co_await ReadReply(*c);
    EXPECT_EQ(Field(plain, "Content-Encoding"), "");
    EXPECT_EQ(Field(plain, "Vary"), "");
  });
}

TEST_F(HttpServerTest, ABodyInPiecesIsSentChunkedAndTheConnectionStaysUsable) {
  Start();
  Run([&]() -> awaitable<void> {
    auto c = co_await Connect(endpoint());
    co_await Send(*c, Get("/pieces"));
    const Reply reply = co_await ReadReply(*c);
    EXPECT_EQ(reply.result_int(), 200u);
    EXPECT_EQ(Field(reply, "Transfer-Encoding"), "chunked");
    EXPECT_EQ(Field(reply, "Content-Length"), "");
    EXPECT_EQ(reply.body(), AllPieces());
    co_await Send(*c, Get("/hello"));
    EXPECT_EQ((co_await ReadReply(*c)).body(), "hello\n");
  });
  EXPECT_EQ(hellos_seen_by_piece_.size(), static_cast<std::size_t>(kPieces));
}

TEST_F(HttpServerTest, ABodyInPiecesIsGzippedOnTheFly) {
  Start();
  Run([&]() -> awaitable<void> {
    auto c = co_await Connect(endpoint());
    co_await Send(*c, Get("/pieces", "Accept-Encoding: gzip\r\n"));
    const Reply reply = co_await ReadReply(*c);
    EXPECT_EQ(Field(reply, "Content-Encoding"), "gzip");
    EXPECT_EQ(Field(reply, "Vary"), "Accept-Encoding");
    EXPECT_EQ(Field(reply, "Transfer-Encoding"), "chunked");
    EXPECT_LT(reply.body().size(), AllPieces().size() / 20);
    EXPECT_EQ(Gunzip(reply.body()), AllPieces());
  });
}

TEST_F(HttpServerTest, HeadOfABodyInPiecesProducesNoPiece) {
  Start();
  Run([&]() -> awaitable<void> {
    auto c = co_await Connect(endpoint());
    co_await Send(*c, RequestText("HEAD", "/pieces"));
    const Reply head = co_await ReadReply(*c, true);
    EXPECT_EQ(head.result_int(), 200u);
    EXPECT_EQ(Field(head, "Transfer-Encoding"), "chunked");
    co_await Send(*c, Get("/hello"));
    EXPECT_EQ((co_await ReadReply(*c)).body(), "hello\n");
  });
  EXPECT_TRUE(hellos_seen_by_piece_.empty());
}

TEST_F(HttpServerTest, Http10GetsABodyInPiecesWholeWithContentLength) {
  Start();
  Run([&]() -> awaitable<void> {
    auto c = co_await Connect(endpoint());
    co_await Send(*c, "GET /pieces HTTP/1.0\r\n\r\n");
    const Reply reply = co_await ReadReply(*c);
    EXPECT_EQ(reply.version(), 10u);
    EXPECT_EQ(Field(reply, "Transfer-Encoding"), "");
    EXPECT_EQ(Field(reply, "Content-Length"), std::to_string(AllPieces().size()));
    EXPECT_EQ(reply.body(), AllPieces());
    EXPECT_EQ((co_await ReadUntilClosed(*c)).bytes, "");
  });
}

// The point of pieces: a large body (a scrape of 10,000 partners) does not hold the event loop,
// so another client is answered while it is being sent.
TEST_F(HttpServerTest, OtherClientsAreServedBetweenPieces) {
  Start();
  Run([&]() -> awaitable<void> {
    auto big = co_await Connect(endpoint());
    auto small = co_await Connect(endpoint());
    co_await Send(*big, Get("/pieces"));
    co_await Send(*small, Get("/count-hello"));
    EXPECT_EQ((co_await ReadReply(*small)).body(), "hello\n");
    EXPECT_EQ((co_await ReadReply(*big)).body(), AllPieces());
  });
  ASSERT_EQ(hellos_seen_by_piece_.size(), static_cast<std::size_t>(kPieces));
  EXPECT_EQ(hellos_seen_by_piece_.front(), 0) << "the first piece came after the other answer";
  EXPECT_EQ(hellos_seen_by_piece_.back(), 1) << "the other client waited for the whole body";
}

TEST_F(HttpServerTest, APieceThatThrowsCutsTheBodyAndTheServerGoesOn) {
  Start();
  Run([&]() -> awaitable<void> {
    auto c = co_await Connect(endpoint());
    co_await Send(*c, Get("/pieces-throw"));
    const Closed closed = co_await ReadUntilClosed(*c);
    EXPECT_NE(closed.bytes.find("Transfer-Encoding: chunked"), std::string::npos);
    EXPECT_EQ(closed.bytes.find("\r\n0\r\n\r\n"), std::string::npos)
        << "a cut body must not end like a complete one";
    auto again = co_await Connect(endpoint());
    co_await Send(*again, Get("/hello"));
    EXPECT_EQ((co_await ReadReply(*again)).body(), "hello\n");
  });
  ASSERT_FALSE(errors_.empty());
  EXPECT_NE(errors_.back().find("piece failed"), std::string::npos) << errors_.back();
}

TEST_F(HttpServerTest, OversizedHeadersGet431AndTheConnectionCloses) {
  Start();
  Run([&]() -> awaitable<void> {
    auto c = co_await Connect(endpoint());
    co_await Send(*c, Get("/hello", "X-Big: " + std::string(10000, 'a') + "\r\n"));
    const Reply reply = co_await ReadReply(*c);
    EXPECT_EQ(reply.result_int(), 431u);
    EXPECT_FALSE(reply.keep_alive());
    const Closed closed = co_await ReadUntilClosed(*c);
    EXPECT_EQ(closed.bytes, "");
  });
}

TEST_F(HttpServerTest, OversizedBodyGets413AndABodyWithinTheLimitArrives) {
  Start();
  Run([&]() -> awaitable<void> {
    auto c = co_await Connect(endpoint());
    co_await Send(*c, RequestText("POST", "/echo-body", "", std::string(1000, 'b')));
    EXPECT_EQ((co_await ReadReply(*c)).body(), std::string(1000, 'b'));
    co_await Send(*c, "POST /echo-body HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n");
    const Reply reply = co_await ReadReply(*c);
    EXPECT_EQ(reply.result_int(), 413u);
    co_await ReadUntilClosed(*c);
  });
}

TEST_F(HttpServerTest, AnswersExpect100ContinueBeforeTheBody) {
  Start();
  Run([&]() -> awaitable<void> {
    auto c = co_await Connect(endpoint());
    co_await Send(*c,
                  "POST /echo-body HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n"
                  "Expect: 100-continue\r\n\r\n");
    EXPECT_EQ((co_await ReadReply(*c)).result_int(), 100u);
    co_await Send(*c, "ping");
    EXPECT_EQ((co_await ReadReply(*c)).body(), "ping");
  });
}

TEST_F(HttpServerTest, ClosesAClientThatStallsMidRequest) {
  HttpServerOptions options;
  options.first_request_timeout = 300ms;
  Start(options);
  Run([&]() -> awaitable<void> {
    auto c = co_await Connect(endpoint());
    co_await Send(*c, "GET /hello HTTP/1.1\r\nHost: t\r\n");  // no blank line: never ends
    const Closed closed = co_await ReadUntilClosed(*c);
    EXPECT_EQ(closed.bytes, "");
    EXPECT_GE(closed.after, 100ms);  // the timeout, not an immediate close
    EXPECT_LT(closed.after, 3s);
  });
}

TEST_F(HttpServerTest, ClosesAKeepAliveClientThatStallsMidRequest) {
  HttpServerOptions options;
  options.request_timeout = 300ms;
  Start(options);
  Run([&]() -> awaitable<void> {
    auto c = co_await Connect(endpoint());
    co_await Send(*c, Get("/hello"));
    EXPECT_EQ((co_await ReadReply(*c)).body(), "hello\n");
    co_await Send(*c, "GET /hello HTTP/1.1\r\nHost: t\r\n");  // the second never ends
    const Closed closed = co_await ReadUntilClosed(*c);
    EXPECT_EQ(closed.bytes, "");
    EXPECT_GE(closed.after, 100ms);
    EXPECT_LT(closed.after, 3s);
  });
}

TEST_F(HttpServerTest, TheFirstRequestMustBeCompleteWithinItsDeadlineEvenWhenDripped) {
  // One deadline from accept: a client sending a byte now and then does not extend it.
  HttpServerOptions options;
  options.first_request_timeout = 600ms;
  Start(options);
  Run([&]() -> awaitable<void> {
    const auto start = Clock::now();
    auto c = co_await Connect(endpoint());
    for (const char byte : std::string("GET ")) {  // 400 ms of dripping, within the deadline
      co_await Send(*c, std::string(1, byte));
      co_await Sleep(100ms);
    }
    const Closed closed = co_await ReadUntilClosed(*c);
    EXPECT_EQ(closed.bytes, "");
    EXPECT_GE(Clock::now() - start, 500ms);
    EXPECT_LT(Clock::now() - start, 1500ms);
  });
}

TEST_F(HttpServerTest, AHandlerMayTakeLongerThanTheRequestTimeout) {
  // The timeout bounds the client (reading its request, taking the response), not the handler:
  // /probe runs a whole SMTP dialogue.
  HttpServerOptions options;
  options.request_timeout = 200ms;
  Start(options);
  Run([&]() -> awaitable<void> {
    auto c = co_await Connect(endpoint());
    co_await Send(*c, Get("/sleep"));
    EXPECT_EQ((co_await ReadReply(*c)).body(), "slept\n");
  });
}

TEST_F(HttpServerTest, ClosesASilentConnection) {
  HttpServerOptions options;
  options.first_request_timeout = 300ms;
  Start(options);
  Run([&]() -> awaitable<void> {
    auto c = co_await Connect(endpoint());
    const Closed closed = co_await ReadUntilClosed(*c);
    EXPECT_GE(closed.after, 100ms);  // the timeout, not an immediate close
    EXPECT_LT(closed.after, 3s);
  });
}

TEST_F(HttpServerTest, ClosesAnIdleKeepAliveConnection) {
  HttpServerOptions options;
  options.idle_timeout = 300ms;
  Start(options);
  Run([&]() -> awaitable<void> {
    auto c = co_await Connect(endpoint());
    co_await Send(*c, Get("/hello"));
    co_await ReadReply(*c);
    const Closed closed = co_await ReadUntilClosed(*c);
    EXPECT_GE(closed.after, 100ms);  // the timeout, not an immediate close
    EXPECT_LT(closed.after, 3s);
  });
}

TEST_F(HttpServerTest, StopClosesIdleKeepAliveConnectionsAndTheListener) {
  Start();  // idle timeout 60 s: only Stop() can end the connection in time
  Run([&]() -> awaitable<void> {
    auto c = co_await Connect(endpoint());
    co_await Send(*c, Get("/hello"));
    co_await ReadReply(*c);
    const tcp::endpoint where = endpoint();
    server_->Stop();
    const Closed closed = co_await ReadUntilClosed(*c);
    EXPECT_LT(closed.after, 1s);
    tcp::socket again(co_await asio::this_coro::executor);
    error_code ec;
    co_await again.async_connect(where, asio::redirect_error(asio::use_awaitable, ec));
    EXPECT_EQ(ec, asio::error::connection_refused);
    EXPECT_EQ(server_->connection_count(), 0u);
  });
}

TEST_F(HttpServerTest, StopClosesAConnectionWhoseHandlerStillRuns) {
  Start();
  Run([&]() -> awaitable<void> {
    auto c = co_await Connect(endpoint());
    co_await Send(*c, Get("/slow"));
    co_await Sleep(100ms);
    server_->Stop();
    const Closed closed = co_await ReadUntilClosed(*c);
    EXPECT_EQ(closed.bytes, "");
    EXPECT_LT(closed.after, 1s);
  });
}

TEST_F(HttpServerTest, AHandlerThatThrowsGets500AndTheConnectionStaysUsable) {
  Start();
  Run([&]() -> awaitable<void> {
    auto c = co_await Connect(endpoint());
    co_await Send(*c, Get("/throw"));
    const Reply reply = co_await ReadReply(*c);
    EXPECT_EQ(reply.result_int(), 500u);
    EXPECT_EQ(reply.body(), "500 internal server error\n");
    co_await Send(*c, Get("/hello"));
    EXPECT_EQ((co_await ReadReply(*c)).body(), "hello\n");
  });
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_EQ(errors_[0], "handler for GET /throw failed: boom");
}

TEST_F(HttpServerTest, ASlowHandlerDoesNotHoldUpOtherConnections) {
  Start();
  Run([&]() -> awaitable<void> {
    auto slow = co_await Connect(endpoint());
    co_await Send(*slow, Get("/slow"));
    auto quick = co_await Connect(endpoint());
    co_await Send(*quick, Get("/hello"));
    EXPECT_EQ((co_await ReadReply(*quick)).body(), "hello\n");
    release_.cancel();
    EXPECT_EQ((co_await ReadReply(*slow)).body(), "slow\n");
  });
}

TEST_F(HttpServerTest, ANewcomerToAFullTableTakesThePlaceOfTheOldestIdleConnection) {
  HttpServerOptions options;
  options.max_connections = 2;
  Start(options);
  Run([&]() -> awaitable<void> {
    auto first = co_await Connect(endpoint());
    auto second = co_await Connect(endpoint());
    for (Connection* c : {first.get(), second.get()}) {
      co_await Send(*c, Get("/hello"));
      EXPECT_EQ((co_await ReadReply(*c)).body(), "hello\n");
    }
    auto third = co_await Connect(endpoint());
    co_await Send(*third, Get("/hello"));
    EXPECT_EQ((co_await ReadReply(*third)).body(), "hello\n");
    const Closed evicted = co_await ReadUntilClosed(*first);
    EXPECT_EQ(evicted.bytes, "");
    EXPECT_LT(evicted.after, 1s);
    co_await Send(*second, Get("/hello"));
    EXPECT_EQ((co_await ReadReply(*second)).body(), "hello\n");
    EXPECT_EQ(server_->connection_count(), 2u);
  });
}

TEST_F(HttpServerTest, ANewcomerIsRefusedOnlyWhenEveryConnectionIsBusy) {
  HttpServerOptions options;
  options.max_connections = 2;
  WebCounters counters;
  options.counters = &counters;
  Start(options);
  Run([&]() -> awaitable<void> {
    auto first = co_await Connect(endpoint());
    auto second = co_await Connect(endpoint());
    for (Connection* c : {first.get(), second.get()}) co_await Send(*c, Get("/slow"));
    co_await Sleep(100ms);  // both requests read: both connections busy
    auto third = co_await Connect(endpoint());
    const Closed refused = co_await ReadUntilClosed(*third);
    EXPECT_EQ(refused.bytes, "");
    EXPECT_LT(refused.after, 1s);
    EXPECT_EQ(counters.closed[static_cast<std::size_t>(WebCounters::Closed::kTableFull)], 1u);
    release_.cancel();
    for (Connection* c : {first.get(), second.get()}) {
      EXPECT_EQ((co_await ReadReply(*c)).body(), "slow\n");
    }
  });
}

TEST_F(HttpServerTest, Http10ClientsGetOneResponsePerConnection) {
  Start();
  Run([&]() -> awaitable<void> {
    auto c = co_await Connect(endpoint());
    co_await Send(*c, "GET /hello HTTP/1.0\r\n\r\n");
    const Reply reply = co_await ReadReply(*c);
    EXPECT_EQ(reply.version(), 10u);
    EXPECT_EQ(reply.body(), "hello\n");
    EXPECT_EQ((co_await ReadUntilClosed(*c)).bytes, "");
  });
}

TEST_F(HttpServerTest, DropsHandlerHeaderFieldsThatWouldSplitTheResponse) {
  Start();
  Run([&]() -> awaitable<void> {
    auto c = co_await Connect(endpoint());
    co_await Send(*c, Get("/headers"));
    const Reply reply = co_await ReadReply(*c);
    EXPECT_EQ(Field(reply, "X-Test"), "yes");
    EXPECT_EQ(Field(reply, "X-Evil"), "");
    EXPECT_EQ(Field(reply, "Injected"), "");
  });
}

TEST_F(HttpServerTest, ListensOnEveryInterfaceForAnEmptyHost) {
  Start({}, ":0");
  EXPECT_NE(endpoint().port(), 0);
  Run([&]() -> awaitable<void> {
    auto c =
        co_await Connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), endpoint().port()));
    co_await Send(*c, Get("/hello"));
    EXPECT_EQ((co_await ReadReply(*c)).body(), "hello\n");
  });
}

TEST_F(HttpServerTest, ListensOnIpv6Loopback) {
  // The probe tests need ::1 too: a machine without it fails here, loudly.
  Start({}, "[::1]:0");
  Run([&]() -> awaitable<void> {
    auto c = co_await Connect(endpoint());
    co_await Send(*c, Get("/hello"));
    EXPECT_EQ((co_await ReadReply(*c)).body(), "hello\n");
  });
}

TEST_F(HttpServerTest, ConstructorNamesTheAddressAndTheCause) {
  try {
    HttpServer bad(io_.get_executor(), "nonsense");
    ADD_FAILURE() << "accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("listen address 'nonsense': the port is missing"),
              std::string::npos)
        << e.what();
  }
  HttpServer first(io_.get_executor(), "127.0.0.1:0");
  const std::string taken = "127.0.0.1:" + std::to_string(first.local_endpoint().port());
  try {
    HttpServer second(io_.get_executor(), taken);
    ADD_FAILURE() << "bound a port in use";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("listen address '" + taken + "': cannot listen on " + taken + ": "),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("in use"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace stx::http
