#include "support/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <sstream>

namespace stx::test {

HttpReply HttpRequest(const std::string& method, std::uint16_t port, const std::string& target,
                      const std::string& extra_headers, std::chrono::milliseconds timeout) {
  HttpReply reply;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    reply.error = "socket failed";
    return reply;
  }
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    reply.error = std::string("connect: ") + std::strerror(errno);
    ::close(fd);
    return reply;
  }
  const std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                              "Connection: close\r\nContent-Length: 0\r\n" + extra_headers + "\r\n";
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    reply.error = "send failed";
    ::close(fd);
    return reply;
  }
  std::string raw;
  char buffer[16384];
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      raw.append(buffer, static_cast<std::size_t>(n));
      // 256 MiB: the largest test reply, /api/v1/targets for 10,000 partners, is about 64 MiB.
      if (raw.size() > (256u << 20)) break;
      continue;
    }
    if (n < 0) reply.error = std::string("recv: ") + std::strerror(errno);
    break;
  }
  ::close(fd);
  const auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos || raw.compare(0, 9, "HTTP/1.1 ") != 0) {
    if (reply.error.empty()) reply.error = "no HTTP reply";
    return reply;
  }
  reply.status = std::atoi(raw.c_str() + 9);
  std::istringstream head(raw.substr(0, head_end));
  std::string line;
  std::getline(head, line);
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    reply.headers[name] = value;
  }
  reply.body = raw.substr(head_end + 4);
  if (reply.headers["transfer-encoding"].find("chunked") != std::string::npos) {
    std::string error;
    reply.body = DecodeChunked(reply.body, error);
    if (!error.empty()) {
      reply.status = 0;
      reply.error = "chunked body: " + error;
    }
  }
  return reply;
}

std::string DecodeChunked(std::string_view body, std::string& error) {
  // RFC 9112 §7.1: chunk-size [ext] CRLF data CRLF ... 0 CRLF [trailers] CRLF.
  std::string out;
  for (;;) {
    const auto line_end = body.find("\r\n");
    if (line_end == std::string_view::npos) {
      error = "cut off in a chunk size line";
      return out;
    }
    const std::string_view size_text = body.substr(0, body.find_first_of(";\r"));
    std::size_t size = 0;
    const auto [end, ec] =
        std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (ec != std::errc() || end != size_text.data() + size_text.size() || size_text.empty()) {
      error = "bad chunk size \"" + std::string(size_text) + "\"";
      return out;
    }
    body.remove_prefix(line_end + 2);
    if (size == 0) {
      if (body.substr(0, 2) != "\r\n") error = "no CRLF after the last chunk";
      return out;
    }
    if (body.size() < size + 2 || body.substr(size, 2) != "\r\n") {
      error = "chunk cut off or not followed by CRLF";
      return out;
    }
    out.append(body.substr(0, size));
    body.remove_prefix(size + 2);
  }
}

namespace {

// Calls `visit(value)` for every sample line of `name` that carries all `labels`.
template <class Visit>
void ForEachSample(const std::string& exposition, const std::string& name,
                   const std::map<std::string, std::string>& labels, Visit visit) {
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    if (line.compare(0, name.size(), name) != 0) continue;
    const char after = line.size() > name.size() ? line[name.size()] : '\0';
    if (after != '{' && after != ' ') continue;
    const auto value_at = line.rfind(' ');
    const std::string label_text = line.substr(name.size(), value_at - name.size());
    bool all = true;
    for (const auto& [key, value] : labels) {
      const std::string pair = key + "=\"" + value + "\"";
      const auto at = label_text.find(pair);
      if (at == std::string::npos || (label_text[at - 1] != '{' && label_text[at - 1] != ',')) {
        all = false;
        break;
      }
    }
    if (all) visit(std::strtod(line.c_str() + value_at + 1, nullptr));
  }
}

}  // namespace

double MetricValue(const std::string& exposition, const std::string& name,
                   const std::map<std::string, std::string>& labels) {
  double found = std::nan("");
  bool seen = false;
  ForEachSample(exposition, name, labels, [&](double v) {
    if (!seen) found = v;
    seen = true;
  });
  return found;
}

std::size_t CountSeries(const std::string& exposition, const std::string& name,
                        const std::map<std::string, std::string>& labels) {
  std::size_t count = 0;
  ForEachSample(exposition, name, labels, [&](double) { ++count; });
  return count;
}

}  // namespace stx::test
