#pragma once
// What stands between /probe and the partners: whoever calls /probe, and however often, a
// partner is probed at most once per Scheduler::MinSpacing() (the schedule's probes included),
// requests for one domain share one probe, a recent result answers without probing, the probes
// waiting for their turn are bounded (429 beyond), and a waiting probe whose clients all left
// is dropped before it connects anywhere.
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/asio.hpp"
#include "common/web_counters.hpp"
#include "config/exporter_config.hpp"
#include "probe/target_probe.hpp"
#include "scheduler/async_semaphore.hpp"

namespace stx::scheduler {
class Scheduler;
}
namespace stx::state {
class ExporterState;
}

namespace stx::app {

struct ProbeGateLimits {
  /// /probe probes running at once; the scheduled probes have their own limits.
  std::size_t max_running = 4;
  /// /probe probes waiting for a running place; one more gets 429 at once.
  std::size_t max_queued = 16;
};

struct ProbeGateAnswer {
  /// 200 with `result`; 429 (queue full) or 503 (no result could be had in time) without.
  unsigned status = 200;
  std::shared_ptr<const probe::TargetProbeResult> result;
  /// When `result`'s probe completed.
  std::chrono::system_clock::time_point completed{};
  /// How the request was answered (counted in WebCounters).
  WebCounters::ProbeAnswer how = WebCounters::ProbeAnswer::kProbed;
  /// For 429 and 503: when to ask again.
  std::chrono::seconds retry_after{0};
};

class ProbeGate : public std::enable_shared_from_this<ProbeGate> {
 public:
  /// `scheduler`, `state` and `counters` (null: not counted) must outlive the gate's use.
  ProbeGate(asio::any_io_executor executor, scheduler::Scheduler& scheduler,
            const state::ExporterState& state, WebCounters* counters, ProbeGateLimits limits = {});

  /// The answer to /probe for `partner`. `client_gone` (may be null) tells whether the
  /// requesting client has left; it is asked when the probe's turn comes.
  awaitable<ProbeGateAnswer> Answer(config::Partner partner, std::function<bool()> client_gone);

 private:
  struct Flight;
  struct Recent {
    std::shared_ptr<const probe::TargetProbeResult> result;
    std::chrono::system_clock::time_point completed;
    std::chrono::steady_clock::time_point done;  ///< `completed` on the steady clock
  };
  awaitable<void> Fly(config::Partner partner, std::shared_ptr<Flight> flight);
  /// The latest result of `domain` completed after `since` (a /probe one or the schedule's).
  std::optional<Recent> LatestSince(const std::string& domain,
                                    std::chrono::steady_clock::time_point since);
  void Count(WebCounters::ProbeAnswer how) {
    if (counters_ != nullptr) counters_->Count(how);
  }

  asio::any_io_executor executor_;
  scheduler::Scheduler& scheduler_;
  const state::ExporterState& state_;
  WebCounters* counters_;
  ProbeGateLimits limits_;
  scheduler::AsyncSemaphore running_;
  std::size_t queued_ = 0;
  /// Probes under way (queued or running) by domain.
  std::map<std::string, std::shared_ptr<Flight>> flights_;
  /// Results of /probe probes started within MinSpacing(), by domain.
  std::map<std::string, Recent> recent_;
};

}  // namespace stx::app
