#pragma once
// TLS and basic authentication for the web server, built from the [web] settings. Only a
// forward declaration of Asio's SSL context shows here: OpenSSL's headers stay in the .cpp.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "config/exporter_config.hpp"

namespace boost::asio::ssl {
class context;
}

namespace stx::http {

/// What HttpServer::SetSecurity applies to the connections accepted after it.
struct WebSecurity {
  /// The server's TLS context; null: plain HTTP.
  std::shared_ptr<boost::asio::ssl::context> tls;
  /// User name -> bcrypt hash; empty: no authentication.
  std::vector<std::pair<std::string, std::string>> users;
};

/// Reads the certificate chain and key of `settings` (already checked by the config loader;
/// read again here, so a file changed since is caught too) into a server context accepting
/// `tls_min_version` and up. Throws std::runtime_error naming the file and OpenSSL's reason.
WebSecurity MakeWebSecurity(const config::WebSettings& settings);

}  // namespace stx::http
