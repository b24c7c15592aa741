// Resolver construction: option validation. No queries are sent.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "common/asio.hpp"
#include "dns/resolver.hpp"

namespace stx::dns {
namespace {

std::string ConstructionError(ResolverOptions options) {
  asio::io_context io;
  try {
    Resolver resolver(io.get_executor(), std::move(options));
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(DnsResolverOptions, BadServerSpecThrowsWithSpecificMessage) {
  ResolverOptions options;
  options.server = "127.0.0.1:99999";
  EXPECT_EQ(ConstructionError(options),
            "invalid DNS server '127.0.0.1:99999': port must be 1-65535");
  options.server = "dns.example";
  EXPECT_EQ(ConstructionError(options),
            "invalid DNS server 'dns.example': 'dns.example' is not an IP address (host names "
            "are not accepted: the resolver must not need DNS to find itself)");
}

TEST(DnsResolverOptions, TimeoutAndTriesMustBePositive) {
  ResolverOptions options;
  options.timeout = std::chrono::milliseconds(0);
  EXPECT_EQ(ConstructionError(options), "DNS timeout must be at least 1ms, got 0ms");
  options = {};
  options.tries = 0;
  EXPECT_EQ(ConstructionError(options), "DNS tries must be 1-8, got 0");
  options.tries = 9;
  EXPECT_EQ(ConstructionError(options), "DNS tries must be 1-8, got 9");
}

TEST(DnsResolverOptions, ValidSpecsConstruct) {
  for (const std::string server : {"", "127.0.0.1", "127.0.0.1:5353", "::1", "[::1]:5353"}) {
    ResolverOptions options;
    options.server = server;
    EXPECT_EQ(ConstructionError(options), "") << server;
  }
}

}  // namespace
}  // namespace stx::dns
