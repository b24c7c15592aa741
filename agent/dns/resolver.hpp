#pragma once
// Asynchronous DNS for the probe: MX, A/AAAA, and the whole "where does mail for this domain
// go" question, each answer with its DNSSEC status. libunbound and Asio I/O stay in the .cpp
// files (pimpl).
#include <chrono>
#include <memory>
#include <string>

#include "common/asio.hpp"
#include "common/server_spec.hpp"
#include "dns/mail_routing.hpp"

namespace stx::dns {

class ValidatingResolverContext;

struct ResolverOptions {
  /// The upstream the validating resolver asks: "" = the system's servers (/etc/resolv.conf);
  /// else "IP", "IP:PORT", "[IPv6]:PORT", "IPv6" (see ParseServerSpec).
  std::string server;
  /// With `tries`, how long a lookup may take: timeout * (2^tries - 1), the time a resolver
  /// that doubles its timeout on each of `tries` tries gives up after (1.5 s and 2: 4.5 s).
  std::chrono::milliseconds timeout{1500};
  int tries = 2;
  /// DNSSEC trust anchors, DS or DNSKEY records in zone-file format; "" validates nothing
  /// (every answer reads insecure).
  std::string trust_anchor_file = kRootTrustAnchorFile;
};

struct RoutingOptions {
  bool primary_only = false;  ///< keep only the exchangers with the lowest preference
  bool ipv4 = true;           ///< look up A records of the exchangers
  bool ipv6 = true;           ///< look up AAAA records of the exchangers
};

/// Resolves exactly the name given (no search list) through an in-process validating resolver
/// (libunbound) that forwards to the upstream and checks DNSSEC from the trust anchor, on the
/// caller's executor. That executor must run on one thread; nothing blocks it. Lookups report
/// failures as data (LookupStatus, DnssecStatus), never by throwing.
///
/// Destroying the Resolver with lookups in flight (or created but not yet started) is allowed:
/// they complete with kError ("resolver destroyed ..."). The Resolver must be destroyed before
/// its io_context, like any Asio I/O object.
class Resolver {
 public:
  /// Throws std::invalid_argument for a bad server spec ("invalid DNS server '1.2.3.4:0':
  /// port must be 1-65535"), a timeout under 1 ms or tries under 1 or over 8;
  /// std::runtime_error when the resolver cannot start (an unreadable trust anchor file...).
  Resolver(asio::any_io_executor executor, ResolverOptions options);
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  awaitable<MxAnswer> LookupMx(std::string name);
  awaitable<AddressAnswer> LookupAddresses(std::string name, AddressFamily family);
  /// The TLSA records of an MX host's SMTP service, _25._tcp.<host> (RFC 7672 §2.2.3).
  awaitable<TlsaAnswer> LookupTlsa(std::string host);
  /// The TXT records at `name`, each record's strings joined (_mta-sts.<domain>, RFC 8461
  /// §3.1; _smtp._tls.<domain>, RFC 8460 §3).
  awaitable<TxtAnswer> LookupTxt(std::string name);

  /// MX -> InterpretMx -> A/AAAA of every exchanger, concurrently, then the TLSA records of
  /// every exchanger with a DNSSEC-secure address answer (RFC 7672 §2.2.2), concurrently.
  /// primary_only keeps only the exchangers with the lowest preference; a family not asked
  /// reads "not asked". An implicit MX whose domain has no address is kFailed (RFC 5321 §5.1).
  awaitable<MailRouting> ResolveMailRouting(std::string domain, RoutingOptions options);

 private:
  std::shared_ptr<ValidatingResolverContext> context_;
};

}  // namespace stx::dns
