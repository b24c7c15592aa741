#include "tls/client_context.hpp"

#include "common/asio.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <boost/asio/ssl/context.hpp>

#include <stdexcept>

namespace stx::tls {

std::shared_ptr<asio::ssl::context> MakeClientContext(const ClientTlsOptions& options) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX* ctx = context->native_handle();
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
  // SECLEVEL=0: a partner offering only legacy ciphers must show up as "TLSv1 with cipher X",
  // not as a handshake failure caused by this prober's policy.
  SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
  SSL_CTX_set_security_level(ctx, 0);
  // SSL_CTX_set_max_cert_list without its macro.
  SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MAX_CERT_LIST, kMaxCertificateChainBytes, nullptr);
  if (options.system_trust_store) SSL_CTX_set_default_verify_paths(ctx);
  if (!options.ca_file.empty() &&
      SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr) != 1) {
    char reason[256];
    ERR_error_string_n(ERR_get_error(), reason, sizeof reason);
    ERR_clear_error();
    throw std::runtime_error("cannot load CA file '" + options.ca_file + "': " + reason);
  }
  return context;
}

}  // namespace stx::tls
