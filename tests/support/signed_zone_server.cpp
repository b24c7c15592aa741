#include "support/signed_zone_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/dns_query.hpp"

namespace stx::test {
namespace {

namespace fs = std::filesystem;

// Absolute paths: root's PATH has /usr/sbin, an ordinary user's may not.
constexpr const char* kNsd = "/usr/sbin/nsd";
constexpr const char* kNsdCheckconf = "/usr/sbin/nsd-checkconf";
constexpr const char* kNsdCheckzone = "/usr/sbin/nsd-checkzone";
constexpr const char* kLdnsKeygen = "/usr/bin/ldns-keygen";
constexpr const char* kLdnsSignzone = "/usr/bin/ldns-signzone";
constexpr const char* kLdnsKey2ds = "/usr/bin/ldns-key2ds";
constexpr const char* kPackages = "(Debian packages nsd and ldnsutils: scripts/install-deps)";

constexpr auto kStartTimeout = std::chrono::seconds(5);
constexpr auto kToolTimeout = std::chrono::seconds(20);
constexpr int kPortAttempts = 3;
// The TTL of the DS records in the trust anchor file (the anchor itself never expires).
constexpr int kAnchorTtl = 3600;

std::string Join(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& a : argv) line += (line.empty() ? "" : " ") + a;
  return line;
}

/// Runs a tool to its end; its standard output, or std::runtime_error with the command line
/// and everything it printed.
std::string RunTool(const std::vector<std::string>& argv) {
  const ProgramRun run = RunProgram(argv, "", kToolTimeout);
  if (run.exit_status == 0) return run.out;
  throw std::runtime_error("SignedZoneServer: " + Join(argv) +
                           (run.exit_status < 0
                                ? " did not finish in time"
                                : " exited with status " + std::to_string(run.exit_status)) +
                           (run.exit_status == 127 ? " " + std::string(kPackages) : "") +
                           "\nstdout:\n" + run.out + "\nstderr:\n" + run.err);
}

/// "Secure.DNSSEC.test" -> "secure.dnssec.test."
std::string AbsoluteName(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (name.empty() || name.back() != '.') name += '.';
  return name;
}

/// True when `name` is strictly below `zone` (both absolute).
bool IsBelow(const std::string& name, const std::string& zone) {
  if (zone == ".") return name != ".";
  return name.size() > zone.size() + 1 && name.ends_with("." + zone);
}

/// The zone of the tree that `zone` is delegated from: the longest other zone it is below.
const SignedZone* ParentOf(const std::string& zone, const std::vector<SignedZone>& zones) {
  const SignedZone* parent = nullptr;
  for (const auto& z : zones) {
    if (IsBelow(zone, z.name) && (parent == nullptr || z.name.size() > parent->name.size())) {
      parent = &z;
    }
  }
  return parent;
}

bool Signed(ZoneMode mode) { return mode != ZoneMode::kUnsigned; }

std::string ZonePath(const std::string& dir, const std::string& zone) {
  return dir + "/zones/" + (zone == "." ? std::string("root.") : zone) + "zone";
}

/// The file NSD serves: the signed one for a signed zone.
std::string ServedPath(const std::string& dir, const SignedZone& zone) {
  return ZonePath(dir, zone.name) + (Signed(zone.mode) ? ".signed" : "");
}

/// A UDP query "<zone> SOA" without RD; true when the reply is an authoritative NOERROR with
/// an answer, i.e. NSD has loaded the zone and serves it on `port`.
bool ServesZone(std::uint16_t port, const std::string& zone) {
  const auto reply = AskLoopbackUdp(port, SoaQuery(zone, false));
  if (!reply || reply->size() < 12) return false;
  const std::vector<unsigned char>& r = *reply;
  return (r[2] & 0x80) != 0 /* QR */ && (r[2] & 0x04) != 0 /* AA */ &&
         (r[3] & 0x0f) == 0 /* NOERROR */ && (r[6] != 0 || r[7] != 0) /* ANCOUNT */;
}

/// The RDATA of the one DS record ldns-key2ds prints ("<owner> <ttl> IN DS <rdata>").
std::string DsRdata(const std::string& key2ds_output) {
  std::istringstream in(key2ds_output);
  std::vector<std::string> tokens;
  for (std::string t; in >> t;) tokens.push_back(t);
  const auto ds = std::find(tokens.begin(), tokens.end(), "DS");
  if (ds == tokens.end() || std::next(ds) == tokens.end()) {
    throw std::runtime_error("SignedZoneServer: no DS in ldns-key2ds output: " + key2ds_output);
  }
  return Join(std::vector<std::string>(std::next(ds), tokens.end()));
}

/// True when every directory from / down to `dir` lets others through (o+x): NSD, once it is
/// the `nsd` user, can then reach what is in `dir` (a TMPDIR under /root would not).
bool OthersMayEnter(const fs::path& dir) {
  for (fs::path p = dir; !p.empty(); p = p.parent_path()) {
    std::error_code error;
    const fs::perms perms = fs::status(p, error).permissions();
    if (error || (perms & fs::perms::others_exec) == fs::perms::none) return false;
    if (p == p.root_path()) break;
  }
  return true;
}

std::string Seconds(std::chrono::system_clock::time_point t) {
  return std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

}  // namespace

SignedZoneServer::SignedZoneServer(std::vector<SignedZone> zones)
    : SignedZoneServer(SignedZoneOptions{std::move(zones)}) {}

SignedZoneServer::SignedZoneServer(SignedZoneOptions options) : options_(std::move(options)) {
  if (options_.zones.empty()) throw std::invalid_argument("SignedZoneServer: no zones");
  for (auto& zone : options_.zones) zone.name = AbsoluteName(zone.name);
  dir_ = MakeTempDir("stx-nsd");
  try {
    // As root, NSD is told to drop to the `nsd` user once its sockets are bound; it then
    // reads the zones and writes its state: the zones must be readable and state/ writable
    // by that user. The keys stay in keys/, root's alone. Where that user could not reach
    // the temp dir, NSD stays root.
    fs::permissions(dir_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
    fs::create_directory(dir_ + "/zones");
    fs::create_directory(dir_ + "/keys");
    fs::permissions(dir_ + "/keys", fs::perms::owner_all);
    fs::create_directory(dir_ + "/state");
    const passwd* nsd = ::geteuid() == 0 ? ::getpwnam("nsd") : nullptr;
    if (nsd != nullptr && OthersMayEnter(dir_)) {
      if (::chown((dir_ + "/state").c_str(), nsd->pw_uid, nsd->pw_gid) != 0) {
        throw std::runtime_error("SignedZoneServer: cannot chown " + dir_ + "/state");
      }
      nsd_user_ = "nsd";
    }
    trust_anchor_file_ = dir_ + "/trust-anchor.ds";
    WriteZones();
    std::string failure;
    for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
      port_ = FreeLoopbackPort();
      if (TryStart(failure)) return;
      // The free port may have been taken between FreeLoopbackPort and NSD's bind: retry on
      // another one; any other failure is final.
      if (failure.find("already in use") == std::string::npos) break;
    }
    throw std::runtime_error(failure);
  } catch (...) {
    child_.reset();
    if (std::getenv("STX_KEEP_TEST_DIRS") == nullptr) {
      std::error_code ignored;
      fs::remove_all(dir_, ignored);
    }
    throw;
  }
}

SignedZoneServer::~SignedZoneServer() {
  Stop();
  if (!::testing::Test::HasFailure() && std::getenv("STX_KEEP_TEST_DIRS") == nullptr) {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
}

std::string SignedZoneServer::server() const { return "127.0.0.1:" + std::to_string(port_); }

std::string SignedZoneServer::ServedZoneText(const std::string& zone) const {
  const std::string name = AbsoluteName(zone);
  for (const auto& z : options_.zones) {
    if (z.name == name) return ReadFile(ServedPath(dir_, z));
  }
  return {};
}

std::string SignedZoneServer::Log() const {
  return ReadFile(dir_ + "/state/nsd.log") + (child_ ? child_->Log() : std::string());
}

const SignedZoneServer::ZoneKey& SignedZoneServer::KeyFor(const std::string& zone) {
  if (const auto found = keys_.find(zone); found != keys_.end()) return found->second;
  // One key with the SEP flag (-k, flags 257) per zone: with no other key ldns-signzone signs
  // every RRset with it (a "combined signing key"); validators ignore the flag when they
  // verify (RFC 4034 §2.1.1), so one key per zone is a complete chain of trust.
  // ldns-keygen writes K<zone>+013+<tag>.{key,private,ds} into its working directory.
  const std::string keys = dir_ + "/keys";
  std::string base = RunTool({"/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", keys, kLdnsKeygen, "-a",
                              "ECDSAP256SHA256", "-k", zone});
  base.erase(base.find_last_not_of(" \n") + 1);
  ZoneKey key;
  key.base = keys + "/" + base;
  key.ds = DsRdata(RunTool({kLdnsKey2ds, "-n", "-2", key.base + ".key"}));
  return keys_.emplace(zone, std::move(key)).first->second;
}

void SignedZoneServer::WriteZones() {
  ++serial_;
  const auto now = std::chrono::system_clock::now();
  const std::string ttl = std::to_string(options_.ttl);
  std::string anchors;
  for (const auto& zone : options_.zones) {
    const std::string& name = zone.name;
    std::ostringstream text;
    text << "$ORIGIN " << name << "\n$TTL " << ttl << "\n"
         << "@ IN SOA ns." << name << " hostmaster." << name << " " << serial_ << " 3600 600 86400 "
         << ttl << "\n"
         << "@ IN NS ns." << name << "\nns." << name << " IN A 127.0.0.1\n";
    for (const auto& child : options_.zones) {
      if (ParentOf(child.name, options_.zones) != &zone) continue;
      text << child.name << " IN NS ns." << child.name << "\nns." << child.name
           << " IN A 127.0.0.1\n";
      if (Signed(child.mode)) text << child.name << " IN DS " << KeyFor(child.name).ds << "\n";
    }
    for (const auto& record : zone.records) text << record << "\n";
    const std::string path = ZonePath(dir_, name);
    WriteFile(path, text.str());

    if (Signed(zone.mode)) {
      std::vector<std::string> sign = {kLdnsSignzone, "-o", name, "-f", path + ".signed"};
      if (zone.nsec3) sign.insert(sign.end(), {"-n", "-t", "0"});
      if (zone.mode == ZoneMode::kBogusExpired) {
        // Expired a week ago: well beyond a validator's allowed clock skew (unbound's
        // val-sig-skew-max is a day), so the answer is bogus (RFC 4035 §5.3.1).
        sign.insert(sign.end(), {"-i", Seconds(now - std::chrono::days(14)), "-e",
                                 Seconds(now - std::chrono::days(7))});
      }
      sign.insert(sign.end(), {path, KeyFor(name).base});
      RunTool(sign);
      if (ParentOf(name, options_.zones) == nullptr) {
        anchors += name + " " + std::to_string(kAnchorTtl) + " IN DS " + KeyFor(name).ds + "\n";
      }
    }
    // What NSD would refuse to load, said now with the offending line.
    RunTool({kNsdCheckzone, name, ServedPath(dir_, zone)});
  }
  WriteFile(trust_anchor_file_, anchors);
}

void SignedZoneServer::WriteConfig() {
  const std::string state = dir_ + "/state";
  std::ostringstream conf;
  conf << "server:\n"
       << "  ip-address: 127.0.0.1\n"
       << "  port: " << port_ << "\n"
       << "  do-ip4: yes\n  do-ip6: no\n"
       << "  server-count: 1\n  reuseport: no\n"
       << "  hide-version: yes\n  verbosity: 2\n"
       // Everything NSD reads or writes is under the temp dir: no /var/lib/nsd, no /run/nsd.
       << "  database: \"\"\n"
       << "  chroot: \"\"\n"
       << "  username: \"" << nsd_user_ << "\"\n"
       << "  zonesdir: \"" << dir_ << "/zones\"\n"
       << "  zonelistfile: \"" << state << "/zone.list\"\n"
       << "  xfrdfile: \"" << state << "/xfrd.state\"\n"
       << "  xfrdir: \"" << state << "\"\n"
       << "  pidfile: \"" << state << "/nsd.pid\"\n"
       << "  logfile: \"" << state << "/nsd.log\"\n"
       << "remote-control:\n  control-enable: no\n";
  for (const auto& zone : options_.zones) {
    conf << "zone:\n  name: \"" << zone.name << "\"\n  zonefile: \"" << ServedPath(dir_, zone)
         << "\"\n";
  }
  const std::string path = dir_ + "/nsd.conf";
  WriteFile(path, conf.str());
  RunTool({kNsdCheckconf, path});
}

bool SignedZoneServer::TryStart(std::string& failure) {
  WriteConfig();
  const std::vector<std::string> argv = {kNsd, "-d", "-c", dir_ + "/nsd.conf"};
  const std::string out_path = dir_ + "/state/nsd.out";
  child_ = std::make_unique<ChildProcess>(argv, out_path);
  const auto serves_all = [this] {
    return std::all_of(options_.zones.begin(), options_.zones.end(),
                       [this](const SignedZone& zone) { return ServesZone(port_, zone.name); });
  };
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!child_->Running()) break;
    if (serves_all()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const bool exited = !child_->Running();
  child_->Stop();
  failure = std::string("SignedZoneServer: nsd ") +
            (exited ? "exited before serving its zones" : "did not serve its zones within 5 s") +
            (exited && child_->exit_status() == 127 ? " " + std::string(kPackages) : "") +
            "\ncommand: " + Join(argv) + "\nlog:\n" + Log();
  child_.reset();
  return false;
}

void SignedZoneServer::Stop() {
  if (child_) child_->Stop();
  child_.reset();
}

void SignedZoneServer::Restart() {
  Stop();
  std::string failure;
  if (!TryStart(failure)) {
    throw std::runtime_error("restart on port " + std::to_string(port_) + ": " + failure);
  }
}

void SignedZoneServer::ReplaceZone(SignedZone zone) {
  zone.name = AbsoluteName(zone.name);
  const auto found = std::find_if(options_.zones.begin(), options_.zones.end(),
                                  [&zone](const SignedZone& z) { return z.name == zone.name; });
  if (found == options_.zones.end()) {
    throw std::invalid_argument("SignedZoneServer::ReplaceZone: no zone " + zone.name);
  }
  *found = std::move(zone);
  // NSD keeps serving what it loaded while the files are rewritten.
  WriteZones();
  Restart();
}

}  // namespace stx::test
