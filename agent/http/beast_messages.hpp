#pragma once
// Between Beast's HTTP messages and the plain Request/Response handlers see (private to http/:
// only http_connection.cpp includes it, the one file that speaks Beast's HTTP).
// clang-format off
#include "common/asio.hpp"  // first: Boost 1.74's awaitable.hpp needs <utility> before it
// clang-format on
#include <boost/beast/http.hpp>

#include <cstddef>
#include <string>
#include <string_view>

#include "http/http_message.hpp"

namespace stx::http {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;

/// A response with `status` and a text `body`.
Response PlainResponse(unsigned status, std::string body);

/// "127.0.0.1:54321", "[::1]:54321".
std::string EndpointText(const asio::ip::tcp::endpoint& endpoint);

/// The status to answer a failed read with; 0 when the client gets no answer (it left, it
/// stalled past the timeout, or the server is stopping).
unsigned StatusForReadError(const boost::system::error_code& ec, bool header_done);

/// What a handler sees of `message`: lower-cased field names, repeated fields joined.
Request MakeRequest(BeastRequest&& message, const std::string& remote);

/// The response to send: a handler's response checked (status range, no CR/LF in fields),
/// standard fields added, gzipped when `accepts_gzip` and worth it.
BeastResponse ToBeast(Response&& r, unsigned version, bool keep_alive, bool accepts_gzip,
                      std::size_t gzip_min_bytes);

using BeastHead = boost::beast::http::response<boost::beast::http::empty_body>;

/// The header of a response whose body follows in chunks (RFC 9112 §7.1): the same checks and
/// fields as ToBeast, Transfer-Encoding: chunked, and Content-Encoding: gzip when `gzip`.
/// An invalid status or content type becomes a 500 (then `r.pieces` must not be sent).
BeastHead ToBeastChunkedHead(const Response& r, unsigned version, bool keep_alive, bool gzip);

/// Beast's (Boost's) string_view as the standard one.
inline std::string_view ToStd(boost::beast::string_view text) { return {text.data(), text.size()}; }

/// Lower-cased ASCII.
std::string Lower(std::string_view text);

}  // namespace stx::http
