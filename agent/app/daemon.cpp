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
                                    {"address", r.address.to_string()},
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
  config::ExporterConfig config;
  try {
    if (options.demo) {
      demo = std::make_unique<DemoPartners>();
      config = demo->config();
    } else {
      config = LoadDaemonConfig(options.config_file, options.shard);
    }
  } catch (const std::exception& e) {
    log::Error("cannot load configuration", {{"err", e.what()}});
    return 1;
  }

  state::ExporterState state;
  state.start_time_unix = NowUnix();
  std::shared_ptr<const scheduler::ProbeEnvironment> environment;
  try {
    environment = MakeProbeEnvironment(io.get_executor(), config);
  } catch (const std::exception& e) {
    log::Error("cannot set up probing", {{"err", e.what()}});
    return 1;
  }
  state.ApplyConfig(config);
  state.reload = state::ReloadStatus{true, NowUnix(), ""};

  scheduler::Scheduler scheduler(io.get_executor(), state, LoggingHooks());

  // Declared before the reload, which applies new [web] settings to it.
  std::optional<http::HttpServer> server;

  // Reload: a bad configuration is rejected and the running one stays; metrics say so.
  auto reload = [&]() -> std::string {
    if (options.demo) return "";  // the demo's partners are built in; nothing to re-read
    config::ExporterConfig next;
    std::shared_ptr<const scheduler::ProbeEnvironment> next_environment;
    http::WebSecurity next_web;
    try {
      next = LoadDaemonConfig(options.config_file, options.shard);
      next_environment = MakeProbeEnvironment(io.get_executor(), next);
      next_web = http::MakeWebSecurity(next.web);
    } catch (const std::exception& e) {
      state.reload.last_successful = false;
      state.reload.last_error = e.what();
      log::Error("configuration reload failed; keeping the running configuration",
                 {{"err", e.what()}});
      return e.what();
    }
    state.ApplyConfig(next);
    scheduler.Apply(next, next_environment);
    // New connections get the new certificate; every request from now on the new users.
    if (server) server->SetSecurity(std::move(next_web));
    state.reload = state::ReloadStatus{true, NowUnix(), ""};
    log::Info("configuration reloaded",
              {{"file", options.config_file}, {"partners", std::to_string(next.partners.size())}});
    return "";
  };

  try {
    http::HttpServerOptions web_options;
    web_options.log_error = [](const std::string& message) {
      log::Warn("web request failed", {{"err", message}});
    };
    server.emplace(io.get_executor(), options.listen_address, web_options);
  } catch (const std::exception& e) {
    log::Error("cannot listen", {{"address", options.listen_address}, {"err", e.what()}});
    return 1;
  }
  try {
    server->SetSecurity(http::MakeWebSecurity(config.web));
  } catch (const std::exception& e) {
    log::Error("cannot set up TLS on the web endpoint", {{"err", e.what()}});
    return 1;
  }
  if (!config.web.basic_auth_users.empty() && !config.web.tls()) {
    log::Warn("basic authentication without TLS: passwords cross the network in clear text",
              {{"hint", "set tls_cert_file and tls_key_file in [web]"}});
  }
  // Declared after the io_context, destroyed before it.
  EventLoopLag loop_lag;
  const std::shared_ptr<void> lag_monitor =
      MonitorEventLoopLag(io.get_executor(), loop_lag, std::chrono::milliseconds(50));
  AddWebRoutes(*server, WebContext{state, scheduler, reload, &loop_lag});
  server->Start();

  scheduler.Apply(config, environment);
  const auto endpoint = server->local_endpoint();
  log::Info(
      "starting starttls_exporter",
      {{"version", STX_VERSION},
       {"config", options.demo ? "--demo" : options.config_file},
       {"partners", std::to_string(config.partners.size())},
       {"shard", std::to_string(options.shard.index) + "/" + std::to_string(options.shard.count)},
       {"listen", (endpoint.address().is_v6() ? "[" + endpoint.address().to_string() + "]"
                                              : endpoint.address().to_string()) +
                      ":" + std::to_string(endpoint.port())}});
  // The state and the scheduler hold what they need of it; kept for the daemon's lifetime it
  // would be one more copy of every partner.
  config = config::ExporterConfig{};

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
