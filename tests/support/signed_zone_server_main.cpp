// signed_zone_server: one SignedZoneServer (real NSD serving zones signed with ldns-signzone)
// as a stand-alone process, for manual runs and for scripts that point the exporter's resolver
// at signed zones (tests/e2e: a DANE partner, RFC 7672).
//
//   signed_zone_server --zone NAME[:MODE] [--zone NAME[:MODE] ...]
//                      [--record 'ZONE|ZONE-FILE LINE' ...] [--ttl SECONDS]
//
// MODE is `secure` (the default: signed, with a DS in the parent zone of the tree), `bogus`
// (signed, every RRSIG expired a week ago) or `unsigned` (no DS in the parent: provably
// insecure). A zone's parent is the longest other --zone it is below; a zone with none is a top
// zone, whose DS goes into the trust anchor file. Each --record adds one line to the zone named
// before the `|`, with owners relative to that zone, e.g.
//
//   signed_zone_server --zone dane.e2e.test --record 'dane.e2e.test|@ MX 10 mx'
//                      --record 'dane.e2e.test|mx A 127.0.0.77'
//                      --record 'dane.e2e.test|_25._tcp.mx TLSA 3 1 1 <64 hex digits>'
//
// The rig adds each zone's SOA, NS, glue and its children's delegations (see
// support/signed_zone_server.hpp). Prints "listening 127.0.0.1:PORT anchor=PATH" once every
// zone answers (PATH: the top zones' DS records, as the exporter's dns_trust_anchor_file reads
// them), then serves on UDP and TCP until SIGTERM/SIGINT, then stops NSD and removes its temp
// dir (kept with STX_KEEP_TEST_DIRS set). Exits 1 with NSD's or the signing tool's output when
// the zones cannot be signed or served, 2 on a usage error.
#include <signal.h>

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "support/signed_zone_server.hpp"

namespace {

using stx::test::SignedZone;
using stx::test::SignedZoneOptions;
using stx::test::ZoneMode;

constexpr const char* kUsage =
    "usage: signed_zone_server --zone NAME[:secure|bogus|unsigned] [--zone ...]\n"
    "                          [--record 'ZONE|ZONE-FILE LINE' ...] [--ttl SECONDS]\n"
    "e.g.   signed_zone_server --zone example.test --record 'example.test|@ MX 10 mx'\n"
    "                          --record 'example.test|mx A 127.0.0.2'\n"
    "Prints \"listening 127.0.0.1:PORT anchor=PATH\" when ready; serves until SIGTERM/SIGINT.\n";

[[noreturn]] void UsageError(const std::string& message) {
  std::cerr << "signed_zone_server: " << message << "\n" << kUsage;
  std::exit(2);
}

/// "E2E.test" and "e2e.test." name the same zone; the rig folds case and adds the dot itself,
/// this only matches --record's zone to its --zone.
std::string ZoneKey(std::string_view name) {
  std::string key(name);
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (key.empty() || key.back() != '.') key += '.';
  return key;
}

SignedZone ParseZone(std::string_view text) {
  SignedZone zone;
  const std::size_t colon = text.find(':');
  zone.name = std::string(text.substr(0, colon));
  if (zone.name.empty()) UsageError("--zone needs a name");
  if (colon != std::string_view::npos) {
    const std::string_view mode = text.substr(colon + 1);
    if (mode == "secure") {
      zone.mode = ZoneMode::kSecure;
    } else if (mode == "bogus") {
      zone.mode = ZoneMode::kBogusExpired;
    } else if (mode == "unsigned") {
      zone.mode = ZoneMode::kUnsigned;
    } else {
      UsageError("unknown zone mode \"" + std::string(mode) + "\" in --zone " + std::string(text) +
                 " (secure, bogus or unsigned)");
    }
  }
  return zone;
}

SignedZoneOptions Parse(int argc, char** argv) {
  SignedZoneOptions options;
  // Records are attached once every --zone is known, so they may come in any order.
  std::vector<std::string> records;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << kUsage;
      std::exit(0);
    }
    if (i + 1 >= argc) UsageError("missing value for " + std::string(flag));
    const std::string value = argv[++i];
    if (flag == "--zone") {
      options.zones.push_back(ParseZone(value));
    } else if (flag == "--record") {
      records.push_back(value);
    } else if (flag == "--ttl") {
      const auto [end, ec] =
          std::from_chars(value.data(), value.data() + value.size(), options.ttl);
      if (ec != std::errc() || end != value.data() + value.size() || options.ttl == 0)
        UsageError("bad --ttl " + value + " (seconds, at least 1)");
    } else {
      UsageError("unknown option " + std::string(flag));
    }
  }
  if (options.zones.empty()) UsageError("at least one --zone is required");
  for (const std::string& record : records) {
    const std::size_t bar = record.find('|');
    if (bar == std::string::npos || bar + 1 == record.size())
      UsageError("--record needs 'ZONE|ZONE-FILE LINE', found '" + record + "'");
    const std::string zone = ZoneKey(record.substr(0, bar));
    SignedZone* target = nullptr;
    for (SignedZone& z : options.zones) {
      if (ZoneKey(z.name) == zone) target = &z;
    }
    if (target == nullptr) UsageError("--record '" + record + "' names no --zone");
    target->records.push_back(record.substr(bar + 1));
  }
  return options;
}

volatile sig_atomic_t g_stop_signal = 0;
void OnStopSignal(int signal) { g_stop_signal = signal; }

}  // namespace

int main(int argc, char** argv) {
  SignedZoneOptions options = Parse(argc, argv);

  // Caught, not blocked, while the rig starts: NSD and the ldns tools are forked from here and
  // would inherit a blocked mask (the SIGTERM that stops NSD might then stay pending until the
  // SIGKILL after it), whereas a caught signal reverts to its default in an exec'd child. A
  // signal during start-up is remembered and honoured once the constructor returns, so NSD is
  // never left behind.
  struct sigaction action = {};
  action.sa_handler = &OnStopSignal;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);

  try {
    stx::test::SignedZoneServer rig(std::move(options));
    std::cout << "listening " << rig.server() << " anchor=" << rig.trust_anchor_file() << std::endl;

    // Block, then test the flag, then sleep with the signals unblocked: no signal is lost
    // between the test and the sleep.
    sigset_t stop_signals;
    sigset_t previous;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    sigprocmask(SIG_BLOCK, &stop_signals, &previous);
    while (g_stop_signal == 0) sigsuspend(&previous);
  } catch (const std::exception& e) {
    std::cerr << "signed_zone_server: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
