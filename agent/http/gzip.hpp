#pragma once
// Content negotiation and compression for gzip (RFC 9110 §12.5.3, RFC 1952). Pure code.
#include <string>
#include <string_view>

namespace stx::http {

/// True when an Accept-Encoding value allows gzip: "gzip" (or "x-gzip") listed with q > 0, or
/// not listed but "*" with q > 0. "gzip;q=0" refuses it. Codings are case-insensitive.
bool AcceptsGzip(std::string_view accept_encoding);

/// `data` as one gzip member. Throws std::runtime_error when zlib fails (out of memory).
std::string GzipCompress(std::string_view data);

}  // namespace stx::http
