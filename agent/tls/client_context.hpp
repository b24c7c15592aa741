#pragma once
#include <memory>
#include <string>

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

}  // namespace stx::tls
