#include "app/web_routes.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "app/probe_gate.hpp"
#include "common/asio.hpp"
#include "common/check_target.hpp"
#include "common/web_counters.hpp"
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

// What is wrong with a target that parsed as one host: said in the terms the user typed it.
std::string NotADomain(const stx::CheckTarget& target) {
  if (target.port) {
    return "\"" + stx::ToString(target) +
           "\" is a host:port, which is not probed here; give the mail domain, whose MX hosts are "
           "probed on the configured port";
  }
  return "\"" + target.host +
         "\" is an IP address, not a mail domain; give the domain whose MX hosts to probe";
}

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

  // blackbox_exporter style: one immediate probe, its metrics in the reply; not recorded. The
  // gate keeps it from probing any partner more often than the spacing allows.
  auto gate = std::make_shared<ProbeGate>(shared->executor, shared->scheduler, shared->state,
                                          shared->web_counters);
  server.Route(
      "GET", "/probe", [shared, gate](const http::Request& request) -> awaitable<http::Response> {
        const auto it = request.query.find("target");
        if (it == request.query.end() || it->second.empty()) {
          co_return Text(400, "missing ?target=<domain>\n");
        }
        const auto parsed = stx::ParseCheckTarget(it->second);
        if (const std::string* error = std::get_if<std::string>(&parsed)) {
          co_return Text(400, "target must be a mail domain: " + *error + "\n");
        }
        const auto& target = std::get<stx::CheckTarget>(parsed);
        if (target.kind != stx::CheckTarget::Kind::kDomain) {
          co_return Text(400, "target must be a mail domain: " + NotADomain(target) + "\n");
        }
        const std::string domain = target.host;
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
        const ProbeGateAnswer answer = co_await gate->Answer(partner, request.client_gone);
        if (answer.status != 200) {
          http::Response r =
              Text(answer.status,
                   answer.status == 429
                       ? "429 too many /probe probes waiting; retry later\n"
                       : "503 no result for " + domain + " could be had in time; retry later\n");
          r.headers = {{"Retry-After", std::to_string(answer.retry_after.count())}};
          co_return r;
        }
        http::Response r;
        r.content_type = metrics::kExpositionContentType;
        r.body = metrics::RenderProbeExposition(partner, *answer.result);
        // RFC 9111 §5.1: seconds since the answer was produced, here since its probe completed
        // (0 for a probe made for this request; more when a recent result was reused).
        const auto age = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now() -
                                                                  answer.completed);
        r.headers = {
            {"Age", std::to_string(std::max<std::int64_t>(0, age.count()))},
            {"X-Probe-Answer",
             std::string(WebCounters::kProbeAnswers[static_cast<std::size_t>(answer.how)])}};
        co_return r;
      });
}

}  // namespace stx::app
