#pragma once
// Content negotiation and compression for gzip (RFC 9110 §12.5.3, RFC 1952). Pure code.
#include <memory>
#include <string>
#include <string_view>

namespace stx::http {

/// True when an Accept-Encoding value allows gzip: "gzip" (or "x-gzip") listed with q > 0, or
/// not listed but "*" with q > 0. "gzip;q=0" refuses it. Codings are case-insensitive.
bool AcceptsGzip(std::string_view accept_encoding);

/// `data` as one gzip member. Throws std::runtime_error when zlib fails (out of memory).
std::string GzipCompress(std::string_view data);

/// One gzip member written in pieces, for a body sent in chunks: memory stays at zlib's
/// window and state (about 270 KB) whatever the body's size.
class GzipStream {
 public:
  /// Throws std::runtime_error when zlib cannot start (out of memory).
  GzipStream();
  ~GzipStream();
  GzipStream(const GzipStream&) = delete;
  GzipStream& operator=(const GzipStream&) = delete;

  /// Compresses `data` and appends what zlib has ready to `out` (often nothing: it buffers up
  /// to a block); with `finish`, everything and the member's trailer. Throws
  /// std::runtime_error when zlib fails.
  void Write(std::string_view data, bool finish, std::string& out);

 private:
  struct Deflater;
  std::unique_ptr<Deflater> deflater_;
};

}  // namespace stx::http
