#include "support/dns_query.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <string>

namespace stx::test {

std::vector<unsigned char> SoaQuery(std::string_view name, bool recursion_desired) {
  // Header (RFC 1035 §4.1.1): ID, flags (RD or nothing), QDCOUNT 1, no other sections.
  std::vector<unsigned char> query = {
      0x53, 0x54, static_cast<unsigned char>(recursion_desired ? 0x01 : 0x00),
      0x00, 0x00, 0x01,
      0x00, 0x00, 0x00,
      0x00, 0x00, 0x00};
  std::string_view rest = name;
  while (!rest.empty()) {
    const std::size_t dot = rest.find('.');
    const std::string_view label = rest.substr(0, dot);
    if (!label.empty()) {
      query.push_back(static_cast<unsigned char>(label.size()));
      query.insert(query.end(), label.begin(), label.end());
    }
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  query.insert(query.end(), {0x00 /* root */, 0x00, 0x06 /* SOA */, 0x00, 0x01 /* IN */});
  return query;
}

std::optional<std::vector<unsigned char>> AskLoopbackUdp(std::uint16_t port,
                                                         const std::vector<unsigned char>& query) {
  return AskUdp("127.0.0.1", port, query);
}

std::optional<std::vector<unsigned char>> AskUdp(const std::string& address, std::uint16_t port,
                                                 const std::vector<unsigned char>& query) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1) return std::nullopt;
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  std::optional<std::vector<unsigned char>> reply;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, query.data(), query.size(), 0) == static_cast<ssize_t>(query.size())) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) == 1 && (p.revents & POLLIN) != 0) {
      std::array<unsigned char, 1232> buffer{};
      const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
      if (n >= 2 && buffer[0] == query[0] && buffer[1] == query[1]) {
        reply.emplace(buffer.begin(), buffer.begin() + n);
      }
    }
  }
  ::close(fd);
  return reply;
}

}  // namespace stx::test
