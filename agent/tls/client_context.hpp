#pragma once
#include <cstdint>
#include <memory>
#include <string>

typedef struct ssl_st SSL;  // NOLINT: OpenSSL's own spelling

namespace boost::asio::ssl {
class context;
}

namespace stx::tls {

/// The largest certificate chain (the Certificate handshake message) a probe accepts: OpenSSL's
/// default (SSL_MAX_CERT_LIST_DEFAULT), set explicitly. OpenSSL-based senders that keep the
/// default (Postfix has no setting for it) accept no more, so the probe fails where they fail.
/// OpenSSL checks it against the message header before buffering the message: a server sending
/// a chain of many megabytes costs the probe a record or two, not the chain.
inline constexpr long kMaxCertificateChainBytes = 100 * 1024;

struct ClientTlsOptions {
  std::string ca_file;             ///< extra trusted CA certificates (PEM), e.g. a private CA
  bool system_trust_store = true;  ///< trust the system's store (/etc/ssl/certs)
};

/// A client context for probing: verification runs against the trust store but never aborts
/// the handshake (SSL_VERIFY_NONE; the outcome is read afterwards), and every protocol version
/// from TLS 1.0 up is allowed so legacy partners are reported, not hidden behind our own policy.
/// Throws std::runtime_error with a specific message when `ca_file` cannot be loaded.
std::shared_ptr<boost::asio::ssl::context> MakeClientContext(const ClientTlsOptions& options);

/// Turns one connection of the probing context into what a mainstream sender offers: TLS 1.2
/// and later, OpenSSL's DEFAULT ciphers at security level 2 (what Debian 12's openssl.cnf
/// gives every OpenSSL-based sender). No sender's TLS stack offers the anonymous, NULL or
/// export ciphers the probing context keeps for reporting legacy partners.
void UseMainstreamSettings(SSL* ssl);

/// Whether a sender with UseMainstreamSettings offers the cipher `id` (SSL_CIPHER_get_id):
/// when it does not, a server that chose it for the probe might choose another for the sender.
bool MainstreamOffers(std::uint32_t cipher_id);

}  // namespace stx::tls
