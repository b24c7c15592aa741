#include "keepalive_http.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>

namespace stx::bench {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::size_t ParseSize(std::string_view text, int base, const char* what) {
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || end == text.data()) {
    throw std::runtime_error(std::string("bad ") + what + ": '" + std::string(text) + "'");
  }
  return value;
}

}  // namespace

Url ParseUrl(std::string_view text) {
  constexpr std::string_view kScheme = "http://";
  if (text.substr(0, kScheme.size()) != kScheme) {
    throw std::invalid_argument("only http:// URLs: " + std::string(text));
  }
  text.remove_prefix(kScheme.size());
  const std::size_t slash = text.find('/');
  const std::string_view authority = text.substr(0, slash);
  const std::size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos) {
    throw std::invalid_argument("URL needs host:port: " + std::string(text));
  }
  Url url;
  url.host = std::string(authority.substr(0, colon));
  const std::string_view port = authority.substr(colon + 1);
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
    throw std::invalid_argument("bad port in URL: " + std::string(text));
  }
  url.port = static_cast<std::uint16_t>(value);
  if (slash != std::string_view::npos) url.target = std::string(text.substr(slash));
  return url;
}

KeepAliveHttpClient::KeepAliveHttpClient(std::string host, std::uint16_t port,
                                         std::chrono::milliseconds timeout)
    : host_(std::move(host)), port_(port), timeout_(timeout) {}

KeepAliveHttpClient::~KeepAliveHttpClient() { Close(); }

void KeepAliveHttpClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

void KeepAliveHttpClient::Connect() {
  Close();
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  // Bounded waits: SO_RCVTIMEO/SO_SNDTIMEO also bound connect() on Linux (socket(7)).
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout_.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout_.count() % 1000) * 1000);
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port_);
  if (::inet_pton(AF_INET, host_.c_str(), &address.sin_addr) != 1) {
    throw std::runtime_error("not an IPv4 address: " + host_);
  }
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    const std::string why = std::strerror(errno);
    Close();
    throw std::runtime_error("connect " + host_ + ":" + std::to_string(port_) + ": " + why);
  }
}

void KeepAliveHttpClient::SendAll(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(std::string("send: ") + std::strerror(errno));
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

bool KeepAliveHttpClient::ReadSome() {
  char chunk[65536];
  for (;;) {
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      throw std::runtime_error(errno == EAGAIN || errno == EWOULDBLOCK
                                   ? std::string("timed out waiting for the reply")
                                   : std::string("recv: ") + std::strerror(errno));
    }
    if (n == 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
}

HttpReply KeepAliveHttpClient::Get(const std::string& target, bool accept_gzip) {
  const std::string request = "GET " + target + " HTTP/1.1\r\nHost: " + host_ + ":" +
                              std::to_string(port_) + "\r\nUser-Agent: stx-bench\r\n" +
                              (accept_gzip ? "Accept-Encoding: gzip\r\n" : "") + "\r\n";
  // A kept-alive connection the server has closed meanwhile fails at the first read; then,
  // and only then, the request is sent again on a new connection (GET is idempotent).
  for (int attempt = 0;; ++attempt) {
    const bool reused = fd_ >= 0;
    if (!reused) Connect();
    const auto start = std::chrono::steady_clock::now();
    try {
      SendAll(request);
      if (buffer_.empty() && !ReadSome()) throw std::runtime_error("connection closed");
    } catch (const std::runtime_error&) {
      Close();
      if (reused && attempt == 0) continue;
      throw;
    }
    HttpReply reply = ReadReply();
    reply.latency = std::chrono::steady_clock::now() - start;
    return reply;
  }
}

HttpReply KeepAliveHttpClient::ReadReply() {
  std::size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (buffer_.size() > 65536) throw std::runtime_error("reply header over 64 KiB");
    if (!ReadSome()) throw std::runtime_error("connection closed inside the reply header");
  }
  const std::string head = buffer_.substr(0, header_end);
  buffer_.erase(0, header_end + 4);

  HttpReply reply;
  if (head.size() < 12 || head.compare(0, 5, "HTTP/") != 0) {
    throw std::runtime_error("not an HTTP reply: " + head.substr(0, 40));
  }
  reply.status =
      static_cast<unsigned>(ParseSize(std::string_view(head).substr(9, 3), 10, "status code"));
  std::size_t content_length = 0;
  bool has_length = false;
  bool chunked = false;
  bool close_after = false;
  std::size_t line_start = head.find("\r\n");
  while (line_start != std::string::npos) {
    line_start += 2;
    const std::size_t line_end = head.find("\r\n", line_start);
    const std::string_view line(
        head.data() + line_start,
        (line_end == std::string::npos ? head.size() : line_end) - line_start);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      const std::string name = Lower(line.substr(0, colon));
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      if (name == "content-length") {
        content_length = ParseSize(value, 10, "Content-Length");
        has_length = true;
      } else if (name == "transfer-encoding") {
        chunked = Lower(value).find("chunked") != std::string::npos;
      } else if (name == "connection") {
        close_after = Lower(value).find("close") != std::string::npos;
      } else if (name == "content-encoding") {
        reply.content_encoding = Lower(value);
      }
    }
    line_start = line_end;
  }

  if (chunked) {
    reply.body = ReadChunked();
  } else if (has_length) {
    while (buffer_.size() < content_length) {
      if (!ReadSome()) throw std::runtime_error("connection closed inside the body");
    }
    reply.body = buffer_.substr(0, content_length);
    buffer_.erase(0, content_length);
  } else {  // neither: the body ends when the server closes (RFC 9112 §6.3)
    while (ReadSome()) {
    }
    reply.body = std::move(buffer_);
    close_after = true;
  }
  if (close_after) Close();
  return reply;
}

std::string KeepAliveHttpClient::ReadChunked() {
  std::string body;
  for (;;) {
    std::size_t line_end;
    while ((line_end = buffer_.find("\r\n")) == std::string::npos) {
      if (!ReadSome()) throw std::runtime_error("connection closed inside a chunk size");
    }
    const std::size_t size =
        ParseSize(std::string_view(buffer_).substr(0, line_end), 16, "chunk size");
    buffer_.erase(0, line_end + 2);
    while (buffer_.size() < size + 2) {
      if (!ReadSome()) throw std::runtime_error("connection closed inside a chunk");
    }
    if (size == 0) {  // last chunk; no trailers expected from these servers
      buffer_.erase(0, 2);
      return body;
    }
    body.append(buffer_, 0, size);
    buffer_.erase(0, size + 2);
  }
}

}  // namespace stx::bench
