#include "common/server_spec.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <ostream>
#include <string>

namespace stx {
namespace {

struct ValidCase {
  std::string text;
  std::string address;
  std::uint16_t port;
  std::string canonical;  // ToString of the result
};

void PrintTo(const ValidCase& c, std::ostream* os) { *os << "'" << c.text << "'"; }

/// Test names from the spec text: "[::1]:53" -> "3__1_53" (index first, so names stay unique).
template <typename Case>
std::string CaseName(const testing::TestParamInfo<Case>& p) {
  std::string name = std::to_string(p.index) + "_";
  for (const char c : p.param.text) {
    name += std::isalnum(static_cast<unsigned char>(c)) != 0 ? c : '_';
  }
  return name;
}

class DnsServerSpecValid : public testing::TestWithParam<ValidCase> {};

TEST_P(DnsServerSpecValid, Parses) {
  const ValidCase& c = GetParam();
  const ServerSpecParse parsed = ParseServerSpec(c.text);
  ASSERT_TRUE(parsed.server.has_value()) << parsed.error;
  EXPECT_EQ(parsed.error, "");
  EXPECT_EQ(parsed.server->address.to_string(), c.address);
  EXPECT_EQ(parsed.server->port, c.port);
  EXPECT_EQ(ToString(*parsed.server), c.canonical);
  // What ToString writes parses back to the same server.
  const ServerSpecParse again = ParseServerSpec(c.canonical);
  ASSERT_TRUE(again.server.has_value()) << again.error;
  EXPECT_EQ(again.server->address, parsed.server->address);
  EXPECT_EQ(again.server->port, parsed.server->port);
}

INSTANTIATE_TEST_SUITE_P(
    Table, DnsServerSpecValid,
    testing::Values(ValidCase{"127.0.0.1", "127.0.0.1", 53, "127.0.0.1:53"},
                    ValidCase{"127.0.0.1:5353", "127.0.0.1", 5353, "127.0.0.1:5353"},
                    ValidCase{"192.0.2.1:1", "192.0.2.1", 1, "192.0.2.1:1"},
                    ValidCase{"192.0.2.1:65535", "192.0.2.1", 65535, "192.0.2.1:65535"},
                    ValidCase{"192.0.2.1:053", "192.0.2.1", 53, "192.0.2.1:53"},
                    ValidCase{"::1", "::1", 53, "[::1]:53"},
                    ValidCase{"2001:db8::53", "2001:db8::53", 53, "[2001:db8::53]:53"},
                    // A bare IPv6 address is never split at its last colon.
                    ValidCase{"2001:db8::1:53", "2001:db8::1:53", 53, "[2001:db8::1:53]:53"},
                    ValidCase{"[::1]", "::1", 53, "[::1]:53"},
                    ValidCase{"[::1]:5353", "::1", 5353, "[::1]:5353"},
                    ValidCase{"[2001:db8::1]:853", "2001:db8::1", 853, "[2001:db8::1]:853"},
                    ValidCase{"[::ffff:192.0.2.1]:53", "::ffff:192.0.2.1", 53,
                              "[::ffff:192.0.2.1]:53"}),
    CaseName<ValidCase>);

struct InvalidCase {
  std::string text;
  std::string error;
};

void PrintTo(const InvalidCase& c, std::ostream* os) { *os << "'" << c.text << "'"; }

class DnsServerSpecInvalid : public testing::TestWithParam<InvalidCase> {};

TEST_P(DnsServerSpecInvalid, ExplainsWhy) {
  const InvalidCase& c = GetParam();
  const ServerSpecParse parsed = ParseServerSpec(c.text);
  EXPECT_FALSE(parsed.server.has_value());
  EXPECT_EQ(parsed.error, c.error);
}

INSTANTIATE_TEST_SUITE_P(
    Table, DnsServerSpecInvalid,
    testing::Values(
        InvalidCase{"", "'': empty; expected IP, IP:PORT or [IPv6]:PORT"},
        InvalidCase{"127.0.0.1:99999", "'127.0.0.1:99999': port must be 1-65535"},
        InvalidCase{"127.0.0.1:65536", "'127.0.0.1:65536': port must be 1-65535"},
        InvalidCase{"127.0.0.1:0", "'127.0.0.1:0': port must be 1-65535"},
        InvalidCase{"127.0.0.1:99999999999999999999999",
                    "'127.0.0.1:99999999999999999999999': port must be 1-65535"},
        InvalidCase{"127.0.0.1:", "'127.0.0.1:': port is empty"},
        InvalidCase{"127.0.0.1:dns", "'127.0.0.1:dns': port 'dns' is not a number"},
        InvalidCase{"127.0.0.1:-1", "'127.0.0.1:-1': port '-1' is not a number"},
        InvalidCase{"127.0.0.1:+53", "'127.0.0.1:+53': port '+53' is not a number"},
        InvalidCase{":53", "':53': address is empty"},
        InvalidCase{"[]:53", "'[]:53': address is empty"},
        InvalidCase{"[::1", "'[::1': missing ']' after the IPv6 address"},
        InvalidCase{"[::1]53", "'[::1]53': expected ':PORT' after ']'"},
        InvalidCase{"[::1]:", "'[::1]:': port is empty"},
        InvalidCase{"[::1]:70000", "'[::1]:70000': port must be 1-65535"},
        InvalidCase{"[127.0.0.1]:53", "'[127.0.0.1]:53': brackets are for IPv6 addresses only"},
        InvalidCase{"fe80::1%eth0", "'fe80::1%eth0': IPv6 zone ids are not supported"},
        InvalidCase{"dns.example:53",
                    "'dns.example:53': 'dns.example' is not an IP address (host names are not "
                    "accepted: the resolver must not need DNS to find itself)"},
        InvalidCase{"localhost",
                    "'localhost': 'localhost' is not an IP address (host names are not accepted: "
                    "the resolver must not need DNS to find itself)"},
        InvalidCase{"1.2.3",
                    "'1.2.3': '1.2.3' is not an IP address (host names are not "
                    "accepted: the resolver must not need DNS to find itself)"},
        InvalidCase{" 127.0.0.1",
                    "' 127.0.0.1': ' 127.0.0.1' is not an IP address (host names "
                    "are not accepted: the resolver must not need DNS to find "
                    "itself)"}),
    CaseName<InvalidCase>);

}  // namespace
}  // namespace stx
