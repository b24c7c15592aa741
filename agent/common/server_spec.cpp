#include "common/server_spec.hpp"

#include <boost/system/error_code.hpp>

namespace stx {
namespace {

std::string Quote(std::string_view text) { return "'" + std::string(text) + "'"; }

ServerSpecParse Error(std::string_view text, std::string_view why) {
  return {std::nullopt, Quote(text) + ": " + std::string(why)};
}

/// Parses the decimal port after the colon; sets `error` when it is not 1-65535.
std::optional<std::uint16_t> ParsePort(std::string_view text, std::string_view port,
                                       std::string& error) {
  if (port.empty()) {
    error = Quote(text) + ": port is empty";
    return std::nullopt;
  }
  unsigned long value = 0;
  for (const char c : port) {
    if (c < '0' || c > '9') {
      error = Quote(text) + ": port " + Quote(port) + " is not a number";
      return std::nullopt;
    }
    // Saturate instead of overflowing: anything past 65535 is out of range anyway.
    if (value <= 65535) value = value * 10 + static_cast<unsigned long>(c - '0');
  }
  if (value < 1 || value > 65535) {
    error = Quote(text) + ": port must be 1-65535";
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

ServerSpecParse ParseServerSpec(std::string_view text) {
  if (text.empty()) return Error(text, "empty; expected IP, IP:PORT or [IPv6]:PORT");

  std::string_view host = text;
  std::optional<std::string_view> port;
  bool bracketed = false;
  if (text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return Error(text, "missing ']' after the IPv6 address");
    host = text.substr(1, close - 1);
    bracketed = true;
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Error(text, "expected ':PORT' after ']'");
      port = rest.substr(1);
    }
  } else if (const auto colon = text.find(':');
             colon != std::string_view::npos &&
             text.find(':', colon + 1) == std::string_view::npos) {
    // Exactly one colon: IPv4:PORT. Two or more: a bare IPv6 address.
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }

  if (host.empty()) return Error(text, "address is empty");
  if (host.find('%') != std::string_view::npos) {
    return Error(text, "IPv6 zone ids are not supported");
  }
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(host), ec);
  if (ec) {
    return Error(text, Quote(host) +
                           " is not an IP address (host names are not accepted: the resolver "
                           "must not need DNS to find itself)");
  }
  if (bracketed && !address.is_v6()) return Error(text, "brackets are for IPv6 addresses only");

  ServerSpec server{address, 53};
  if (port) {
    std::string error;
    const auto value = ParsePort(text, *port, error);
    if (!value) return {std::nullopt, error};
    server.port = *value;
  }
  return {server, ""};
}

std::string ToString(const ServerSpec& server) { return EndpointText(server.address, server.port); }

std::string EndpointText(const boost::asio::ip::address& address, std::uint16_t port) {
  const std::string text = address.to_string();
  return (address.is_v6() ? "[" + text + "]" : text) + ":" + std::to_string(port);
}

}  // namespace stx
