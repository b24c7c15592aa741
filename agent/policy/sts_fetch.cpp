#include "policy/sts_fetch.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <algorithm>
#include <cctype>
#include <vector>

#include "common/server_spec.hpp"
#include "dns/resolver.hpp"
#include "tls/client_context.hpp"

namespace stx::policy {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

constexpr const char* kPath = "/.well-known/mta-sts.txt";

StsFetch Failed(StsFetch fetch, StsFetchStatus status, std::string detail) {
  fetch.status = status;
  fetch.detail = std::move(detail);
  return fetch;
}

bool TimedOut(const error_code& ec) {
  return ec == beast::error::timeout || ec == asio::error::timed_out;
}

// "text/plain; charset=utf-8" -> "text/plain".
std::string MediaType(std::string_view content_type) {
  std::string type(content_type.substr(0, content_type.find(';')));
  type.erase(std::remove_if(type.begin(), type.end(), [](char c) { return c == ' ' || c == '\t'; }),
             type.end());
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type;
}

// RFC 8461 §3.3: the certificate must be trusted (WebPKI) and valid for the policy host by a
// DNS-ID (subjectAltName, RFC 6125), a wildcard only as a whole left-most label. "" when it is.
std::string CertificateProblem(SSL* ssl, const std::string& host) {
  X509* leaf = SSL_get0_peer_certificate(ssl);
  if (leaf == nullptr) return "the policy host presented no certificate";
  const long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) {
    return std::string("certificate not trusted: ") + X509_verify_cert_error_string(verify);
  }
  if (X509_check_host(leaf, host.c_str(), host.size(),
                      X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT,
                      nullptr) != 1) {
    return "the certificate is not valid for " + host;
  }
  return {};
}

}  // namespace

std::string_view ToString(StsFetchStatus status) {
  switch (status) {
    case StsFetchStatus::kOk:
      return "ok";
    case StsFetchStatus::kDnsFailed:
      return "dns_failed";
    case StsFetchStatus::kConnectFailed:
      return "connect_failed";
    case StsFetchStatus::kTlsFailed:
      return "tls_failed";
    case StsFetchStatus::kCertificateInvalid:
      return "certificate_invalid";
    case StsFetchStatus::kRedirect:
      return "redirect";
    case StsFetchStatus::kHttpError:
      return "http_error";
    case StsFetchStatus::kWrongContentType:
      return "wrong_content_type";
    case StsFetchStatus::kTooLarge:
      return "too_large";
    case StsFetchStatus::kMalformed:
      return "malformed";
    case StsFetchStatus::kTimeout:
      return "timeout";
    case StsFetchStatus::kInvalidPolicy:
      return "invalid_policy";
  }
  return "malformed";
}

std::string_view Rfc8460ResultType(StsFetchStatus status) {
  switch (status) {
    case StsFetchStatus::kOk:
      return "";
    case StsFetchStatus::kCertificateInvalid:
      return "sts-webpki-invalid";
    case StsFetchStatus::kInvalidPolicy:
    case StsFetchStatus::kWrongContentType:
      return "sts-policy-invalid";
    default:
      return "sts-policy-fetch-error";
  }
}

