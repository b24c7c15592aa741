#pragma once
#include <functional>
#include <string>

#include "common/asio.hpp"

namespace stx {
struct EventLoopLag;
struct WebCounters;
}  // namespace stx
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
  asio::any_io_executor executor;  ///< the daemon's event loop
  state::ExporterState& state;
  scheduler::Scheduler& scheduler;
  /// Re-reads the configuration; returns "" on success, else why it was rejected.
  std::function<std::string()> reload;
  /// The daemon's event-loop lag histogram, served on /metrics.
  const EventLoopLag* loop_lag = nullptr;
  /// What the web server's limits and /probe did, served on /metrics; /probe counts into it.
  WebCounters* web_counters = nullptr;
};

/// /metrics, /, /api/v1/targets, /-/healthy, /-/ready, /-/reload, /probe.
void AddWebRoutes(http::HttpServer& server, WebContext context);

}  // namespace stx::app
