// The web server over TLS on loopback: real handshakes against a certificate from an ephemeral
// CA, the request limits still holding, a handshake that never ends closed in time, plain HTTP
// on the TLS port answered and closed, and certificate rotation for new connections.
#include <openssl/bn.h>
#include <openssl/x509.h>

#include "integration/http_test_client.hpp"

namespace stx::http::test {
namespace {

/// The serial number of the certificate the server presented, upper-case hex.
std::string PeerSerial(TlsStream& stream) {
  X509* cert = SSL_get1_peer_certificate(stream.native_handle());
  if (cert == nullptr) return "";
  BIGNUM* number = ASN1_INTEGER_to_BN(X509_get_serialNumber(cert), nullptr);
  char* hex = BN_bn2hex(number);
  std::string serial = hex;
  OPENSSL_free(hex);
  BN_free(number);
  X509_free(cert);
  return serial;
}

using HttpTls = SecureServerTest;

TEST_F(HttpTls, ServesRequestsOverTlsWithKeepAlive) {
  Start(Security(&cert_));
  Run([&]() -> awaitable<void> {
    error_code ec;
    auto c = co_await ConnectTls(endpoint(), client_tls_, ec);
    EXPECT_FALSE(ec) << ec.message();  // verified against the CA, for 127.0.0.1
    EXPECT_EQ(std::string(SSL_get_version(c->stream.native_handle())), "TLSv1.3");
    const unsigned char* alpn = nullptr;
    unsigned int alpn_length = 0;
    SSL_get0_alpn_selected(c->stream.native_handle(), &alpn, &alpn_length);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(alpn), alpn_length), "http/1.1");
    EXPECT_EQ(PeerSerial(c->stream), cert_.serial_hex);
    const Reply first = co_await Exchange(*c, Get("/hello"));
    EXPECT_EQ(first.result_int(), 200u);
    EXPECT_EQ(first.body(), "hello\n");
    EXPECT_TRUE(first.keep_alive());
    const Reply second = co_await Exchange(*c, Get("/nope"));
    EXPECT_EQ(second.result_int(), 404u);
    EXPECT_EQ(server_->connection_count(), 1u);
  });
  EXPECT_TRUE(errors_.empty());
}

TEST_F(HttpTls, MinimumVersionRefusesOlderClients) {
  Start(Security(&cert_, {}, config::TlsVersion::kTls13));
  ssl::context tls12_only(ssl::context::tls_client);
  tls12_only.load_verify_file(pki_->ca_path());
  SSL_CTX_set_max_proto_version(tls12_only.native_handle(), TLS1_2_VERSION);
  Run([&]() -> awaitable<void> {
    error_code ec;
    auto refused = co_await ConnectTls(endpoint(), tls12_only, ec);
    EXPECT_TRUE(ec) << "a TLS 1.2 client was accepted by a TLS 1.3 minimum";
    auto accepted = co_await ConnectTls(endpoint(), client_tls_, ec);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ((co_await Exchange(*accepted, Get("/hello"))).result_int(), 200u);
  });

  // The default minimum, TLS 1.2, lets a TLS 1.2 client in.
  server_.reset();
  Start(Security(&cert_));
  Run([&]() -> awaitable<void> {
    error_code ec;
    auto c = co_await ConnectTls(endpoint(), tls12_only, ec);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ(std::string(SSL_get_version(c->stream.native_handle())), "TLSv1.2");
    EXPECT_EQ((co_await Exchange(*c, Get("/hello"))).result_int(), 200u);
  });
}

