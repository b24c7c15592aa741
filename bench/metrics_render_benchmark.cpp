// Micro-benchmarks of /metrics (the goal: rendered in under 250 ms for 10,000 partners):
// the exporter state of N partners, each with a real probe result, turned into the text a
// scraper gets: at once (RenderExposition), and in the 64 KiB pieces a scrape is served in
// (ExpositionStream, as web_routes.cpp does), plain and gzipped on the fly as the HTTP layer
// does for a scraper that accepts it. The piece benchmarks also report the longest piece: how
// long a scrape holds the event loop (and the probes on it) at a time.
//
// The results are real: each of the three behaviours of the benchmark fleet (compliant,
// misordered, no STARTTLS) is probed once, over TLS, on loopback; every partner then gets a
// copy under its own domain, MX host and address, in the fleet's 70/20/10 mix.
//   build/bench_metrics_render --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>

#include "http/gzip.hpp"
#include "metrics/exporter_metrics.hpp"
#include "scripted/behaviours.hpp"
#include "scripted/scripted_smtp_server.hpp"
#include "state/exporter_state.hpp"
#include "support/probe_runner.hpp"

namespace {

using stx::probe::AddressProbeResult;
using Clock = std::chrono::system_clock;

struct Samples {
  AddressProbeResult compliant, misordered, no_starttls;
};

AddressProbeResult ProbeBehaviour(const char* name) {
  const auto behaviour = stx::scripted::FindBehaviour(name);
  if (!behaviour) throw std::runtime_error(std::string("no behaviour ") + name);
  stx::scripted::ScriptedSmtpServer server(behaviour->script);
  return stx::test::RunProbe(server.address(), server.port(), server.ca_path()).result;
}

const Samples& RealResults() {
  static const Samples samples{ProbeBehaviour("compliant"), ProbeBehaviour("misordered"),
                               ProbeBehaviour("no_starttls")};
  return samples;
}

std::string Numbered(const char* format, int i) {
  char text[64];
  std::snprintf(text, sizeof text, format, i);
  return text;
}

/// N partners as the fleet and scripts/bench configure them, each after one probe.
stx::state::ExporterState MakeState(int partners) {
  const Samples& s = RealResults();
  stx::config::ExporterConfig config;
  config.global.interval = std::chrono::hours(1);
  std::vector<const AddressProbeResult*> sample_of;
  for (int i = 1; i <= partners; ++i) {
    stx::config::Partner p;
    p.domain = p.name = Numbered("p%05d.fleet.test", i);
    const int share = i % 10;  // 70 % compliant, 20 % misordered, 10 % no STARTTLS
    const AddressProbeResult* sample = share < 7   ? &s.compliant
                                       : share < 9 ? &s.misordered
                                                   : &s.no_starttls;
    p.labels = {{"behaviour", share < 7 ? "compliant" : share < 9 ? "misordered" : "no_starttls"}};
    p.interval = config.global.interval;
    config.partners.push_back(p);
    sample_of.push_back(sample);
  }
  stx::state::ExporterState state;
  state.ApplyConfig(config);
  state.start_time_unix = Clock::to_time_t(Clock::now());
  for (int i = 1; i <= partners; ++i) {
    const std::string& domain = config.partners[static_cast<std::size_t>(i - 1)].domain;
    AddressProbeResult r = *sample_of[static_cast<std::size_t>(i - 1)];
    r.mx_host = Numbered("mx-%05d.fleet.test", i);
    r.address = boost::asio::ip::make_address_v4(0x7f010000u + static_cast<unsigned>(i));
    if (r.tls) r.tls->expected_host = r.mx_host;

    stx::probe::TargetProbeResult t;
    t.target = t.domain = domain;
    t.routing = stx::dns::MailRouting{};
    t.routing->domain = domain;
    t.routing->kind = stx::dns::RoutingKind::kMx;
    t.routing->mx_status = stx::dns::LookupStatus::kOk;
    stx::dns::MailExchanger mx;
    mx.host = r.mx_host;
    mx.preference = 10;
    mx.ipv4.status = stx::dns::LookupStatus::kOk;
    mx.ipv4.addresses = {r.address};
    mx.ipv6.detail = "not asked";
    t.routing->exchangers = {mx};
    t.duration_seconds = r.duration_seconds;
    t.results = {std::move(r)};
    state.RecordResult(domain, std::move(t));
    state.Find(domain)->last_completed = Clock::now();
  }
  return state;
}

const stx::metrics::BuildInfo kBuild{"bench", "bench"};

constexpr std::size_t kPieceBytes = 64 * 1024;  // web_routes.cpp's kMetricsPieceBytes

void BM_RenderExposition(benchmark::State& bench) {
  const stx::state::ExporterState state = MakeState(static_cast<int>(bench.range(0)));
  std::size_t bytes = 0;
  for (auto _ : bench) {
    const std::string text = stx::metrics::RenderExposition(state, kBuild, Clock::now());
    bytes = text.size();
    benchmark::DoNotOptimize(text.data());
  }
  bench.counters["body_bytes"] = static_cast<double>(bytes);
}

// One scrape as served: pieces of kPieceBytes, each gzipped on the fly when `gzip`.
void StreamPieces(benchmark::State& bench, bool gzip) {
  const stx::state::ExporterState state = MakeState(static_cast<int>(bench.range(0)));
  std::string piece;
  std::string packed;
  double longest_us = 0;
  std::size_t pieces = 0;
  std::size_t sent = 0;
  for (auto _ : bench) {
    stx::metrics::ExpositionStream stream(state, kBuild, Clock::now());
    std::optional<stx::http::GzipStream> deflater;
    if (gzip) deflater.emplace();
    pieces = 0;
    sent = 0;
    for (bool more = true; more;) {
      const auto start = std::chrono::steady_clock::now();
      piece.clear();
      more = stream.Next(piece, kPieceBytes);
      if (deflater) {
        packed.clear();
        deflater->Write(piece, !more, packed);
      }
      const std::chrono::duration<double, std::micro> took =
          std::chrono::steady_clock::now() - start;
      longest_us = std::max(longest_us, took.count());
      sent += gzip ? packed.size() : piece.size();
      ++pieces;
      benchmark::DoNotOptimize(packed.data());
    }
  }
  bench.counters["pieces"] = static_cast<double>(pieces);
  bench.counters["sent_bytes"] = static_cast<double>(sent);
  bench.counters["longest_piece_us"] = longest_us;
}

void BM_StreamPieces(benchmark::State& bench) { StreamPieces(bench, false); }
void BM_StreamPiecesGzip(benchmark::State& bench) { StreamPieces(bench, true); }

BENCHMARK(BM_RenderExposition)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StreamPieces)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StreamPiecesGzip)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
