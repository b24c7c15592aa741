#include "http/listen_address.hpp"

#include <stdexcept>

namespace stx::http {
namespace {

using tcp = asio::ip::tcp;

[[noreturn]] void Fail(const std::string& spec, const std::string& what) {
  throw std::runtime_error("listen address '" + spec + "': " + what +
                           "; write [host]:port, e.g. \":9725\", \"127.0.0.1:9725\" or "
                           "\"[::1]:9725\"");
}

std::uint16_t ParsePort(const std::string& spec, const std::string& text) {
  if (text.empty()) Fail(spec, "the port is missing");
  if (text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos)
    Fail(spec, "the port '" + text + "' is not a number from 0 to 65535");
  const unsigned long port = std::stoul(text);
  if (port > 65535) Fail(spec, "the port " + text + " is over 65535");
  return static_cast<std::uint16_t>(port);
}

}  // namespace

tcp::endpoint ParseListenAddress(const std::string& spec) {
  std::string host;
  std::string port_text;
  if (!spec.empty() && spec.front() == '[') {
    const auto close = spec.find(']');
    if (close == std::string::npos) Fail(spec, "'[' without ']'");
    if (close + 1 >= spec.size() || spec[close + 1] != ':') Fail(spec, "the port is missing");
    host = spec.substr(1, close - 1);
    port_text = spec.substr(close + 2);
    boost::system::error_code ec;
    const auto v6 = asio::ip::make_address_v6(host, ec);
    if (ec) Fail(spec, "'" + host + "' is not an IPv6 address");
    return {v6, ParsePort(spec, port_text)};
  }
  const auto colon = spec.rfind(':');
  if (colon == std::string::npos) Fail(spec, "the port is missing");
  host = spec.substr(0, colon);
  if (host.find(':') != std::string::npos) Fail(spec, "IPv6 addresses go in brackets");
  const std::uint16_t port = ParsePort(spec, spec.substr(colon + 1));
  if (host.empty()) return {asio::ip::address_v6::any(), port};

  boost::system::error_code ec;
  const auto ip = asio::ip::make_address_v4(host, ec);
  if (!ec) return {ip, port};

  // A host name: resolved once at startup, before the loop serves anything.
  asio::io_context io;
  tcp::resolver resolver(io);
  const auto results = resolver.resolve(host, "", ec);
  if (ec || results.empty()) Fail(spec, "cannot resolve '" + host + "': " + ec.message());
  for (const auto& entry : results) {
    if (entry.endpoint().address().is_v4()) return {entry.endpoint().address(), port};
  }
  return {results.begin()->endpoint().address(), port};
}

}  // namespace stx::http
