#include "app/web_routes.hpp"

#include <chrono>

#include "common/asio.hpp"
#include "common/check_target.hpp"
#include "http/http_server.hpp"
#include "http/status_page.hpp"
#include "http/targets_api.hpp"
#include "metrics/exporter_metrics.hpp"
#include "report/json_report.hpp"
#include "scheduler/scheduler.hpp"
#include "state/exporter_state.hpp"

namespace stx::app {
namespace {

// Text per piece of a streamed body (/metrics, the status page, the targets API). Each piece
// is rendered (and gzipped) in one go on the event loop, so it must be small enough that the
// probes sharing the loop never wait long behind a request, and large enough that the chunk
// framing, the writes and zlib's per-call overhead stay a small part of the work. The
// measured cost per piece is in docs/benchmarks.md.
constexpr std::size_t kPieceBytes = 64 * 1024;

http::Response Text(unsigned status, std::string body) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

metrics::BuildInfo Build() { return metrics::BuildInfo{STX_VERSION, STX_REVISION}; }

}  // namespace

void AddWebRoutes(http::HttpServer& server, WebContext context) {
  auto shared = std::make_shared<WebContext>(std::move(context));

  server.Route("GET", "/metrics", [shared](const http::Request&) -> awaitable<http::Response> {
    http::Response r;
    r.content_type = metrics::kExpositionContentType;
    r.compressible = true;
    auto stream = std::make_shared<metrics::ExpositionStream>(
        shared->state, Build(), std::chrono::system_clock::now(), shared->loop_lag,
        shared->web_counters);
    r.pieces = [stream](std::string& out) { return stream->Next(out, kPieceBytes); };
    co_return r;
  });

  server.Route("GET", "/", [shared](const http::Request&) -> awaitable<http::Response> {
    http::Response r;
    r.content_type = "text/html; charset=utf-8";
    r.compressible = true;
    auto stream = std::make_shared<http::StatusPageStream>(
        shared->state, std::chrono::system_clock::now(), STX_VERSION);
    r.pieces = [stream](std::string& out) { return stream->Next(out, kPieceBytes); };
    co_return r;
  });

  server.Route(
      "GET", "/api/v1/targets", [shared](const http::Request&) -> awaitable<http::Response> {
        http::Response r;
        r.content_type = "application/json";
        r.compressible = true;
        auto stream =
            std::make_shared<http::TargetsStream>(shared->state, std::chrono::system_clock::now());
        r.pieces = [stream](std::string& out) { return stream->Next(out, kPieceBytes); };
        co_return r;
      });

  server.Route("GET", "/-/healthy", [](const http::Request&) -> awaitable<http::Response> {
    co_return Text(200, "Healthy\n");
  });
  server.Route("GET", "/-/ready", [](const http::Request&) -> awaitable<http::Response> {
    co_return Text(200, "Ready\n");
  });

  server.Route("POST", "/-/reload", [shared](const http::Request&) -> awaitable<http::Response> {
    const std::string error = shared->reload();
    co_return error.empty() ? Text(200, "configuration reloaded\n")
                            : Text(500, "configuration reload failed: " + error + "\n");
  });

  // blackbox_exporter style: one immediate probe, its metrics in the reply; not recorded.
  server.Route(
      "GET", "/probe", [shared](const http::Request& request) -> awaitable<http::Response> {
        const auto it = request.query.find("target");
        if (it == request.query.end() || it->second.empty()) {
          co_return Text(400, "missing ?target=<domain>\n");
        }
        const auto parsed = stx::ParseCheckTarget(it->second);
        if (std::holds_alternative<std::string>(parsed) ||
            std::get<stx::CheckTarget>(parsed).kind != stx::CheckTarget::Kind::kDomain) {
          co_return Text(400, "target must be a mail domain: " +
                                  (std::holds_alternative<std::string>(parsed)
                                       ? std::get<std::string>(parsed)
                                       : std::string("host:port targets are not probed here")) +
                                  "\n");
        }
        const std::string domain = std::get<stx::CheckTarget>(parsed).host;
        config::Partner partner;
        if (const state::PartnerState* known = shared->state.Find(domain)) {
          partner = known->partner;
        } else if (shared->state.global().allow_adhoc_probes) {
          partner = config::DefaultPartner(shared->state.global(), domain);
        } else {
          co_return Text(403, "target " + domain +
                                  " is not a configured partner (set allow_adhoc_probes = true to "
                                  "probe any domain)\n");
        }
        probe::TargetProbeResult result = co_await shared->scheduler.ProbeOnce(partner);
        http::Response r;
        r.content_type = metrics::kExpositionContentType;
        r.body = metrics::RenderProbeExposition(partner, result);
        co_return r;
      });
}

}  // namespace stx::app
