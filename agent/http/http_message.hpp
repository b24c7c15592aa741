#pragma once
// What a handler sees and returns. Plain data: no Beast here, so that the layers that register
// handlers (app, scheduler) compile without it.
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/asio.hpp"

namespace stx::http {

struct Request {
  std::string method;  ///< "GET", "HEAD", "POST", ... as sent
  std::string target;  ///< the request-target as sent, e.g. "/probe?target=bank.example"
  std::string path;    ///< percent-decoded path, e.g. "/probe"
  /// Percent-decoded query parameters ('+' is a space, as in HTML forms and Go's
  /// url.ParseQuery); the first of repeated keys wins.
  std::map<std::string, std::string> query;
  std::string body;
  bool accepts_gzip = false;  ///< Accept-Encoding allows gzip (q > 0)
  /// Header fields with lower-cased names; repeated fields joined with ", " (RFC 9110 §5.3).
  std::map<std::string, std::string> headers;
  std::string remote;  ///< peer, e.g. "127.0.0.1:54321"
  /// True once the client is known to have closed or reset its connection (it cannot read the
  /// answer); a handler that waits (/probe) drops work nobody will read. Checked without
  /// reading: a client that pipelined more requests is still there. Null: never gone.
  std::function<bool()> client_gone;

  /// The value of header `lower_case_name`, "" when absent.
  std::string Header(const std::string& lower_case_name) const {
    const auto it = headers.find(lower_case_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

/// A body produced in pieces, for one too large to build at once (/metrics, the status page
/// and /api/v1/targets at 10,000 partners): each call appends the next piece to `out` and returns
/// false after the last. The server calls it between writes on the event loop, so each call must be
/// quick; it sends the pieces as they come (chunked, RFC 9112 §7.1), gzipped on the fly when
/// allowed.
using BodyPieces = std::function<bool(std::string& out)>;

struct Response {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  /// When set, the body comes from here instead of `body`.
  BodyPieces pieces;
  /// Worth gzipping when the client allows it (large text: /metrics, the page, the API).
  bool compressible = false;
  std::vector<std::pair<std::string, std::string>> headers;  ///< extra fields, e.g. Allow
};

/// A route's handler: a coroutine on the server's io_context; it may co_await (a probe).
/// A handler that throws yields 500 and the connection stays usable.
using Handler = std::function<awaitable<Response>(const Request&)>;

}  // namespace stx::http
