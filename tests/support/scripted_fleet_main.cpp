// scripted_fleet: many scripted partners in one process, for the hostile-fleet test, the soak
// (scripts/soak) and benchmarks. Each partner is a mail domain whose one MX host listens on its
// own loopback address; the files written to --out let a real dnsmasq serve their MX and A
// records and let the exporter probe them.
//
//   scripted_fleet --count N --port P --out DIR [--first-address 127.1.0.1]
//                  [--mix compliant=70,misordered=20,no_starttls=10] [--seed 1]
//                  [--domain-suffix fleet.test] [--delay-ms 2000] [--greet-pause-ms 0]
//   scripted_fleet --list-hostile    (the behaviours `hostile` in a mix stands for)
//
// Writes DIR/dnsmasq.conf, DIR/partners.toml, DIR/manifest.tsv and DIR/ca.pem, prints one
// "ready ..." line once every listener is bound, serves until SIGTERM/SIGINT, then prints the
// connection and handshake counts.
#include <signal.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

#include "scripted/fleet_plan.hpp"
#include "scripted/scripted_fleet.hpp"

namespace {

using stx::scripted::FleetPartner;

constexpr const char* kUsage =
    "usage: scripted_fleet --count N --port P --out DIR [--first-address 127.1.0.1]\n"
    "                      [--mix compliant=70,misordered=20,no_starttls=10] [--seed 1]\n"
    "                      [--domain-suffix fleet.test] [--delay-ms 2000] [--greet-pause-ms 0]\n"
    "       scripted_fleet --list-hostile\n"
    "A mix names behaviours of `scripted_smtp_server --list`, or `hostile` for every hostile\n"
    "behaviour in turn. --delay-ms is slow_banner's delay; --greet-pause-ms delays every banner.\n";

struct Options {
  stx::scripted::FleetPlanOptions plan;
  std::string mix = "compliant=70,misordered=20,no_starttls=10";
  std::uint16_t port = 0;
  std::string out;
  long delay_ms = 2000;
  long greet_pause_ms = 0;
};

[[noreturn]] void UsageError(const std::string& message) {
  std::cerr << "scripted_fleet: " << message << "\n" << kUsage;
  std::exit(2);
}

template <class Number>
Number ParseNumber(std::string_view flag, std::string_view text) {
  Number value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size())
    UsageError("bad number for " + std::string(flag) + ": " + std::string(text));
  return value;
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << kUsage;
      std::exit(0);
    }
    if (flag == "--list-hostile") {
      for (const std::string& name : stx::scripted::HostileBehaviourNames())
        std::cout << name << "\n";
      std::exit(0);
    }
    if (i + 1 >= argc) UsageError("missing value for " + std::string(flag));
    const std::string value = argv[++i];
    if (flag == "--count") {
      o.plan.count = ParseNumber<std::size_t>(flag, value);
    } else if (flag == "--port") {
      o.port = ParseNumber<std::uint16_t>(flag, value);
    } else if (flag == "--out") {
      o.out = value;
    } else if (flag == "--first-address") {
      o.plan.first_address = value;
    } else if (flag == "--mix") {
      o.mix = value;
    } else if (flag == "--seed") {
      o.plan.seed = ParseNumber<std::uint64_t>(flag, value);
    } else if (flag == "--domain-suffix") {
      o.plan.domain_suffix = value;
    } else if (flag == "--delay-ms") {
      o.delay_ms = ParseNumber<long>(flag, value);
    } else if (flag == "--greet-pause-ms") {
      o.greet_pause_ms = ParseNumber<long>(flag, value);
    } else {
      UsageError("unknown option " + std::string(flag));
    }
  }
  if (o.plan.count == 0) UsageError("--count must be at least 1");
  if (o.port == 0) UsageError("--port is required (every MX host listens on it)");
  if (o.out.empty()) UsageError("--out is required");
  return o;
}

void Write(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  if (!file.flush()) throw std::runtime_error("cannot write " + path);
}

