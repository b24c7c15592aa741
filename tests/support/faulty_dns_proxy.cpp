#include "support/faulty_dns_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace stx::test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kHeaderSize = 12;    // RFC 1035 §4.1.1
constexpr std::size_t kMaxMessage = 4096;  // more than any EDNS size the resolver asks for
constexpr std::size_t kMaxPending = 1024;  // delayed answers held at once; more are dropped
constexpr int kUpstreamTimeoutMs = 1000;   // dnsmasq answers local records in microseconds
constexpr int kPollSliceMs = 20;           // how often the thread looks at stop_

sockaddr_in Loopback(std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

/// The question name of a message, lower-case and dotted, and the offset just past the
/// question's QTYPE and QCLASS; nullopt when the question cannot be read (no compression is
/// expected in a question).
std::optional<std::pair<std::string, std::size_t>> ReadQuestion(
    const std::vector<unsigned char>& message) {
  if (message.size() < kHeaderSize) return std::nullopt;
  std::string name;
  std::size_t at = kHeaderSize;
  while (at < message.size()) {
    const std::size_t length = message[at++];
    if (length == 0) {
      if (at + 4 > message.size()) return std::nullopt;
      return std::make_pair(name, at + 4);
    }
    if (length > 63 || at + length > message.size()) return std::nullopt;
    if (!name.empty()) name += '.';
    for (std::size_t i = 0; i < length; ++i) {
      name += static_cast<char>(std::tolower(message[at + i]));
    }
    at += length;
  }
  return std::nullopt;
}

bool Matches(const std::string& name, const std::string& suffix) {
  if (name == suffix) return true;
  return name.size() > suffix.size() &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
         name[name.size() - suffix.size() - 1] == '.';
}

/// One query to the upstream server on a fresh connected socket; nullopt without an answer.
std::optional<std::vector<unsigned char>> AskUpstream(std::uint16_t port,
                                                      const std::vector<unsigned char>& query) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  const sockaddr_in addr = Loopback(port);
  std::optional<std::vector<unsigned char>> answer;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, query.data(), query.size(), 0) == static_cast<ssize_t>(query.size())) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, kUpstreamTimeoutMs) == 1 && (p.revents & POLLIN) != 0) {
      std::vector<unsigned char> buffer(kMaxMessage);
      const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
      if (n > 0) {
        buffer.resize(static_cast<std::size_t>(n));
        answer = std::move(buffer);
      }
    }
  }
  ::close(fd);
  return answer;
}

/// Applies `fault` to a well-formed answer; false when the answer is to be dropped.
bool Corrupt(DnsFault fault, std::vector<unsigned char>& answer) {
  switch (fault) {
    case DnsFault::kNone:
      return true;
    case DnsFault::kDrop:
      return false;
    case DnsFault::kWrongId:
      answer[0] = static_cast<unsigned char>(answer[0] ^ 0x5a);
      return true;
    case DnsFault::kWrongQuestion:
      // The first letter of the first label becomes another letter, not the same one in the
      // other case: resolvers compare question names case-insensitively (RFC 4343).
      if (answer.size() > kHeaderSize + 1) {
        unsigned char& c = answer[kHeaderSize + 1];
        c = std::tolower(c) == 'q' ? 'z' : 'q';
      }
      return true;
    case DnsFault::kShortGarbage: {
      const std::vector<unsigned char> junk = {answer[0], answer[1], 0xde, 0xad, 0xbe, 0xef, 0x00};
      answer = junk;
      return true;
    }
    case DnsFault::kTruncatedRecords: {
      const auto question = ReadQuestion(answer);
      if (!question) return false;
      // ANCOUNT stays as it was: the message promises a record and stops 5 bytes into it.
      answer.resize(std::min(answer.size(), question->second + 5));
      return true;
    }
  }
  return true;
}

}  // namespace

FaultyDnsProxy::FaultyDnsProxy(std::uint16_t upstream_port, std::vector<DnsFaultRule> rules)
    : upstream_port_(upstream_port), rules_(std::move(rules)) {
  for (auto& rule : rules_) {
    std::transform(rule.suffix.begin(), rule.suffix.end(), rule.suffix.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  }
  socket_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (socket_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr = Loopback(0);
  socklen_t length = sizeof addr;
  if (::bind(socket_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(socket_, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
    const std::string error = std::strerror(errno);
    ::close(socket_);
    throw std::runtime_error("FaultyDnsProxy: cannot bind 127.0.0.1: " + error);
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

FaultyDnsProxy::~FaultyDnsProxy() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  ::close(socket_);
}

std::string FaultyDnsProxy::server() const { return "127.0.0.1:" + std::to_string(port_); }

std::size_t FaultyDnsProxy::Hits(const std::string& suffix) const {
  std::string key = suffix;
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto it = hits_.find(key);
  return it == hits_.end() ? 0 : it->second;
}

void FaultyDnsProxy::Serve() {
  while (!stop_) {
    int wait_ms = kPollSliceMs;
    const auto now = Clock::now();
    for (const auto& p : pending_) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(p.due - now);
      wait_ms = std::clamp(static_cast<int>(left.count()), 0, wait_ms);
    }
    pollfd p{socket_, POLLIN, 0};
    if (::poll(&p, 1, wait_ms) == 1 && (p.revents & POLLIN) != 0) {
      std::vector<unsigned char> query(kMaxMessage);
      sockaddr_in client{};
      socklen_t length = sizeof client;
      const ssize_t n = ::recvfrom(socket_, query.data(), query.size(), 0,
                                   reinterpret_cast<sockaddr*>(&client), &length);
      if (n > 0) {
        query.resize(static_cast<std::size_t>(n));
        const auto* bytes = reinterpret_cast<const unsigned char*>(&client);
        HandleQuery(query, std::vector<unsigned char>(bytes, bytes + sizeof client));
      }
    }
    SendDue();
  }
}

void FaultyDnsProxy::HandleQuery(const std::vector<unsigned char>& query,
                                 const std::vector<unsigned char>& client) {
  const auto question = ReadQuestion(query);
  if (!question) return;
  DnsFaultRule rule;  // no match: relay at once
  for (const auto& candidate : rules_) {
    if (Matches(question->first, candidate.suffix)) {
      rule = candidate;
      const std::lock_guard<std::mutex> lock(mutex_);
      ++hits_[candidate.suffix];
      break;
    }
  }
  if (rule.fault == DnsFault::kDrop) return;
  auto answer = AskUpstream(upstream_port_, query);
  if (!answer || answer->size() < 2 || !Corrupt(rule.fault, *answer)) return;
  if (pending_.size() >= kMaxPending) return;
  pending_.push_back(Pending{Clock::now() + rule.delay, std::move(*answer), client});
}

void FaultyDnsProxy::SendDue() {
  const auto now = Clock::now();
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->due > now) {
      ++it;
      continue;
    }
    sockaddr_in client{};
    std::memcpy(&client, it->client.data(), std::min(it->client.size(), sizeof client));
    // Best effort, like a real server: a client that gave up gets an ICMP error, not us.
    [[maybe_unused]] const ssize_t sent =
        ::sendto(socket_, it->message.data(), it->message.size(), 0,
                 reinterpret_cast<const sockaddr*>(&client), sizeof client);
    it = pending_.erase(it);
  }
}

}  // namespace stx::test
