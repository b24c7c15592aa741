// `starttls_exporter check --config.file F`: every configured partner, once.
#include <chrono>
#include <ostream>

#include "app/check_command.hpp"
#include "app/probe_environment.hpp"
#include "common/when_all.hpp"
#include "config/config_loader.hpp"
#include "report/json_report.hpp"
#include "report/text_report.hpp"
#include "scheduler/scheduler.hpp"
#include "state/exporter_state.hpp"

namespace stx::app {

int RunConfigCheck(const CheckCommandOptions& options, std::ostream& out, std::ostream& err) {
  config::ExporterConfig config;
  try {
    config = config::LoadConfigFile(options.config_file);
  } catch (const std::exception& e) {
    err << "check: " << e.what() << "\n";
    return kErrorOrUsage;
  }
  asio::io_context io(1);
  state::ExporterState state;
  state.ApplyConfig(config);
  std::shared_ptr<const scheduler::ProbeEnvironment> environment;
  try {
    environment = MakeProbeEnvironment(io.get_executor(), config);
  } catch (const std::exception& e) {
    err << "check: " << e.what() << "\n";
    return kErrorOrUsage;
  }
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

  if (options.json) {
    nlohmann::json partners = nlohmann::json::array();
    for (std::size_t i = 0; i < results.size(); ++i) {
      nlohmann::json entry = report::ToJson(results[i]);
      entry["name"] = config.partners[i].name;
      partners.push_back(std::move(entry));
    }
    out << nlohmann::json{{"config", options.config_file}, {"partners", partners}}.dump(2) << "\n";
  } else {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    for (std::size_t i = 0; i < results.size(); ++i) {
      out << "== " << config.partners[i].name << " ==\n" << report::ToText(results[i], now) << "\n";
    }
  }
  return ExitStatusOf(results);
}

}  // namespace stx::app
