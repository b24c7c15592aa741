#include "http/web_security.hpp"

// clang-format off
#include "common/asio.hpp"  // first: Boost 1.74's awaitable.hpp needs <utility> before it
// clang-format on
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <boost/asio/ssl/context.hpp>

#include <algorithm>
#include <stdexcept>

namespace stx::http {
namespace {

namespace ssl = boost::asio::ssl;

constexpr unsigned char kHttp11[] = {'h', 't', 't', 'p', '/', '1', '.', '1'};

/// ALPN (RFC 7301): this server speaks HTTP/1.1 only. A client offering it gets it; one that
/// offers only other protocols gets no ALPN answer and falls back to HTTP/1.1 itself.
int SelectHttp11(SSL*, const unsigned char** out, unsigned char* out_length,
                 const unsigned char* offered, unsigned int offered_length, void*) {
  for (unsigned int i = 0; i < offered_length;) {
    const unsigned int length = offered[i];
    if (i + 1 + length > offered_length) break;
    if (length == sizeof kHttp11 && std::equal(kHttp11, kHttp11 + length, offered + i + 1)) {
      *out = offered + i + 1;
      *out_length = static_cast<unsigned char>(length);
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + length;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

std::shared_ptr<ssl::context> MakeServerContext(const config::WebSettings& settings) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  const int min_version =
      settings.tls_min_version == config::TlsVersion::kTls13 ? TLS1_3_VERSION : TLS1_2_VERSION;
  if (SSL_CTX_set_min_proto_version(native, min_version) != 1) {
    throw std::runtime_error("cannot set the minimum TLS version");
  }
  // Client-initiated renegotiation costs the server a handshake per request of the client:
  // a cheap way to burn the one thread that serves every scrape.
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Never prompt for a passphrase on the terminal: an encrypted key fails instead.
  context->set_password_callback(
      [](std::size_t, ssl::context::password_purpose) { return std::string(); });
  SSL_CTX_set_alpn_select_cb(native, &SelectHttp11, nullptr);
  boost::system::error_code ec;
  context->use_certificate_chain_file(settings.tls_cert_file, ec);
  if (ec) {
    ERR_clear_error();
    throw std::runtime_error("web.tls_cert_file '" + settings.tls_cert_file +
                             "': cannot load the certificate chain: " + ec.message());
  }
  context->use_private_key_file(settings.tls_key_file, ssl::context::pem, ec);
  if (!ec && SSL_CTX_check_private_key(native) != 1) {
    ec = boost::system::error_code(static_cast<int>(ERR_get_error()),
                                   boost::asio::error::get_ssl_category());
  }
  if (ec) {
    ERR_clear_error();
    throw std::runtime_error("web.tls_key_file '" + settings.tls_key_file +
                             "': cannot load the private key of '" + settings.tls_cert_file +
                             "': " + ec.message());
  }
  return context;
}

}  // namespace

WebSecurity MakeWebSecurity(const config::WebSettings& settings) {
  WebSecurity security;
  if (settings.tls()) security.tls = MakeServerContext(settings);
  security.users = settings.basic_auth_users;
  return security;
}

}  // namespace stx::http
