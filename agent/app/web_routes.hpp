#pragma once
#include <functional>
#include <string>

namespace stx {
struct EventLoopLag;
}
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
  /// The daemon's event-loop lag histogram, served on /metrics.
  const EventLoopLag* loop_lag = nullptr;
};

/// /metrics, /, /api/v1/targets, /-/healthy, /-/ready, /-/reload, /probe.
void AddWebRoutes(http::HttpServer& server, WebContext context);

}  // namespace stx::app
