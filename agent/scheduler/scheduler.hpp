#pragma once
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/asio.hpp"
#include "config/exporter_config.hpp"
#include "scheduler/partner_probe.hpp"
#include "state/exporter_state.hpp"

namespace stx::scheduler {

class Admission;

/// Probes every configured partner once per interval (at its stable slot, with small jitter),
/// at most one probe per partner at a time, at most `concurrency` connections in flight over
/// all partners, and at most one connection at a time to any one MX address. Results go into
/// the ExporterState; a scrape never triggers a probe.
///
/// Lives on a single-threaded io_context. Destroy it before the io_context; probes still in
/// flight then are abandoned (their coroutine frames die with the io_context) and touch
/// nothing of the scheduler.
class Scheduler {
 public:
  struct Hooks {
    std::function<void(const state::StatusChange&)> status_changed;
    std::function<void(const std::string& domain, const probe::TargetProbeResult&)> probed;
  };

  /// `prober` probes one partner; the daemon and `check` keep the default.
  Scheduler(asio::any_io_executor executor, state::ExporterState& state, Hooks hooks,
            PartnerProber prober = &ProbePartner);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// Starts probing `config`'s partners (first call) or applies a reload: new partners start
  /// after their first-probe delay (spread over FirstRoundSpread of how many start), removed
  /// ones stop, changed ones continue with their new
  /// settings and keep their state. `state.ApplyConfig(config)` must have been called.
  void Apply(const config::ExporterConfig& config,
             std::shared_ptr<const ProbeEnvironment> environment);

  /// Sets the limits and the probe environment without starting any loop (one-shot runs).
  void Configure(const config::ExporterConfig& config,
                 std::shared_ptr<const ProbeEnvironment> environment);

  /// One immediate probe of `partner` under the same limits, not recorded in the state
  /// (for /probe and one-shot runs). It counts as a start for MinSpacing: a scheduled probe of
  /// the partner due within it waits for the rest. Callers that take requests from outside
  /// (/probe) check RecentStart first.
  awaitable<probe::TargetProbeResult> ProbeOnce(config::Partner partner);

  /// The least time between the starts of two probes of one partner, whoever asks for them
  /// (its schedule, /probe): the shortest interval the configuration allows, so that no
  /// partner is ever probed more often than a configuration could ask for.
  static std::chrono::milliseconds MinSpacing();

  /// When the latest probe of `domain` started, if that was less than MinSpacing() ago.
  std::optional<std::chrono::steady_clock::time_point> RecentStart(const std::string& domain);

  /// Stops every loop; probes in flight finish or are abandoned with the io_context.
  void Stop();

 private:
  struct Loop;
  /// Waits for `loop`'s timer, then OnWake.
  void Wait(std::shared_ptr<Loop> loop);
  void OnWake(const std::shared_ptr<Loop>& loop, const boost::system::error_code& ec);
  /// Sets the timer to the partner's next slot (with jitter) and waits.
  void ScheduleNext(const std::shared_ptr<Loop>& loop);
  awaitable<void> ProbeAndRecord(std::shared_ptr<Loop> loop);
  awaitable<std::shared_ptr<void>> Admit(const probe::AddressTarget& target);
  /// One of the turns that bound how many scheduled partner probes run at once (DNS lookup
  /// included); released when the token dies. /probe does not take one.
  awaitable<std::shared_ptr<void>> PartnerTurn();
  /// Records a probe start of `domain` (for RecentStart).
  void NoteStart(const std::string& domain);
  /// Waits until `spacing` (at most MinSpacing()) has passed since the latest start of the
  /// loop's partner, or the loop stops.
  awaitable<void> HoldOff(std::shared_ptr<Loop> loop, std::chrono::milliseconds spacing);

  asio::any_io_executor executor_;
  state::ExporterState& state_;
  Hooks hooks_;
  PartnerProber prober_;
  std::shared_ptr<Admission> admission_;
  std::shared_ptr<const ProbeEnvironment> environment_;
  std::map<std::string, std::shared_ptr<Loop>> loops_;
  /// Starts within MinSpacing() by domain, and the same in start order for pruning: only the
  /// partners probed in the last few seconds, not one entry per partner.
  std::map<std::string, std::chrono::steady_clock::time_point> recent_starts_;
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::string>> start_order_;
  bool stopped_ = false;
};

}  // namespace stx::scheduler