TEST_F(HttpTls, AHandshakeThatNeverEndsIsClosedWhenTheFirstRequestTimeoutRunsOut) {
  HttpServerOptions options;
  options.first_request_timeout = 300ms;
  Start(Security(&cert_), options);
  Run([&]() -> awaitable<void> {
    // Silent: connects and sends nothing.
    auto start = Clock::now();
    auto silent = co_await ConnectPlain(endpoint());
    const Closed quiet = co_await ReadUntilClosed(*silent, start);
    EXPECT_GE(quiet.after, 250ms);
    EXPECT_LT(quiet.after, 1500ms);
    EXPECT_TRUE(quiet.bytes.empty());

    // Dripping: a TLS record header, then one byte every 50 ms, never a whole ClientHello.
    start = Clock::now();
    auto drip = co_await ConnectPlain(endpoint());
    co_await Send(*drip, std::string("\x16\x03\x01\x02\x00", 5));
    bool closed_early = false;
    for (int i = 0; i < 40 && !closed_early; ++i) {
      co_await Sleep(50ms);
      error_code ec;
      co_await asio::async_write(drip->stream, asio::buffer("\x01", 1),
                                 asio::redirect_error(asio::use_awaitable, ec));
      closed_early = static_cast<bool>(ec);
    }
    const Closed dripped = co_await ReadUntilClosed(*drip, start);
    EXPECT_LT(dripped.after, 1500ms) << "the dripping handshake outlived the timeout";

    // The server still serves.
    error_code ec;
    auto c = co_await ConnectTls(endpoint(), client_tls_, ec);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ((co_await Exchange(*c, Get("/hello"))).body(), "hello\n");
  });
}

TEST_F(HttpTls, PlainHttpOnTheTlsPortIsAnsweredAndClosed) {
  Start(Security(&cert_));
  Run([&]() -> awaitable<void> {
    const auto start = Clock::now();
    auto plain = co_await ConnectPlain(endpoint());
    co_await Send(*plain, Get("/hello"));
    const Closed closed = co_await ReadUntilClosed(*plain, start);
    EXPECT_EQ(closed.bytes.rfind("HTTP/1.0 400 Bad Request\r\n", 0), 0u) << closed.bytes;
    EXPECT_NE(closed.bytes.find("use https://"), std::string::npos) << closed.bytes;
    EXPECT_LT(closed.after, 2s);

    error_code ec;
    auto c = co_await ConnectTls(endpoint(), client_tls_, ec);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ((co_await Exchange(*c, Get("/hello"))).body(), "hello\n");
  });
}

TEST_F(HttpTls, RequestLimitsHoldOverTls) {
  HttpServerOptions options;
  options.first_request_timeout = 400ms;
  options.max_header_bytes = 1024;
  Start(Security(&cert_), options);
  Run([&]() -> awaitable<void> {
    error_code ec;
    auto big = co_await ConnectTls(endpoint(), client_tls_, ec);
    EXPECT_FALSE(ec) << ec.message();
    const Reply refused =
        co_await Exchange(*big, Get("/hello", "X-Fill: " + std::string(4000, 'a') + "\r\n"));
    EXPECT_EQ(refused.result_int(), 431u);
    EXPECT_FALSE(refused.keep_alive());

    // A request begun and never finished is closed when the first request's time runs out.
    auto slow = co_await ConnectTls(endpoint(), client_tls_, ec);
    EXPECT_FALSE(ec) << ec.message();
    const auto start = Clock::now();
    co_await Send(*slow, "GET /hello HTTP/1.1\r\nHost: te");
    const Closed closed = co_await ReadUntilClosed(*slow, start);
    EXPECT_LT(closed.after, 1500ms);
    EXPECT_TRUE(closed.bytes.empty()) << closed.bytes;
  });
}

TEST_F(HttpTls, ARotatedCertificateServesNewConnectionsAndOldOnesKeepTheirs) {
  Start(Security(&cert_));
  const scripted::CertFiles rotated = Issue("rotated");
  ASSERT_NE(rotated.serial_hex, cert_.serial_hex);
  Run([&]() -> awaitable<void> {
    error_code ec;
    auto before = co_await ConnectTls(endpoint(), client_tls_, ec);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ(PeerSerial(before->stream), cert_.serial_hex);

    server_->SetSecurity(Security(&rotated));
    auto after = co_await ConnectTls(endpoint(), client_tls_, ec);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ(PeerSerial(after->stream), rotated.serial_hex);
    EXPECT_EQ((co_await Exchange(*after, Get("/hello"))).body(), "hello\n");
    EXPECT_EQ((co_await Exchange(*before, Get("/hello"))).body(), "hello\n");

    // Back to plain HTTP: new connections speak it at once.
    server_->SetSecurity(Security(nullptr));
    auto plain = co_await ConnectPlain(endpoint());
    EXPECT_EQ((co_await Exchange(*plain, Get("/hello"))).body(), "hello\n");
  });
}

}  // namespace
}  // namespace stx::http::test
