#include "http/gzip.hpp"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <optional>
#include <stdexcept>

namespace stx::http {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

// RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ). Only "is it
// zero" matters here; a malformed weight counts as acceptance, like no weight at all.
bool WeightIsZero(std::string_view params) {
  while (!params.empty()) {
    const auto semi = params.find(';');
    const std::string_view param = Trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    const auto eq = param.find('=');
    if (eq == std::string_view::npos || !EqualsNoCase(Trim(param.substr(0, eq)), "q")) continue;
    const std::string_view value = Trim(param.substr(eq + 1));
    if (value.empty() || value.front() != '0') return false;
    return value.find_first_not_of("0.", 1) == std::string_view::npos;
  }
  return false;
}

}  // namespace

bool AcceptsGzip(std::string_view accept_encoding) {
  std::optional<bool> gzip;
  std::optional<bool> any;
  while (!accept_encoding.empty()) {
    const auto comma = accept_encoding.find(',');
    const std::string_view item = accept_encoding.substr(0, comma);
    accept_encoding =
        comma == std::string_view::npos ? std::string_view() : accept_encoding.substr(comma + 1);
    const auto semi = item.find(';');
    const std::string_view coding = Trim(item.substr(0, semi));
    const bool allowed = semi == std::string_view::npos || !WeightIsZero(item.substr(semi + 1));
    if (EqualsNoCase(coding, "gzip") || EqualsNoCase(coding, "x-gzip")) {
      gzip = gzip.value_or(true) && allowed;  // any refusal of gzip wins
    } else if (coding == "*") {
      any = allowed;
    }
  }
  if (gzip) return *gzip;
  return any.value_or(false);
}

namespace {

// windowBits 16 + 15: a gzip wrapper (RFC 1952) rather than zlib's; level 1 because the
// event loop that compresses is the one the probes run on, and metric text compresses
// well even at the fastest level.
void StartGzip(z_stream& zs) {
  if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("gzip: deflateInit2 failed");
}

}  // namespace

std::string GzipCompress(std::string_view data) {
  if (data.size() > std::numeric_limits<uInt>::max())
    throw std::runtime_error("gzip: body too large");
  z_stream zs{};
  StartGzip(zs);
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("gzip: deflate failed");
  return out;
}

struct GzipStream::Deflater {
  z_stream zs{};
  bool finished = false;
  ~Deflater() { deflateEnd(&zs); }
};

GzipStream::GzipStream() : deflater_(std::make_unique<Deflater>()) { StartGzip(deflater_->zs); }

GzipStream::~GzipStream() = default;

void GzipStream::Write(std::string_view data, bool finish, std::string& out) {
  z_stream& zs = deflater_->zs;
  if (deflater_->finished) throw std::runtime_error("gzip: write after finish");
  if (data.size() > std::numeric_limits<uInt>::max())
    throw std::runtime_error("gzip: piece too large");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  const int flush = finish ? Z_FINISH : Z_NO_FLUSH;
  // deflate() until it has taken all input (and, finishing, written the trailer): each round
  // offers it at least 16 KB of output room at the end of `out`.
  for (;;) {
    const std::size_t used = out.size();
    const std::size_t room = std::max<std::size_t>(16 * 1024, data.size() / 4);
    out.resize(used + room);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + used);
    zs.avail_out = static_cast<uInt>(room);
    const int rc = deflate(&zs, flush);
    out.resize(used + room - zs.avail_out);
    if (rc == Z_STREAM_END) {
      deflater_->finished = true;
      return;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) throw std::runtime_error("gzip: deflate failed");
    if (!finish && zs.avail_in == 0 && zs.avail_out != 0) return;
  }
}

}  // namespace stx::http
