// `starttls_exporter check`: one target, or every partner of a configuration, probed once.
// Both build a configuration and probe it the way the daemon does (its probe environment, its
// scheduler's limits), so a one-shot check and the exporter never disagree about a partner.
#include "app/check_command.hpp"

#include <algorithm>
#include <array>

#include <chrono>
#include <filesystem>
#include <ostream>
#include <variant>

#include "app/probe_environment.hpp"
#include "assess/status.hpp"
#include "common/asio.hpp"
#include "common/when_all.hpp"
#include "config/config_loader.hpp"
#include "config/config_values.hpp"
#include "report/json_report.hpp"
#include "report/text_report.hpp"
#include "scheduler/scheduler.hpp"

namespace stx::app {
namespace {

std::int64_t NowUnix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// `check <target> [options]` as a configuration of one partner; or why the options are wrong.
std::variant<config::ExporterConfig, std::string> TargetConfig(const CheckCommandOptions& o) {
  auto parsed = ParseCheckTarget(o.target);
  if (auto* why = std::get_if<std::string>(&parsed)) return *why;
  const auto timeout = config::CheckTimeout(o.timeout);
  if (!timeout.value) {
    return "--timeout: " + timeout.error;
  }
  if (o.ipv4_only && o.ipv6_only) return "-4 and -6 exclude each other; give at most one";

  config::ExporterConfig config;
  config.source = "command line";
  config::GlobalSettings& global = config.global;
  global.timeout = *timeout.value;
  global.port = o.port;
  global.mx = o.primary_only ? config::MxSelection::kPrimary : config::MxSelection::kAll;
  global.ipv4 = !o.ipv6_only;
  global.ipv6 = !o.ipv4_only;
  global.discover_policies = true;
  if (!o.ehlo_name.empty()) {
    if (const std::string why = config::CheckEhloName(o.ehlo_name); !why.empty()) {
      return "--ehlo-name " + why;
    }
    global.ehlo_name = o.ehlo_name;
  }
  if (!o.dns_server.empty()) {
    const auto server = config::CheckDnsServer(o.dns_server);
    if (!server.value) return "--dns-server " + server.error;
    global.dns_server = *server.value;
  }
  if (o.dns_trust_anchor_file) {
    const auto anchors =
        config::CheckTrustAnchorFile(*o.dns_trust_anchor_file, std::filesystem::current_path());
    if (!anchors.value) return "--dns.trust-anchor-file " + anchors.error;
    global.dns_trust_anchor_file = *anchors.value;
  }
  if (!o.ca_file.empty()) {
    const auto ca_file = config::CheckCaFile(o.ca_file, std::filesystem::current_path());
    if (!ca_file.value) return "--ca-file " + ca_file.error;
    global.ca_file = *ca_file.value;
  }

  if (!o.senders.empty()) {
    const auto senders = config::CheckSenderList(o.senders);
    if (!senders.value) return "--senders " + senders.error;
    global.senders = *senders.value;
  }

  CheckTarget& target = std::get<CheckTarget>(parsed);
  config::Partner partner = config::DefaultPartner(global, target.host);
  if (target.kind == CheckTarget::Kind::kHost) {
    if (!target.port) target.port = o.port;
    partner.static_mx.push_back(std::move(target));
  }
  config.partners.push_back(std::move(partner));
  return config;
}

// Every partner of `config` probed once, concurrently under the configured limits, in order.
// Throws std::runtime_error when the probe environment cannot be built (resolver, CA file).
std::vector<probe::TargetProbeResult> ProbeEveryPartnerOnce(const config::ExporterConfig& config) {
  asio::io_context io(1);
  state::ExporterState state;
  const auto environment = MakeProbeEnvironment(io.get_executor(), config);
  scheduler::Scheduler scheduler(io.get_executor(), state, {});
  scheduler.Configure(config, environment);
  std::vector<awaitable<probe::TargetProbeResult>> probes;
  for (const auto& partner : config.partners) probes.push_back(scheduler.ProbeOnce(partner));
  std::vector<probe::TargetProbeResult> results;
  auto thrown = [&config](std::size_t i, const std::exception_ptr& error) {
    return scheduler::ThrownPartnerProbe(config.partners[i], error);
  };
  auto on_done = [&results](std::exception_ptr, std::vector<probe::TargetProbeResult> r) {
    results = std::move(r);
  };
  asio::co_spawn(io, WhenAll(std::move(probes), thrown), on_done);
  io.run();
  return results;
}

}  // namespace

int RunCheck(const CheckCommandOptions& options, std::ostream& out, std::ostream& err) {
  auto config = TargetConfig(options);
  if (const auto* why = std::get_if<std::string>(&config)) {
    err << "check: " << *why << "\n";
    return assess::kErrorOrUsage;
  }
  std::vector<probe::TargetProbeResult> results;
  try {
    results = ProbeEveryPartnerOnce(std::get<config::ExporterConfig>(config));
  } catch (const std::exception& e) {
    err << "check: " << e.what() << "\n";
    return assess::kErrorOrUsage;
  }
  probe::TargetProbeResult& result = results.front();
  // As typed; an internationalized name as its A-labels, the name DNS and the certificate
  // were asked about (the target parsed without error in TargetConfig).
  const bool ascii = std::all_of(options.target.begin(), options.target.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  result.target =
      ascii ? options.target : ToString(std::get<CheckTarget>(ParseCheckTarget(options.target)));
  const smtp::ProfileSet ours = std::get<config::ExporterConfig>(config).partners.front().senders;
  if (options.json) {
    out << report::Serialize(report::ToJson(result, NowUnix(), ours), 2) << "\n";
  } else {
    out << report::ToText(result, NowUnix(), ours);
  }
  return assess::CheckExitStatus(results, std::array{ours});
}

int RunConfigCheck(const CheckCommandOptions& options, std::ostream& out, std::ostream& err) {
  config::ExporterConfig config;
  std::vector<probe::TargetProbeResult> results;
  try {
    config = config::LoadConfigFile(options.config_file);
    results = ProbeEveryPartnerOnce(config);
  } catch (const std::exception& e) {
    err << "check: " << e.what() << "\n";
    return assess::kErrorOrUsage;
  }
  const std::int64_t now = NowUnix();
  if (options.json) {
    nlohmann::json partners = nlohmann::json::array();
    for (std::size_t i = 0; i < results.size(); ++i) {
      nlohmann::json entry = report::ToJson(results[i], now, config.partners[i].senders);
      entry["name"] = config.partners[i].name;
      partners.push_back(std::move(entry));
    }
    out << report::Serialize({{"config", options.config_file}, {"partners", partners}}, 2) << "\n";
  } else {
    for (std::size_t i = 0; i < results.size(); ++i) {
      out << "== " << config.partners[i].name << " ==\n" << report::ToText(results[i], now, config.partners[i].senders) << "\n";
    }
  }
  std::vector<smtp::ProfileSet> ours;
  for (const auto& partner : config.partners) ours.push_back(partner.senders);
  return assess::CheckExitStatus(results, ours);
}

}  // namespace stx::app
