#pragma once
// Asynchronous DNS for the probe: MX, A/AAAA, and the whole "where does mail for this domain
// go" question. c-ares and Asio I/O stay in the .cpp files (pimpl).
#include <chrono>
#include <memory>
#include <string>

#include "common/asio.hpp"
#include "dns/mail_routing.hpp"

namespace stx::dns {

class AresChannel;

struct ResolverOptions {
  /// "" = the system's servers (/etc/resolv.conf); else "IP", "IP:PORT", "[IPv6]:PORT", "IPv6"
  /// (see ParseServerSpec).
  std::string server;
  /// First try's timeout. c-ares doubles it on each further try (1.18: timeout << try), so a
  /// lookup that never gets an answer ends after timeout * (2^tries - 1) with one server.
  std::chrono::milliseconds timeout{1500};
  int tries = 2;
};

struct RoutingOptions {
  bool primary_only = false;  ///< keep only the exchangers with the lowest preference
  bool ipv4 = true;           ///< look up A records of the exchangers
  bool ipv6 = true;           ///< look up AAAA records of the exchangers
};

/// Sends queries for exactly the name given (no search list, RD and AD set, EDNS0) to a
/// recursive resolver, on the caller's executor. That executor must run on one thread (c-ares
/// is not thread-safe); nothing blocks it. Lookups report failures as data (LookupStatus),
/// never by throwing.
///
/// Destroying the Resolver with lookups in flight (or created but not yet started) is allowed:
/// they complete with kError ("resolver destroyed ..."). The Resolver must be destroyed before
/// its io_context, like any Asio I/O object.
class Resolver {
 public:
  /// Throws std::invalid_argument for a bad server spec ("invalid DNS server '1.2.3.4:0':
  /// port must be 1-65535"), a timeout under 1 ms or tries under 1; std::runtime_error when
  /// c-ares cannot start.
  Resolver(asio::any_io_executor executor, ResolverOptions options);
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  awaitable<MxAnswer> LookupMx(std::string name);
  awaitable<AddressAnswer> LookupAddresses(std::string name, AddressFamily family);

  /// MX -> InterpretMx -> A/AAAA of every exchanger, concurrently. primary_only keeps only the
  /// exchangers with the lowest preference; a family not asked reads "not asked". An implicit
  /// MX whose domain has no address is kFailed (RFC 5321 §5.1).
  awaitable<MailRouting> ResolveMailRouting(std::string domain, RoutingOptions options);

 private:
  std::shared_ptr<AresChannel> channel_;
};

}  // namespace stx::dns
