#pragma once
#include <functional>
#include <string>

namespace stx::http {
class HttpServer;
}
namespace stx::scheduler {
class Scheduler;
}
namespace stx::state {
class ExporterState;
}

namespace stx::app {

struct WebContext {
  state::ExporterState& state;
  scheduler::Scheduler& scheduler;
  /// Re-reads the configuration; returns "" on success, else why it was rejected.
  std::function<std::string()> reload;
};

/// /metrics, /, /api/v1/targets, /-/healthy, /-/ready, /-/reload, /probe.
void AddWebRoutes(http::HttpServer& server, WebContext context);

}  // namespace stx::app
