#pragma once
#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace stx::tls {

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
