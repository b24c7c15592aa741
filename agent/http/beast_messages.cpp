#include "http/beast_messages.hpp"

#include <cctype>

#include "http/gzip.hpp"

namespace stx::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

// A handler's header text must not split the response (CR, LF) or smuggle NULs.
bool SafeFieldText(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

}  // namespace

Response PlainResponse(unsigned status, std::string body) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string EndpointText(const asio::ip::tcp::endpoint& endpoint) {
  const std::string address = endpoint.address().to_string();
  return (endpoint.address().is_v6() ? "[" + address + "]" : address) + ":" +
         std::to_string(endpoint.port());
}

unsigned StatusForReadError(const error_code& ec, bool header_done) {
  if (ec == bhttp::error::header_limit) return 431;
  if (ec == bhttp::error::body_limit) return 413;
  if (ec == bhttp::error::buffer_overflow) return header_done ? 413 : 431;
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return 0;
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) return 400;
  return 0;
}

Request MakeRequest(BeastRequest&& message, const std::string& remote) {
  Request request;
  request.method = std::string(ToStd(message.method_string()));
  request.target = std::string(ToStd(message.target()));
  request.remote = remote;
  for (const auto& field : message) {
    auto [slot, fresh] = request.headers.try_emplace(Lower(ToStd(field.name_string())));
    if (!fresh) slot->second += ", ";
    slot->second += ToStd(field.value());
  }
  request.accepts_gzip = AcceptsGzip(request.Header("accept-encoding"));
  request.body = std::move(message.body());
  return request;
}

namespace {

// What every response carries, whatever its body.
template <class Message>
void SetFields(Message& out, const Response& r, unsigned version, bool keep_alive) {
  out.version(version);
  out.result(r.status);
  out.set(bhttp::field::server, "starttls_exporter");
  out.set(bhttp::field::content_type, r.content_type);
  // Transcripts from hostile servers end up in these bodies: never let a browser guess HTML.
  out.set("X-Content-Type-Options", "nosniff");
  for (const auto& [name, value] : r.headers) {
    if (!name.empty() && SafeFieldText(name) && SafeFieldText(value)) out.insert(name, value);
  }
  // Caches must key on Accept-Encoding whether or not this response was compressed.
  if (r.compressible) out.set(bhttp::field::vary, "Accept-Encoding");
  out.keep_alive(keep_alive);
}

bool Valid(const Response& r) {
  return r.status >= 100 && r.status <= 599 && SafeFieldText(r.content_type);
}

}  // namespace

BeastResponse ToBeast(Response&& r, unsigned version, bool keep_alive, bool accepts_gzip,
                      std::size_t gzip_min_bytes) {
  if (!Valid(r)) r = PlainResponse(500, "500 internal server error: bad response\n");
  BeastResponse out;
  SetFields(out, r, version, keep_alive);
  if (r.compressible && accepts_gzip && r.body.size() >= gzip_min_bytes) {
    r.body = GzipCompress(r.body);
    out.set(bhttp::field::content_encoding, "gzip");
  }
  out.body() = std::move(r.body);
  out.prepare_payload();
  return out;
}

BeastHead ToBeastChunkedHead(const Response& r, unsigned version, bool keep_alive, bool gzip) {
  BeastHead out;
  if (!Valid(r)) {
    SetFields(out, PlainResponse(500, ""), version, false);
    out.content_length(0);
    return out;
  }
  SetFields(out, r, version, keep_alive);
  if (gzip) out.set(bhttp::field::content_encoding, "gzip");
  out.chunked(true);
  return out;
}

}  // namespace stx::http
