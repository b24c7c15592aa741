#pragma once
// A client for the web server's TLS and authentication tests: plain and TLS connections on the
// server's own io_context (Beast's parser reads the replies), a certificate from an ephemeral
// CA, and a fixture whose Run() bounds every test in time.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "common/asio.hpp"
// clang-format off
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
// clang-format on

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/http_server.hpp"
#include "scripted/ephemeral_pki.hpp"

namespace stx::http::test {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;
using Reply = bhttp::response<bhttp::string_body>;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using namespace std::chrono_literals;

inline std::string Field(const Reply& reply, std::string_view name) {
  const auto value = reply[beast::string_view(name.data(), name.size())];
  return std::string(value.data(), value.size());
}

inline std::string Get(const std::string& target, const std::string& headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: test\r\n" + headers + "\r\n";
}

/// "Authorization: Basic base64(user:password)\r\n" (base64 by OpenSSL).
inline std::string BasicAuth(const std::string& user, const std::string& password) {
  const std::string plain = user + ":" + password;
  std::string encoded(4 * ((plain.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                reinterpret_cast<const unsigned char*>(plain.data()),
                                static_cast<int>(plain.size()));
  encoded.resize(static_cast<std::size_t>(n));
  return "Authorization: Basic " + encoded + "\r\n";
}

/// Any client stream and its read buffer.
template <class Stream>
struct Client {
  explicit Client(Stream s) : stream(std::move(s)) {}
  Stream stream;
  beast::flat_buffer buffer;
};

inline awaitable<std::unique_ptr<Client<beast::tcp_stream>>> ConnectPlain(tcp::endpoint endpoint) {
  auto client = std::make_unique<Client<beast::tcp_stream>>(
      beast::tcp_stream(co_await asio::this_coro::executor));
  co_await client->stream.socket().async_connect(endpoint, asio::use_awaitable);
  co_return client;
}

/// A TLS client that trusts `context`'s CAs and checks the certificate for 127.0.0.1. The
/// handshake's error goes to `ec` (the stream is returned either way).
inline awaitable<std::unique_ptr<Client<TlsStream>>> ConnectTls(tcp::endpoint endpoint,
                                                                ssl::context& context,
                                                                error_code& ec) {
  auto client = std::make_unique<Client<TlsStream>>(
      TlsStream(beast::tcp_stream(co_await asio::this_coro::executor), context));
  co_await beast::get_lowest_layer(client->stream)
      .socket()
      .async_connect(endpoint, asio::use_awaitable);
  client->stream.set_verify_mode(ssl::verify_peer);
  client->stream.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
  static constexpr unsigned char kAlpn[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_set_alpn_protos(client->stream.native_handle(), kAlpn, sizeof kAlpn);
  beast::get_lowest_layer(client->stream).expires_after(5s);
  co_await client->stream.async_handshake(ssl::stream_base::client,
                                          asio::redirect_error(asio::use_awaitable, ec));
  co_return client;
}

template <class Stream>
awaitable<void> Send(Client<Stream>& c, const std::string& data) {
  co_await asio::async_write(c.stream, asio::buffer(data), asio::use_awaitable);
}

template <class Stream>
awaitable<Reply> ReadReply(Client<Stream>& c) {
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(std::uint64_t{16} << 20);
  co_await bhttp::async_read(c.stream, c.buffer, parser, asio::use_awaitable);
  co_return parser.release();
}

template <class Stream>
awaitable<Reply> Exchange(Client<Stream>& c, const std::string& request) {
  co_await Send(c, request);
  co_return co_await ReadReply(c);
}

struct Closed {
  std::string bytes;  ///< what arrived before the close
  std::chrono::milliseconds after{0};
};

/// Reads until the server closes the connection (EOF or reset); `after` counts from `start`.
template <class Stream>
awaitable<Closed> ReadUntilClosed(Client<Stream>& c, Clock::time_point start) {
  Closed closed;
  closed.bytes = beast::buffers_to_string(c.buffer.data());
  for (;;) {
    char chunk[4096];
    error_code ec;
    const std::size_t n = co_await c.stream.async_read_some(
        asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    closed.bytes.append(chunk, n);
  }
  closed.after = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  co_return closed;
}

inline awaitable<void> Sleep(std::chrono::milliseconds duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  co_await timer.async_wait(asio::use_awaitable);
}

/// A server with two routes on 127.0.0.1:0, certificates from an ephemeral CA (a leaf for
/// 127.0.0.1), and Run(), which fails a test that does not finish in time.
class SecureServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = scripted::MakePkiDirectory("stx-http-secure");
    pki_ = std::make_unique<scripted::EphemeralPki>(dir_);
    cert_ = Issue("web");
    client_tls_.load_verify_file(pki_->ca_path());
  }
  void TearDown() override {
    server_.reset();  // joins its verification thread before the io_context goes
    std::filesystem::remove_all(dir_);
  }

  scripted::CertFiles Issue(const std::string& name) {
    scripted::CertSpec spec = scripted::CertSpec::Valid("exporter.test");
    spec.ip_sans = {"127.0.0.1"};
    spec.name = name;
    return pki_->Issue(spec);
  }

  /// [web] settings for `cert` (none: plain HTTP) and `users`.
  static WebSecurity Security(const scripted::CertFiles* cert,
                              std::vector<std::pair<std::string, std::string>> users = {},
                              config::TlsVersion min_version = config::TlsVersion::kTls12) {
    config::WebSettings web;
    if (cert != nullptr) {
      web.tls_cert_file = cert->cert_chain_pem_path;
      web.tls_key_file = cert->key_path;
    }
    web.tls_min_version = min_version;
    web.basic_auth_users = std::move(users);
    return MakeWebSecurity(web);
  }

  void Start(WebSecurity security, HttpServerOptions options = {}) {
    options.log_error = [this](const std::string& message) { errors_.push_back(message); };
    server_ = std::make_unique<HttpServer>(io_.get_executor(), "127.0.0.1:0", std::move(options));
    server_->SetSecurity(std::move(security));
    server_->Route("GET", "/hello", [](const Request&) -> awaitable<Response> {
      Response r;
      r.body = "hello\n";
      co_return r;
    });
    server_->Route("POST", "/-/reload", [](const Request&) -> awaitable<Response> {
      Response r;
      r.body = "reloaded\n";
      co_return r;
    });
    server_->Start();
  }

  void Run(std::function<awaitable<void>()> body, std::chrono::milliseconds limit = 20s) {
    bool done = false;
    std::exception_ptr failure;
    auto finished = [&](std::exception_ptr e) {
      done = true;
      failure = e;
      if (server_) server_->Stop();
    };
    io_.restart();  // a test may Run() more than once
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

  std::string dir_;
  std::unique_ptr<scripted::EphemeralPki> pki_;
  scripted::CertFiles cert_;
  ssl::context client_tls_{ssl::context::tls_client};
  asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
  std::vector<std::string> errors_;
};

}  // namespace stx::http::test
