// The Resolver against servers that misbehave at the socket level (never answer, port closed)
// and its lifetime rules: destroyed with queries in flight, destroyed before its lookups
// start. Loopback only; every wait is bounded. Meant to be run under ASan/UBSan too.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/asio.hpp"
#include "dns/resolver.hpp"
#include "support/dnsmasq_server.hpp"
#include "support/run_bounded.hpp"

namespace stx::dns {
namespace {

using test::RunBounded;

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using testing::HasSubstr;

/// A UDP socket on 127.0.0.1 that receives queries and never answers them.
class SilentUdpServer {
 public:
  SilentUdpServer() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ::close(fd_);
      throw std::runtime_error("bind failed");
    }
    port_ = ntohs(addr.sin_port);
  }
  ~SilentUdpServer() { ::close(fd_); }
  SilentUdpServer(const SilentUdpServer&) = delete;
  SilentUdpServer& operator=(const SilentUdpServer&) = delete;

  std::string server() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

/// A loopback UDP port nobody listens on: queries get ICMP port unreachable.
std::string ClosedUdpServer() {
  const SilentUdpServer probe;  // bind to learn a free port, then close it
  return probe.server();
}

ResolverOptions Options(std::string server, milliseconds timeout, int tries) {
  ResolverOptions options;
  options.server = std::move(server);
  options.timeout = timeout;
  options.tries = tries;
  options.trust_anchor_file = STX_UNUSED_TRUST_ANCHOR;
  return options;
}

TEST(DnsResolverTimeout, EndsWithinTriesTimesBackedOffTimeout) {
  SilentUdpServer silent;
  asio::io_context io;
  Resolver resolver(io.get_executor(), Options(silent.server(), milliseconds(200), 2));
  const auto start = Clock::now();
  const auto mx = RunBounded(io, resolver.LookupMx("example.test"), milliseconds(5000));
  const auto elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  ASSERT_TRUE(mx.has_value()) << "no result after 5 s";
  EXPECT_EQ(mx->status, LookupStatus::kTimeout) << mx->detail;
  // The deadline of a resolver that doubles its timeout on each try: 200 ms + 400 ms.
  EXPECT_GE(elapsed, milliseconds(550));
  EXPECT_LT(elapsed, milliseconds(1500));
}

TEST(DnsResolverTimeout, RoutingReportsTimeout) {
  SilentUdpServer silent;
  asio::io_context io;
  Resolver resolver(io.get_executor(), Options(silent.server(), milliseconds(100), 1));
  const auto routing =
      RunBounded(io, resolver.ResolveMailRouting("example.test", {}), milliseconds(3000));
  ASSERT_TRUE(routing.has_value());
  EXPECT_EQ(routing->kind, RoutingKind::kFailed);
  EXPECT_EQ(routing->mx_status, LookupStatus::kTimeout);
  EXPECT_THAT(routing->detail, HasSubstr("failed: timeout"));
}

// libunbound takes an ICMP port unreachable as a lost packet and tries again (a resolver
// behind a firewall that rejects may still answer over another path), so a closed port ends
// like a silent one: at the lookup's deadline, 300 ms * (2^2 - 1) here.
TEST(DnsResolverErrors, ClosedPortEndsAtTheDeadline) {
  asio::io_context io;
  Resolver resolver(io.get_executor(), Options(ClosedUdpServer(), milliseconds(300), 2));
  const auto start = Clock::now();
  const auto mx = RunBounded(io, resolver.LookupMx("example.test"), milliseconds(5000));
  const auto elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  ASSERT_TRUE(mx.has_value());
  EXPECT_EQ(mx->status, LookupStatus::kTimeout) << mx->detail;
  EXPECT_EQ(mx->detail, "no answer from the DNS server within 900 ms");
  EXPECT_GE(elapsed, milliseconds(850));
  EXPECT_LT(elapsed, milliseconds(2500));
}

TEST(DnsResolverLifetime, DestroyWithQueriesInFlight) {
  SilentUdpServer silent;
  asio::io_context io;
  auto resolver = std::make_unique<Resolver>(io.get_executor(),
                                             Options(silent.server(), milliseconds(5000), 3));
  std::vector<std::optional<MxAnswer>> mx(5);
  std::vector<std::optional<AddressAnswer>> addresses(5);
  std::vector<std::optional<MailRouting>> routings(5);
  for (std::size_t i = 0; i < 5; ++i) {
    auto on_mx = [&mx, i](std::exception_ptr, MxAnswer a) { mx[i] = std::move(a); };
    auto on_address = [&addresses, i](std::exception_ptr, AddressAnswer a) {
      addresses[i] = std::move(a);
    };
    auto on_routing = [&routings, i](std::exception_ptr, MailRouting r) {
      routings[i] = std::move(r);
    };
    const std::string name = "host" + std::to_string(i) + ".example.test";
    asio::co_spawn(io, resolver->LookupMx(name), on_mx);
    asio::co_spawn(io, resolver->LookupAddresses(name, AddressFamily::kV6), on_address);
    asio::co_spawn(io, resolver->ResolveMailRouting(name, {}), on_routing);
  }
  io.run_for(milliseconds(100));  // every query is now sent and waiting on the socket
  for (const auto& a : mx) ASSERT_FALSE(a.has_value());

  resolver.reset();  // ub_ctx_delete with 15 lookups pending
  io.restart();
  io.run_for(milliseconds(2000));
  EXPECT_TRUE(io.stopped()) << "work left behind after the resolver was destroyed";
  for (std::size_t i = 0; i < 5; ++i) {
    ASSERT_TRUE(mx[i].has_value()) << i;
    EXPECT_EQ(mx[i]->status, LookupStatus::kError);
    EXPECT_THAT(mx[i]->detail, HasSubstr("resolver destroyed"));
    ASSERT_TRUE(addresses[i].has_value()) << i;
    EXPECT_EQ(addresses[i]->status, LookupStatus::kError);
    ASSERT_TRUE(routings[i].has_value()) << i;
    EXPECT_EQ(routings[i]->kind, RoutingKind::kFailed);
    EXPECT_EQ(routings[i]->mx_status, LookupStatus::kError);
  }
}

TEST(DnsResolverLifetime, DestroyWhileLookingUpExchangers) {
  // The MX answer comes at once; the exchangers' zone is forwarded to a server that never
  // answers, so the address lookups (concurrent child coroutines) are in flight when the
  // resolver goes away.
  SilentUdpServer silent;
  const std::string silent_port = silent.server().substr(silent.server().find(':') + 1);
  test::DnsmasqServer dnsmasq({"--mx-host=mail.test,mx1.slow.test,10",
                               "--mx-host=mail.test,mx2.slow.test,20",
                               "--server=/slow.test/127.0.0.1#" + silent_port});
  asio::io_context io;
  auto resolver = std::make_unique<Resolver>(io.get_executor(),
                                             Options(dnsmasq.server(), milliseconds(5000), 1));
  std::optional<MailRouting> routing;
  auto on_routing = [&routing](std::exception_ptr, MailRouting r) { routing = std::move(r); };
  asio::co_spawn(io, resolver->ResolveMailRouting("mail.test", {}), on_routing);
  const auto deadline = Clock::now() + milliseconds(3000);
  // Until dnsmasq has forwarded all four address questions to the silent server.
  while (Clock::now() < deadline) {
    io.run_for(milliseconds(20));
    const std::string log = dnsmasq.Log();
    std::size_t forwarded = 0;
    for (auto at = log.find("forwarded mx"); at != std::string::npos;
         at = log.find("forwarded mx", at + 1)) {
      ++forwarded;
    }
    if (forwarded >= 4) break;
  }
  ASSERT_FALSE(routing.has_value()) << "finished before the resolver was destroyed";
  resolver.reset();
  io.restart();
  io.run_for(milliseconds(2000));
  ASSERT_TRUE(routing.has_value()) << dnsmasq.Log();
  EXPECT_EQ(routing->kind, RoutingKind::kMx);
  ASSERT_EQ(routing->exchangers.size(), 2u);
  for (const auto& e : routing->exchangers) {
    EXPECT_EQ(e.ipv4.status, LookupStatus::kError) << e.host;
    EXPECT_THAT(e.ipv4.detail, HasSubstr("resolver destroyed")) << e.host;
    EXPECT_THAT(e.ipv6.detail, HasSubstr("resolver destroyed")) << e.host;
  }
}

TEST(DnsResolverLifetime, DestroyBeforeLookupsStart) {
  SilentUdpServer silent;
  asio::io_context io;
  auto resolver = std::make_unique<Resolver>(io.get_executor(),
                                             Options(silent.server(), milliseconds(5000), 1));
  std::optional<MailRouting> routing;
  auto on_routing = [&routing](std::exception_ptr, MailRouting r) { routing = std::move(r); };
  asio::co_spawn(io, resolver->ResolveMailRouting("example.test", {}), on_routing);
  resolver.reset();  // the coroutine has not run yet
  io.run_for(milliseconds(2000));
  ASSERT_TRUE(routing.has_value());
  EXPECT_EQ(routing->kind, RoutingKind::kFailed);
  EXPECT_THAT(routing->detail, HasSubstr("resolver destroyed"));
}

TEST(DnsResolverLifetime, IoContextDestroyedWithLookupsSuspended) {
  // The resolver is destroyed first (as required), then the io_context goes away without
  // running the posted completions: coroutine frames are destroyed, not resumed.
  SilentUdpServer silent;
  int completed = 0;
  {
    asio::io_context io;
    auto resolver = std::make_unique<Resolver>(io.get_executor(),
                                               Options(silent.server(), milliseconds(5000), 1));
    for (int i = 0; i < 3; ++i) {
      auto on_routing = [&completed](std::exception_ptr, MailRouting) { ++completed; };
      asio::co_spawn(io, resolver->ResolveMailRouting("example.test", {}), on_routing);
    }
    io.run_for(milliseconds(50));
    resolver.reset();
  }
  EXPECT_EQ(completed, 0);
}

TEST(DnsResolverLifetime, ManySequentialResolversOnOneIoContext) {
  // Contexts come and go; a pipe libunbound closed must never be touched by later waits.
  SilentUdpServer silent;
  asio::io_context io;
  for (int i = 0; i < 20; ++i) {
    Resolver resolver(io.get_executor(), Options(silent.server(), milliseconds(30), 1));
    const auto mx = RunBounded(io, resolver.LookupMx("example.test"), milliseconds(2000));
    ASSERT_TRUE(mx.has_value()) << i;
    EXPECT_EQ(mx->status, LookupStatus::kTimeout) << i;
  }
}

}  // namespace
}  // namespace stx::dns