// dnsmasq configuration lines (dnsmasq(8): --mx-host, --host-record; `local` keeps every other
// name of the zone from being forwarded anywhere).
std::string DnsmasqConf(const std::vector<FleetPartner>& partners, const std::string& suffix) {
  std::string conf = "# scripted_fleet: " + std::to_string(partners.size()) + " partners\n";
  conf += "local=/" + suffix + "/\n";
  for (const FleetPartner& p : partners) {
    conf += "mx-host=" + p.domain + "," + p.mx_host + ",10\n";
    conf += "host-record=" + p.mx_host + "," + p.address + "\n";
  }
  return conf;
}

std::string PartnersToml(const std::vector<FleetPartner>& partners, std::uint16_t port,
                         const std::string& out) {
  std::string toml = "# scripted_fleet: " + std::to_string(partners.size()) +
                     " partners. Append to an exporter configuration whose global settings\n"
                     "# include: port = " +
                     std::to_string(port) + ", ca_file = \"" + out +
                     "/ca.pem\", dns_server = <a dnsmasq\n# started with --conf-file=" + out +
                     "/dnsmasq.conf>.\n";
  for (const FleetPartner& p : partners) {
    toml += "\n[[partner]]\ndomain = \"" + p.domain + "\"\nlabels = { behaviour = \"" +
            p.behaviour + "\" }\n";
  }
  return toml;
}

std::string Manifest(const std::vector<FleetPartner>& partners) {
  std::string tsv = "domain\tmx\taddress\tbehaviour\n";
  for (const FleetPartner& p : partners)
    tsv += p.domain + "\t" + p.mx_host + "\t" + p.address + "\t" + p.behaviour + "\n";
  return tsv;
}

}  // namespace

int main(int argc, char** argv) {
  Options options = Parse(argc, argv);
  const auto started = std::chrono::steady_clock::now();

  // Block the stop signals before the fleet's thread starts, so it inherits the mask and only
  // sigwait() below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  try {
    options.plan.mix = stx::scripted::ParseFleetMix(options.mix);
    std::vector<FleetPartner> partners = stx::scripted::PlanFleet(options.plan);
    std::filesystem::create_directories(options.out);
    const std::string out = std::filesystem::canonical(options.out).string();
    Write(out + "/dnsmasq.conf", DnsmasqConf(partners, options.plan.domain_suffix));
    Write(out + "/partners.toml", PartnersToml(partners, options.port, out));
    Write(out + "/manifest.tsv", Manifest(partners));

    stx::scripted::FleetOptions fleet_options;
    fleet_options.partners = std::move(partners);
    fleet_options.port = options.port;
    fleet_options.pki_dir = out;
    fleet_options.domain_suffix = options.plan.domain_suffix;
    fleet_options.slow_banner_delay = std::chrono::milliseconds(options.delay_ms);
    fleet_options.greet_pause = std::chrono::milliseconds(options.greet_pause_ms);
    stx::scripted::ScriptedFleet fleet(std::move(fleet_options));

    const std::chrono::duration<double> startup = std::chrono::steady_clock::now() - started;
    const auto& all = fleet.partners();
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.3f", startup.count());
    std::cout << "ready partners=" << all.size() << " addresses=" << all.front().address << "-"
              << all.back().address << " port=" << options.port << " ca=" << fleet.ca_path()
              << " tls_contexts=" << fleet.tls_context_count() << " startup_seconds=" << seconds
              << std::endl;

    int received = 0;
    sigwait(&stop_signals, &received);
    fleet.Stop();
    const stx::scripted::FleetCounts counts = fleet.Counts();
    std::cout << "stopped connections=" << counts.connections
              << " handshakes_started=" << counts.handshakes_started
              << " handshakes_completed=" << counts.handshakes_completed << "\n";
    for (const auto& [name, n] : counts.connections_by_behaviour)
      std::cout << "connections behaviour=" << name << " count=" << n << "\n";
    std::cout << std::flush;
  } catch (const std::exception& e) {
    std::cerr << "scripted_fleet: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
