// scripted_smtp_server: one ScriptedSmtpServer preset as a stand-alone process, for manual
// runs and for tests that drive the exporter binary against a scripted partner.
//
//   scripted_smtp_server --behaviour NAME --listen 127.0.0.1:PORT [--cert-dir DIR]
//                        [--host mx.test] [--delay-ms 2000] [--chain-bytes N]
//
// Prints "listening ADDRESS:PORT ca=CA_PATH" once ready, then serves until SIGTERM/SIGINT;
// then one line per connection, "connection N peer=ADDRESS:PORT bytes_sent=B" (what the
// server managed to write: tests facing a firehose count it there).
#include <signal.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "scripted/behaviours.hpp"
#include "scripted/ephemeral_pki.hpp"
#include "scripted/scripted_smtp_server.hpp"
#include "support/child_process.hpp"

namespace {

using stx::scripted::CertSpec;
using stx::scripted::ServerScript;

constexpr const char* kUsage =
    "usage: scripted_smtp_server --behaviour NAME --listen 127.0.0.1:PORT [--cert-dir DIR]\n"
    "                            [--host mx.test] [--delay-ms 2000] [--chain-bytes N]\n"
    "       scripted_smtp_server --list    (the behaviours, one per line)\n"
    "On SIGTERM/SIGINT it prints \"connection N peer=ADDRESS:PORT bytes_sent=B\" per connection.\n";

struct Options {
  std::string behaviour;
  std::string address;
  std::uint16_t port = 0;
  std::string cert_dir;
  std::string host = "mx.test";
  int delay_ms = 2000;
  /// Pads the served certificate chain to N bytes (ServerScript::cert_chain_padding), whatever
  /// the behaviour; 0 keeps the behaviour's own.
  std::size_t chain_bytes = 0;
};

[[noreturn]] void UsageError(const std::string& message) {
  std::cerr << "scripted_smtp_server: " << message << "\n" << kUsage;
  std::exit(2);
}

// "127.0.0.1:2525" or "[::1]:2525".
void ParseListen(std::string_view text, Options& options) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) UsageError("--listen needs ADDRESS:PORT");
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const std::string_view port = text.substr(colon + 1);
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), options.port);
  if (ec != std::errc() || end != port.data() + port.size()) UsageError("bad port in --listen");
  options.address = std::string(host);
}

Options Parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << kUsage;
      std::exit(0);
    }
    if (flag == "--list") {
      for (const std::string_view name : stx::scripted::BehaviourNames()) std::cout << name << "\n";
      std::exit(0);
    }
    if (i + 1 >= argc) UsageError("missing value for " + std::string(flag));
    const std::string value = argv[++i];
    if (flag == "--behaviour" || flag == "--behavior") {
      options.behaviour = value;
    } else if (flag == "--listen") {
      ParseListen(value, options);
    } else if (flag == "--cert-dir") {
      options.cert_dir = value;
    } else if (flag == "--host") {
      options.host = value;
    } else if (flag == "--delay-ms") {
      options.delay_ms = std::atoi(value.c_str());
    } else if (flag == "--chain-bytes") {
      const auto [end, ec] =
          std::from_chars(value.data(), value.data() + value.size(), options.chain_bytes);
      if (ec != std::errc() || end != value.data() + value.size())
        UsageError("bad --chain-bytes " + value);
    } else {
      UsageError("unknown option " + std::string(flag));
    }
  }
  if (options.behaviour.empty()) UsageError("--behaviour is required");
  if (options.address.empty()) UsageError("--listen is required");
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = Parse(argc, argv);
  std::optional<stx::scripted::Behaviour> behaviour = stx::scripted::FindBehaviour(
      options.behaviour, {options.host, std::chrono::milliseconds(options.delay_ms)});
  if (!behaviour) UsageError("unknown behaviour " + options.behaviour);
  ServerScript* script = &behaviour->script;

  // Block the stop signals before the server thread starts, so it inherits the mask and only
  // sigwait() below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const bool own_dir = options.cert_dir.empty();
  const std::string cert_dir =
      own_dir ? stx::test::MakeTempDir("scripted-smtp-server") : options.cert_dir;
  int status = 0;
  try {
    stx::scripted::EphemeralPki pki(cert_dir);
    CertSpec spec = stx::scripted::CertSpecFor(behaviour->cert, options.host);
    spec.name = "server";
    const stx::scripted::CertFiles files = pki.Issue(spec);
    script->cert_chain_path = files.cert_chain_pem_path;
    script->key_path = files.key_path;
    if (options.chain_bytes > 0) script->cert_chain_padding = options.chain_bytes;
    // A stand-alone partner should not hang up on a slow human at the keyboard.
    script->idle_timeout = std::chrono::minutes(5);

    stx::scripted::ScriptedSmtpServer server(*script, options.address, options.port);
    const bool v6 = options.address.find(':') != std::string::npos;
    std::cout << "listening " << (v6 ? "[" + options.address + "]" : options.address) << ":"
              << server.port() << " ca=" << pki.ca_path() << std::endl;

    int received = 0;
    sigwait(&stop_signals, &received);
    server.Stop();
    std::size_t n = 0;
    for (const stx::scripted::ConnectionRecord& c : server.Connections())
      std::cout << "connection " << ++n << " peer=" << c.peer << " bytes_sent=" << c.bytes_sent
                << "\n";
    std::cout << std::flush;
  } catch (const std::exception& e) {
    std::cerr << "scripted_smtp_server: " << e.what() << "\n";
    status = 1;
  }
  if (own_dir) {
    std::error_code ignored;
    std::filesystem::remove_all(cert_dir, ignored);
  }
  return status;
}