awaitable<StsFetch> FetchStsPolicy(std::string domain, dns::Resolver& resolver,
                                   std::shared_ptr<asio::ssl::context> context,
                                   StsFetchOptions options) {
  if (!domain.empty() && domain.back() == '.') domain.pop_back();
  const std::string host = "mta-sts." + domain;
  StsFetch fetch;
  fetch.url = "https://" + host + kPath;
  const auto deadline = Clock::now() + options.timeout;

  std::vector<asio::ip::address> addresses;
  std::string dns_detail;
  for (const auto family : {dns::AddressFamily::kV4, dns::AddressFamily::kV6}) {
    const dns::AddressAnswer answer = co_await resolver.LookupAddresses(host, family);
    addresses.insert(addresses.end(), answer.addresses.begin(), answer.addresses.end());
    if (answer.status != dns::LookupStatus::kOk) {
      dns_detail += std::string(dns_detail.empty() ? "" : ", ") +
                    (family == dns::AddressFamily::kV4 ? "A " : "AAAA ") +
                    std::string(dns::ToString(answer.status));
    }
  }
  if (addresses.empty()) {
    co_return Failed(std::move(fetch), StsFetchStatus::kDnsFailed,
                     "no address for " + host + ": " + dns_detail);
  }

  const auto executor = co_await asio::this_coro::executor;
  std::string last_failure;
  for (const asio::ip::address& address : addresses) {
    fetch.address = EndpointText(address, options.port);
    if (Clock::now() >= deadline) break;
    beast::tcp_stream tcp(executor);
    tcp.expires_at(deadline);
    error_code ec;
    co_await tcp.async_connect(asio::ip::tcp::endpoint(address, options.port),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (TimedOut(ec))
        co_return Failed(std::move(fetch), StsFetchStatus::kTimeout,
                         "connecting to " + fetch.address + " timed out");
      last_failure = "connecting to " + fetch.address + ": " + ec.message();
      continue;
    }
    beast::ssl_stream<beast::tcp_stream> tls(std::move(tcp), *context);
    SSL* ssl = tls.native_handle();
    tls::UseMainstreamSettings(ssl);  // TLS 1.2 or later (RFC 8461 §3.3)
    SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(host.c_str()));  // NOLINT: OpenSSL's API takes void*
    co_await tls.async_handshake(asio::ssl::stream_base::client,
                                 asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (TimedOut(ec)) {
        co_return Failed(std::move(fetch), StsFetchStatus::kTimeout,
                         "the TLS handshake with " + fetch.address + " timed out");
      }
      co_return Failed(std::move(fetch), StsFetchStatus::kTlsFailed,
                       "TLS handshake with " + fetch.address + " failed: " + ec.message());
    }
    if (const std::string problem = CertificateProblem(ssl, host); !problem.empty()) {
      co_return Failed(std::move(fetch), StsFetchStatus::kCertificateInvalid, problem);
    }

    http::request<http::empty_body> request{http::verb::get, kPath, 11};
    request.set(http::field::host, host);
    request.set(http::field::user_agent, "starttls_exporter");
    request.set(http::field::connection, "close");
    co_await http::async_write(tls, request, asio::redirect_error(asio::use_awaitable, ec));
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(options.max_body);
    // The header first: Boost 1.74's parser misses body_limit against a Content-Length that
    // arrives in one buffer with the body, so the length is judged here before any body is read.
    if (!ec) {
      co_await http::async_read_header(tls, buffer, parser,
                                       asio::redirect_error(asio::use_awaitable, ec));
    }
    if (!ec && parser.content_length() && *parser.content_length() > options.max_body) {
      ec = http::error::body_limit;
    }
    if (!ec) {
      co_await http::async_read(tls, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    }
    if (!ec && parser.get().body().size() > options.max_body) ec = http::error::body_limit;
    if (ec == http::error::body_limit) {
      co_return Failed(std::move(fetch), StsFetchStatus::kTooLarge,
                       "the policy is larger than " + std::to_string(options.max_body) + " bytes");
    }
    if (ec) {
      if (TimedOut(ec)) {
        co_return Failed(std::move(fetch), StsFetchStatus::kTimeout,
                         "no complete response from " + fetch.address + " in time");
      }
      co_return Failed(std::move(fetch), StsFetchStatus::kMalformed,
                       "reading the response from " + fetch.address + ": " + ec.message());
    }
    const auto& response = parser.get();
    fetch.http_status = static_cast<int>(response.result_int());
    fetch.content_type = std::string(response[http::field::content_type]);
    if (fetch.http_status >= 300 && fetch.http_status < 400) {
      fetch.location = std::string(response[http::field::location]);
      co_return Failed(std::move(fetch), StsFetchStatus::kRedirect,
                       "HTTP " + std::to_string(fetch.http_status) + " redirect to \"" +
                           fetch.location + "\": senders do not follow redirects (RFC 8461 §3.3)");
    }
    if (fetch.http_status != 200) {
      co_return Failed(std::move(fetch), StsFetchStatus::kHttpError,
                       "HTTP " + std::to_string(fetch.http_status) + " (senders need 200)");
    }
    if (MediaType(fetch.content_type) != "text/plain") {
      co_return Failed(
          std::move(fetch), StsFetchStatus::kWrongContentType,
          "Content-Type \"" + fetch.content_type + "\", not text/plain (RFC 8461 §3.2)");
    }
    fetch.read = ReadStsPolicy(response.body());
    if (!fetch.read.policy) {
      co_return Failed(std::move(fetch), StsFetchStatus::kInvalidPolicy,
                       "the policy is not valid: " + fetch.read.error);
    }
    fetch.status = StsFetchStatus::kOk;
    co_return fetch;
  }
  if (Clock::now() >= deadline && last_failure.empty()) {
    co_return Failed(std::move(fetch), StsFetchStatus::kTimeout, "the fetch's deadline passed");
  }
  co_return Failed(std::move(fetch), StsFetchStatus::kConnectFailed, last_failure);
}

}  // namespace stx::policy
