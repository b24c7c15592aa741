#include "app/daemon.hpp"

#include <boost/asio/signal_set.hpp>

#include <chrono>
#include <csignal>
#include <optional>

#include "app/daemon_config.hpp"
#include "app/demo_partners.hpp"
#include "app/probe_environment.hpp"
#include "app/web_routes.hpp"
#include "common/asio.hpp"
#include "common/event_loop_lag.hpp"
#include "common/log.hpp"
#include "common/web_counters.hpp"
#include "config/config_error.hpp"
#include "config/config_loader.hpp"
#include "http/http_server.hpp"
#include "scheduler/scheduler.hpp"
#include "state/exporter_state.hpp"

namespace stx::app {
namespace {

std::int64_t NowUnix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

scheduler::Scheduler::Hooks LoggingHooks() {
  scheduler::Scheduler::Hooks hooks;
  hooks.status_changed = [](const state::StatusChange& c) {
    log::Info("partner status changed", {{"domain", c.domain},
                                         {"mx", c.change.where.mx},
                                         {"address", c.change.where.address},
                                         {"from", c.change.from},
                                         {"to", c.change.to}});
  };
  hooks.probed = [](const std::string& domain, const probe::TargetProbeResult& result) {
    if (!log::Enabled(log::Level::kDebug)) return;
    for (const auto& r : result.results) {
      log::Debug("probe finished", {{"domain", domain},
                                    {"mx", r.mx_host},
                                    {"address", state::KeyOf(r).address},
                                    {"status", std::string(smtp::ToString(r.ehlo_class))},
                                    {"tls", std::string(probe::ToString(r.tls_outcome))},
                                    {"error", r.error ? r.error->Reason() : ""},
                                    {"duration_seconds", std::to_string(r.duration_seconds)}});
    }
    if (result.error) {
      log::Debug("probe failed", {{"domain", domain},
                                  {"reason", result.error->Reason()},
                                  {"detail", result.error->detail}});
    }
  };
  return hooks;
}

}  // namespace

int RunDaemon(const DaemonOptions& options) {
  asio::io_context io(1);
  std::unique_ptr<DemoPartners> demo;
  if (options.demo) {
    try {
      demo = std::make_unique<DemoPartners>();
    } catch (const std::exception& e) {
      log::Error("cannot start the demo partners", {{"err", e.what()}});
      return 1;
    }
  }

  state::ExporterState state;
  state.start_time_unix = NowUnix();
  scheduler::Scheduler scheduler(io.get_executor(), state, LoggingHooks());

  // Declared before the server, which counts into it, and destroyed after it.
  WebCounters web_counters;
  std::optional<http::HttpServer> server;
  try {
    http::HttpServerOptions web_options;
    web_options.counters = &web_counters;
    web_options.log_error = [](const std::string& message) {
      log::Warn("web request failed", {{"err", message}});
    };
    server.emplace(io.get_executor(), options.listen_address, web_options);
  } catch (const std::exception& e) {
    log::Error("cannot listen", {{"address", options.listen_address}, {"err", e.what()}});
    return 1;
  }

  // Start, SIGHUP and POST /-/reload: load the configuration, build everything it needs, then
  // apply it to the state, the scheduler and the web endpoint. Nothing is applied unless all
  // of it could be built, so a bad file leaves the running configuration as it was; the error
  // is returned ("" on success). The configuration itself is not kept: the state and the
  // scheduler hold what they need of it.
  auto load_and_apply = [&]() -> std::string {
    config::ExporterConfig next;
    std::shared_ptr<const scheduler::ProbeEnvironment> environment;
    http::WebSecurity web;
    try {
      next = demo ? demo->config() : LoadDaemonConfig(options.config_file, options.shard);
      environment = MakeProbeEnvironment(io.get_executor(), next);
      web = http::MakeWebSecurity(next.web);
    } catch (const std::exception& e) {
      state.reload.last_successful = false;
      state.reload.last_error = e.what();
      return e.what();
    }
    state.ApplyConfig(next);
    scheduler.Apply(next, environment);
    // New connections get the new certificate; every request from now on the new users.
    server->SetSecurity(std::move(web));
    if (!next.web.basic_auth_users.empty() && !next.web.tls()) {
      log::Warn("basic authentication without TLS: passwords cross the network in clear text",
                {{"hint", "set tls_cert_file and tls_key_file in [web]"}});
    }
    state.reload = state::ReloadStatus{true, NowUnix(), ""};
    return "";
  };
  auto reload = [&]() -> std::string {
    const std::string error = load_and_apply();
    if (!error.empty()) {
      log::Error("configuration reload failed; keeping the running configuration",
                 {{"err", error}});
      return error;
    }
    log::Info("configuration reloaded", {{"file", demo ? "--demo" : options.config_file},
                                         {"partners", std::to_string(state.partners().size())}});
    return "";
  };

  if (const std::string error = load_and_apply(); !error.empty()) {
    log::Error("cannot load configuration", {{"err", error}});
    return 1;
  }
  // Declared after the io_context, destroyed before it.
  EventLoopLag loop_lag;
  const std::shared_ptr<void> lag_monitor =
      MonitorEventLoopLag(io.get_executor(), loop_lag, std::chrono::milliseconds(50));
  AddWebRoutes(*server,
               WebContext{io.get_executor(), state, scheduler, reload, &loop_lag, &web_counters});
  server->Start();

  const auto endpoint = server->local_endpoint();
  log::Info(
      "starting starttls_exporter",
      {{"version", STX_VERSION},
       {"config", demo ? "--demo" : options.config_file},
       {"partners", std::to_string(state.partners().size())},
       {"shard", std::to_string(options.shard.index) + "/" + std::to_string(options.shard.count)},
       {"listen", (endpoint.address().is_v6() ? "[" + endpoint.address().to_string() + "]"
                                              : endpoint.address().to_string()) +
                      ":" + std::to_string(endpoint.port())}});

  asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int number) {
        if (ec) return;
        if (number == SIGHUP) {
          reload();
          signals.async_wait(on_signal);
          return;
        }
        // Stop at once: probes in flight are abandoned with the io_context (bounded, no drain).
        log::Info("shutting down", {{"signal", number == SIGTERM ? "SIGTERM" : "SIGINT"}});
        server->Stop();
        scheduler.Stop();
        io.stop();
      };
  signals.async_wait(on_signal);
  io.run();
  return 0;
}

}  // namespace stx::app
