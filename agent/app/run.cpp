#include "app/run.hpp"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <iostream>
#include <vector>

#include "app/check_command.hpp"
#include "app/daemon.hpp"
#include "app/daemon_config.hpp"
#include "app/hash_password_command.hpp"
#include "common/log.hpp"
#include "config/config_values.hpp"
#include "config/partner_shard.hpp"
#include "config/web_values.hpp"

namespace stx::app {

int Run(int argc, char** argv) {
  CLI::App app{
      "starttls_exporter: probes partners' mail servers on a schedule and exports, for every MX "
      "address, what each kind of SMTP sender gets: TLS or clear text (Prometheus metrics, "
      "status page, JSON API)."};
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", std::string(STX_VERSION));

  DaemonOptions daemon;
  std::string log_level = "info";
  std::string log_format = "logfmt";
  bool config_check = false;
  app.add_option("--config.file", daemon.config_file, "Configuration file (TOML)")
      ->default_val("starttls_exporter.toml");
  app.add_option("--web.listen-address", daemon.listen_address,
                 "Address to serve /metrics, the status page and the API on")
      ->default_val(":9725");
  app.add_option("--log.level", log_level, "debug, info, warn or error")
      ->default_val("info")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  app.add_option("--log.format", log_format, "logfmt or json")
      ->default_val("logfmt")
      ->check(CLI::IsMember({"logfmt", "json"}));
  app.add_flag("--config.check", config_check, "Validate --config.file and exit (0 valid, 1 not)");
  std::string shard_text = "0/1";
  app.add_option("--shard", shard_text,
                 "Probe only this instance's share of the partners, INDEX/COUNT (0-based), e.g. "
                 "--shard=0/3 on the first of 3 exporters sharing one configuration")
      ->check(CLI::Validator(
          [](std::string& value) -> std::string { return config::ParseShard(value).error; },
          "INDEX/COUNT"));
  app.add_flag("--demo", daemon.demo,
               "Probe built-in scripted partners on loopback every 15 s (no config, no Internet)");

  CheckCommandOptions check;
  CLI::App* check_cmd = app.add_subcommand(
      "check",
      "Probe every MX host and address of a mail domain (or one host:port) once and report, "
      "for each, what each kind of SMTP sender gets; or, with --config.file, "
      "every partner of a configuration.\n"
      "Exit status, from what our senders get (--senders, or each partner's senders): 0 every "
      "address gives each of them TLS; 1 any address leaves one of them without TLS (in clear "
      "or not delivered: misordered, no STARTTLS, STARTTLS refused, handshake failed, a TLS "
      "version or certificate it does not accept); 2 errors or bad usage.");
  // A target or --config.file, exactly one: checked after parsing, with one message for both
  // mistakes (CLI11 would name only one side).
  check_cmd->add_option("target", check.target,
                        "example.com | mx.example.com:25 | 192.0.2.1:25 | [2001:db8::1]:25");
  CLI::Option* config_file = check_cmd->add_option(
      "--config.file", check.config_file,
      "Probe every partner of this configuration once, with its settings, instead of one "
      "target");
  check_cmd->add_flag("--json", check.json, "Machine-readable output");
  // The settings of a single target; a configuration file carries its own.
  const std::vector<CLI::Option*> target_settings = {
      check_cmd->add_option("--ehlo-name", check.ehlo_name,
                            "Name sent with EHLO (default: this host's FQDN)"),
      check_cmd->add_option(
          "--dns-server", check.dns_server,
          "Upstream resolver the validating resolver asks, IP[:PORT] or [IPv6]:PORT (default: "
          "/etc/resolv.conf)"),
      check_cmd->add_option(
          "--dns.trust-anchor-file", check.dns_trust_anchor_file,
          "DNSSEC trust anchors (DS or DNSKEY records) the resolver validates from (default: "
          "/usr/share/dns/root.key; \"\": no validation)"),
      check_cmd->add_option("--timeout", check.timeout, "Deadline for each address's dialogue")
          ->default_val("30s")
          ->check(CLI::Validator(
              // The rule of a configuration's `timeout`, with its message.
              [](std::string& value) -> std::string { return config::CheckTimeout(value).error; },
              "DURATION")),
      check_cmd
          ->add_option("--port", check.port, "SMTP port for MX hosts and for targets without one")
          ->default_val(25)
          ->check(CLI::Range(1, 65535)),
      check_cmd->add_flag("--primary-only", check.primary_only,
                          "Only the MX hosts with the lowest preference"),
      check_cmd->add_flag("-4,--ipv4-only", check.ipv4_only, "Only IPv4 addresses"),
      check_cmd->add_flag("-6,--ipv6-only", check.ipv6_only, "Only IPv6 addresses"),
      check_cmd
          ->add_option("--ca-file", check.ca_file,
                       "Also trust these CA certificates (PEM), e.g. a partner's private CA")
          ->check(CLI::ExistingFile),
      check_cmd->add_option("--senders", check.senders,
                            "The senders you run, e.g. postfix,msmtp (default: strict,lenient): "
                            "the status and the exit status follow them"),
  };
  for (CLI::Option* setting : target_settings) config_file->excludes(setting);

  HashPasswordOptions hash_password;
  CLI::App* hash_password_cmd = app.add_subcommand(
      "hash-password",
      "Read a password from standard input (asked twice, without echo, on a terminal) and print "
      "its bcrypt hash for [web.basic_auth_users] in the configuration.");
  hash_password_cmd->add_option("--cost", hash_password.cost, "bcrypt cost (work factor)")
      ->default_val(10)
      ->check(CLI::Range(config::kMinBcryptCost, config::kMaxBcryptCost));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "starttls_exporter: " << e.what() << "\n"
              << "Run 'starttls_exporter --help' or 'starttls_exporter check --help' for usage.\n";
    return 2;
  }
  daemon.shard = *config::ParseShard(shard_text).value;  // the validator checked it
  log::Level level = log::Level::kInfo;
  log::Format format = log::Format::kLogfmt;
  log::ParseLevel(log_level, level);
  log::ParseFormat(log_format, format);
  log::Configure(level, format);

  if (hash_password_cmd->parsed()) {
    return RunHashPassword(hash_password, std::cin, STDIN_FILENO, std::cout, std::cerr);
  }
  if (check_cmd->parsed()) {
    if (check.target.empty() == check.config_file.empty()) {
      std::cerr << "starttls_exporter check: give either a target or --config.file, not "
                   "both and not neither.\nRun 'starttls_exporter check --help' for usage.\n";
      return 2;
    }
    return check.config_file.empty() ? RunCheck(check, std::cout, std::cerr)
                                     : RunConfigCheck(check, std::cout, std::cerr);
  }
  if (config_check) {
    try {
      const auto config = LoadDaemonConfig(daemon.config_file);
      std::cout << daemon.config_file << ": valid, " << config.partners.size() << " partners";
      if (daemon.shard.count > 1) {
        config::ExporterConfig mine = config;
        config::KeepShard(mine, daemon.shard);
        std::cout << ", " << mine.partners.size() << " on shard " << daemon.shard.index << "/"
                  << daemon.shard.count;
      }
      std::cout << "\n";
      return 0;
    } catch (const std::exception& e) {
      std::cerr << e.what() << "\n";
      return 1;
    }
  }
  return RunDaemon(daemon);
}

}  // namespace stx::app
