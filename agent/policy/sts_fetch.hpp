#pragma once
// The MTA-STS policy fetch (RFC 8461 §3.3): HTTPS GET of
// https://mta-sts.<domain>/.well-known/mta-sts.txt as a sender makes it, with every reason it
// can fail kept apart.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/asio.hpp"
#include "policy/sts_policy.hpp"

namespace boost::asio::ssl {
class context;
}
namespace stx::dns {
class Resolver;
}

namespace stx::policy {

enum class StsFetchStatus {
  kOk,                  ///< 200, text/plain, a valid policy
  kDnsFailed,           ///< mta-sts.<domain> has no address (or its lookup failed)
  kConnectFailed,       ///< no address accepted a connection
  kTlsFailed,           ///< the TLS handshake failed (or TLS below 1.2, RFC 8461 §3.3)
  kCertificateInvalid,  ///< not trusted, expired, or not valid for the policy host (§3.3)
  kRedirect,            ///< a 3xx: senders do not follow redirects (§3.3)
  kHttpError,           ///< any other status than 200
  kWrongContentType,    ///< not text/plain (§3.2)
  kTooLarge,            ///< a body over the limit (64 KiB)
  kMalformed,           ///< not HTTP
  kTimeout,             ///< the fetch's deadline passed
  kInvalidPolicy,       ///< 200 text/plain, but not a valid policy (StsPolicyRead::error)
};
/// "ok", "dns_failed", "connect_failed", "tls_failed", "certificate_invalid", "redirect",
/// "http_error", "wrong_content_type", "too_large", "malformed", "timeout", "invalid_policy".
std::string_view ToString(StsFetchStatus status);

/// The RFC 8460 §4.3.2.2 result type a sender reports for the failure: "sts-webpki-invalid"
/// for kCertificateInvalid, "sts-policy-invalid" for kInvalidPolicy and kWrongContentType,
/// "sts-policy-fetch-error" for the others; "" for kOk.
std::string_view Rfc8460ResultType(StsFetchStatus status);

struct StsFetchOptions {
  std::chrono::milliseconds timeout{10'000};  ///< the whole fetch, DNS included
  /// The policy host's HTTPS port: 443 (RFC 8461 §3.3); tests may point it elsewhere.
  std::uint16_t port = 443;
  std::size_t max_body = 64 * 1024;  ///< RFC 8461 §3.3 suggests senders cap it at 64 KiB
};

struct StsFetch {
  StsFetchStatus status = StsFetchStatus::kDnsFailed;
  std::string url;           ///< https://mta-sts.<domain>/.well-known/mta-sts.txt
  std::string address;       ///< the address that answered (or was tried last)
  int http_status = 0;       ///< 0 before a response
  std::string content_type;  ///< as sent
  std::string location;      ///< a redirect's target, as sent
  StsPolicyRead read;        ///< the body read as a policy, from a 200 text/plain response
  std::string detail;        ///< why, for every status but kOk
};

/// Fetches the policy of `domain`: A/AAAA of mta-sts.<domain> through `resolver`, then each
/// address in turn until one accepts a TLS connection; TLS 1.2 or later with SNI, the chain
/// verified against `context`'s trust store and the name checked against the policy host
/// (subjectAltName only, a wildcard only as a whole left-most label); then one GET, whose
/// status, Content-Type and body are judged. Never throws; bounded by `options.timeout`.
awaitable<StsFetch> FetchStsPolicy(std::string domain, dns::Resolver& resolver,
                                   std::shared_ptr<asio::ssl::context> context,
                                   StsFetchOptions options);

}  // namespace stx::policy
