#include "tls/client_context.hpp"

#include "common/asio.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <boost/asio/ssl/context.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace stx::tls {
namespace {

// True when `dir` holds OpenSSL's hashed certificate links ("<subject hash>.0"), which is what
// X509_LOOKUP_hash_dir looks issuers up by.
bool HasHashedCertificates(const std::string& dir) {
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() == 10 && name.ends_with(".0")) return true;
  }
  return false;
}

// The system trust store, read on demand where that is possible: loading the whole bundle
// (what SSL_CTX_set_default_verify_paths does with ca-certificates.crt: every certificate
// parsed at start) holds heap for certificates no partner's chain ever names. The hashed
// directory (Debian's
// /etc/ssl/certs, maintained by update-ca-certificates) holds the same certificates, and OpenSSL
// loads an issuer from it when a chain needs it, then keeps it in the store. SSL_CERT_FILE in
// the environment, or a directory without hashed links, gets OpenSSL's defaults as before.
void UseSystemTrustStore(SSL_CTX* ctx) {
  const char* dir_override = std::getenv(X509_get_default_cert_dir_env());
  const std::string dir = dir_override != nullptr ? dir_override : X509_get_default_cert_dir();
  if (std::getenv(X509_get_default_cert_file_env()) == nullptr && HasHashedCertificates(dir) &&
      SSL_CTX_load_verify_dir(ctx, dir.c_str()) == 1) {
    return;
  }
  ERR_clear_error();
  SSL_CTX_set_default_verify_paths(ctx);
}

constexpr const char* kMainstreamCiphers = "DEFAULT:@SECLEVEL=2";
constexpr int kMainstreamSecurityLevel = 2;

}  // namespace

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
  if (options.system_trust_store) UseSystemTrustStore(ctx);
  if (!options.ca_file.empty() &&
      SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr) != 1) {
    char reason[256];
    ERR_error_string_n(ERR_get_error(), reason, sizeof reason);
    ERR_clear_error();
    throw std::runtime_error("cannot load CA file '" + options.ca_file + "': " + reason);
  }
  return context;
}

void UseMainstreamSettings(SSL* ssl) {
  SSL_set_min_proto_version(ssl, TLS1_2_VERSION);
  SSL_set_security_level(ssl, kMainstreamSecurityLevel);
  if (SSL_set_cipher_list(ssl, kMainstreamCiphers) != 1) ERR_clear_error();
}

bool MainstreamOffers(std::uint32_t cipher_id) {
  // The list depends on nothing but OpenSSL's build: computed once.
  static const std::vector<std::uint32_t> offered = [] {
    std::vector<std::uint32_t> ids;
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == nullptr) return ids;
    SSL* ssl = SSL_new(ctx);
    if (ssl != nullptr) {
      UseMainstreamSettings(ssl);
      STACK_OF(SSL_CIPHER)* ciphers = SSL_get1_supported_ciphers(ssl);
      for (int i = 0; ciphers != nullptr && i < sk_SSL_CIPHER_num(ciphers); ++i) {
        ids.push_back(SSL_CIPHER_get_id(sk_SSL_CIPHER_value(ciphers, i)));
      }
      sk_SSL_CIPHER_free(ciphers);
      SSL_free(ssl);
    }
    SSL_CTX_free(ctx);
    std::sort(ids.begin(), ids.end());
    return ids;
  }();
  return std::binary_search(offered.begin(), offered.end(), cipher_id);
}

}  // namespace stx::tls
