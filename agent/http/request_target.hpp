#pragma once
// Splitting an HTTP request-target into path and query (RFC 9112 §3.2, RFC 3986 §3).
// Pure code: no Asio, no Beast.
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace stx::http {

struct RequestTarget {
  std::string path;                          ///< percent-decoded
  std::map<std::string, std::string> query;  ///< percent-decoded, '+' = space, first key wins
};

/// Decodes %XX escapes; with `plus_is_space` also '+' (query strings, as HTML forms encode
/// them). nullopt for a malformed escape ("%", "%4", "%zz").
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

/// Splits origin-form ("/a/b?x=1") or absolute-form ("http://host/a?x=1") targets. The
/// fragment, which clients must not send, is dropped. nullopt when the target is neither form
/// or an escape is malformed: the server answers 400.
std::optional<RequestTarget> ParseRequestTarget(std::string_view target);

}  // namespace stx::http
