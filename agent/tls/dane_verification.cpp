#include "tls/dane_verification.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

namespace stx::tls {
namespace {

// One context for every check: DANE enabled (its digest table), and the DANE-EE name checks
// off, as RFC 7672 §3.1.1 asks of SMTP ("the server certificate's names and validity are not
// checked"). Its certificate store stays empty: usages 2 and 3 bring their own trust anchor,
// and the PKIX usages are never added.
SSL_CTX* DaneContext() {
  static SSL_CTX* const context = [] {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    if (ctx != nullptr && SSL_CTX_dane_enable(ctx) <= 0) {
      SSL_CTX_free(ctx);
      return static_cast<SSL_CTX*>(nullptr);
    }
    if (ctx != nullptr) SSL_CTX_dane_set_flags(ctx, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
    return ctx;
  }();
  return context;
}

struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
struct StoreContextFree {
  void operator()(X509_STORE_CTX* ctx) const { X509_STORE_CTX_free(ctx); }
};

DaneVerification Failed(long code, std::string why) {
  DaneVerification out;
  out.verify_code = code;
  out.verify_error = std::move(why);
  ERR_clear_error();
  return out;
}

std::string SpkiSha256(X509* cert) {
  unsigned char* der = nullptr;
  const int length = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  if (length <= 0) return {};
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_length = 0;
  const bool ok =
      EVP_Digest(der, static_cast<std::size_t>(length), md, &md_length, EVP_sha256(), nullptr) == 1;
  OPENSSL_free(der);
  return ok ? std::string(reinterpret_cast<const char*>(md), md_length) : std::string();
}

}  // namespace

DaneVerification VerifyDane(SSL* ssl, const std::vector<dns::TlsaRecord>& records,
                            const std::vector<std::string>& names) {
  STACK_OF(X509)* chain = ssl != nullptr ? SSL_get_peer_cert_chain(ssl) : nullptr;
  if (chain == nullptr || sk_X509_num(chain) == 0) {
    return Failed(X509_V_ERR_UNSPECIFIED, "the server presented no certificate");
  }
  SSL_CTX* const context = DaneContext();
  if (context == nullptr) return Failed(X509_V_ERR_UNSPECIFIED, "OpenSSL has no DANE support");
  // A session object of its own holds the TLSA records and the reference identifiers: the
  // verification below reads them from it, as the handshake would have.
  const std::unique_ptr<SSL, SslFree> dane(SSL_new(context));
  const std::string base = names.empty() ? std::string() : names.front();
  if (!dane || SSL_dane_enable(dane.get(), base.empty() ? nullptr : base.c_str()) <= 0) {
    return Failed(X509_V_ERR_UNSPECIFIED, "cannot set up the DANE check");
  }
  for (std::size_t i = 1; i < names.size(); ++i) SSL_add1_host(dane.get(), names[i].c_str());
  int added = 0;
  for (const dns::TlsaRecord& r : records) {
    if (!dns::UsableForSmtp(r)) continue;
    const auto* data = reinterpret_cast<const unsigned char*>(r.data.data());
    // 0: OpenSSL cannot use the record (e.g. a digest it lacks); it is left out as unusable.
    if (SSL_dane_tlsa_add(dane.get(), r.usage, r.selector, r.matching_type, data, r.data.size()) >
        0) {
      ++added;
    }
  }
  ERR_clear_error();
  if (added == 0) return Failed(X509_V_ERR_DANE_NO_MATCH, "no usable TLSA record");

  // The chain as the server sent it (the client side's list starts with the server's own
  // certificate), verified the way libssl verifies a handshake's chain.
  const std::unique_ptr<X509_STORE_CTX, StoreContextFree> verify(X509_STORE_CTX_new());
  if (!verify || X509_STORE_CTX_init(verify.get(), SSL_CTX_get_cert_store(context),
                                     sk_X509_value(chain, 0), chain) != 1) {
    return Failed(X509_V_ERR_UNSPECIFIED, "cannot set up the chain verification");
  }
  X509_STORE_CTX_set_ex_data(verify.get(), SSL_get_ex_data_X509_STORE_CTX_idx(), dane.get());
  X509_STORE_CTX_set_default(verify.get(), "ssl_server");
  X509_VERIFY_PARAM_set1(X509_STORE_CTX_get0_param(verify.get()), SSL_get0_param(dane.get()));
  X509_STORE_CTX_set0_dane(verify.get(), SSL_get0_dane(dane.get()));

  DaneVerification out;
  out.leaf_spki_sha256 = SpkiSha256(sk_X509_value(chain, 0));
  const bool ok = X509_verify_cert(verify.get()) == 1;
  out.verify_code = ok ? X509_V_OK : X509_STORE_CTX_get_error(verify.get());
  out.verify_error = X509_verify_cert_error_string(out.verify_code);
  out.depth = SSL_get0_dane_authority(dane.get(), nullptr, nullptr);
  std::uint8_t usage = 0, selector = 0, mtype = 0;
  const unsigned char* data = nullptr;
  std::size_t length = 0;
  if (out.depth >= 0 &&
      SSL_get0_dane_tlsa(dane.get(), &usage, &selector, &mtype, &data, &length) >= 0) {
    out.record = {usage, selector, mtype, std::string(reinterpret_cast<const char*>(data), length)};
  }
  out.matched = ok && out.depth >= 0;
  if (out.matched && usage == 2) {
    if (const char* peer = X509_VERIFY_PARAM_get0_peername(X509_STORE_CTX_get0_param(verify.get())))
      out.matched_name = peer;
  }
  ERR_clear_error();
  return out;
}

}  // namespace stx::tls
