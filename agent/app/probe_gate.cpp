#include "app/probe_gate.hpp"

#include <chrono>
#include <vector>

#include "scheduler/scheduler.hpp"
#include "state/exporter_state.hpp"

namespace stx::app {
namespace {

using SteadyClock = std::chrono::steady_clock;
using SystemClock = std::chrono::system_clock;

// While a scheduled probe of the domain started within the spacing is still running, a request
// looks for its result this often (a few looks per request, for seconds at most).
constexpr std::chrono::milliseconds kLookAgain{200};

std::chrono::seconds RetryAfter() {
  return std::chrono::ceil<std::chrono::seconds>(scheduler::Scheduler::MinSpacing());
}

}  // namespace

struct ProbeGate::Flight {
  explicit Flight(const asio::any_io_executor& ex) : done(ex) {
    done.expires_at(asio::steady_timer::time_point::max());
  }
  asio::steady_timer done;  ///< cancelled when the flight ends: wakes every waiter
  /// Each waiting request's client_gone (null: cannot tell, counts as present).
  std::vector<std::function<bool()>> clients;
  std::shared_ptr<const probe::TargetProbeResult> result;
  SystemClock::time_point completed{};
  bool dropped = false;  ///< every client had left when its turn came: nothing was probed
};

ProbeGate::ProbeGate(asio::any_io_executor executor, scheduler::Scheduler& scheduler,
                     const state::ExporterState& state, WebCounters* counters,
                     ProbeGateLimits limits)
    : executor_(executor),
      scheduler_(scheduler),
      state_(state),
      counters_(counters),
      limits_(limits),
      running_(executor, limits.max_running) {}

std::optional<ProbeGate::Recent> ProbeGate::LatestSince(const std::string& domain,
                                                        SteadyClock::time_point since) {
  std::optional<Recent> latest;
  const auto own = recent_.find(domain);
  if (own != recent_.end() && own->second.done >= since) latest = own->second;
  if (const state::PartnerState* known = state_.Find(domain); known && known->last) {
    // The schedule's result, on the steady clock for comparison with the start.
    const auto completed = SteadyClock::now() - std::chrono::duration_cast<SteadyClock::duration>(
                                                    SystemClock::now() - known->last_completed);
    if (completed >= since && (!latest || known->last_completed > latest->completed)) {
      // A copy: the state's result changes with the next scheduled probe.
      latest = Recent{std::make_shared<const probe::TargetProbeResult>(*known->last),
                      known->last_completed, completed};
    }
  }
  return latest;
}

awaitable<ProbeGateAnswer> ProbeGate::Answer(config::Partner partner,
                                             std::function<bool()> client_gone) {
  const std::shared_ptr<ProbeGate> self = shared_from_this();
  const std::string domain = partner.domain;
  const auto deadline = SteadyClock::now() + scheduler::Scheduler::MinSpacing() + partner.timeout;
  bool initiated = false;
  for (;;) {
    auto flight_it = flights_.find(domain);
    const std::optional<SteadyClock::time_point> recent =
        flight_it == flights_.end() ? scheduler_.RecentStart(domain) : std::nullopt;
    if (flight_it == flights_.end() && !recent) {
      // Nobody probed the partner within the spacing: a probe of our own, if there is room.
      if (queued_ >= limits_.max_queued) {
        Count(WebCounters::ProbeAnswer::kRefused);
        ProbeGateAnswer refused;
        refused.status = 429;
        refused.how = WebCounters::ProbeAnswer::kRefused;
        refused.retry_after = RetryAfter();
        co_return refused;
      }
      auto flight = std::make_shared<Flight>(executor_);
      flight_it = flights_.emplace(domain, flight).first;
      initiated = true;
      // Registered before it may start, so that it sees this client.
      flight->clients.push_back(client_gone);
      asio::co_spawn(executor_, Fly(partner, flight), asio::detached);
    } else if (flight_it != flights_.end() && !initiated) {
      flight_it->second->clients.push_back(client_gone);
    } else if (flight_it == flights_.end()) {
      // Probed within the spacing (by the schedule, or a /probe that has finished): its result.
      if (std::optional<Recent> latest = LatestSince(domain, *recent)) {
        Count(WebCounters::ProbeAnswer::kCached);
        co_return ProbeGateAnswer{
            200, latest->result, latest->completed, WebCounters::ProbeAnswer::kCached, {}};
      }
      // A scheduled probe is still running: its result is the answer, soon.
      const bool gone = client_gone && client_gone();
      if (gone || SteadyClock::now() >= deadline) {
        Count(WebCounters::ProbeAnswer::kAbandoned);
        ProbeGateAnswer none;
        none.status = 503;
        none.how = WebCounters::ProbeAnswer::kAbandoned;
        none.retry_after = RetryAfter();
        co_return none;
      }
      asio::steady_timer look(executor_, kLookAgain);
      boost::system::error_code ignored;
      co_await look.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      continue;
    }
    const std::shared_ptr<Flight> flight = flight_it->second;
    boost::system::error_code ignored;
    co_await flight->done.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    if (flight->dropped) {
      ProbeGateAnswer none;  // counted when dropped; nobody is there to read it
      none.status = 503;
      none.how = WebCounters::ProbeAnswer::kAbandoned;
      co_return none;
    }
    if (flight->result) {
      const auto how =
          initiated ? WebCounters::ProbeAnswer::kProbed : WebCounters::ProbeAnswer::kShared;
      Count(how);
      co_return ProbeGateAnswer{200, flight->result, flight->completed, how, {}};
    }
    initiated = false;  // not flown: a scheduled probe started meanwhile; look again
  }
}

awaitable<void> ProbeGate::Fly(config::Partner partner, std::shared_ptr<Flight> flight) {
  const std::shared_ptr<ProbeGate> self = shared_from_this();
  ++queued_;
  co_await running_.Acquire();
  --queued_;
  struct Turn {
    scheduler::AsyncSemaphore& running;
    ~Turn() { running.Release(); }
  } turn{running_};

  bool anyone = false;
  for (const auto& gone : flight->clients) anyone = anyone || !gone || !gone();
  if (!anyone) {
    // Every client left while the probe waited: nobody would read it, so no connection.
    flight->dropped = true;
    for (std::size_t i = 0; i < flight->clients.size(); ++i) {
      Count(WebCounters::ProbeAnswer::kAbandoned);
    }
  } else if (!scheduler_.RecentStart(partner.domain)) {
    probe::TargetProbeResult result = co_await scheduler_.ProbeOnce(partner);
    flight->result = std::make_shared<const probe::TargetProbeResult>(std::move(result));
    flight->completed = SystemClock::now();
    // Forget the results whose spacing has passed, then keep this one for its spacing.
    for (auto it = recent_.begin(); it != recent_.end();) {
      it = SteadyClock::now() - it->second.done >= scheduler::Scheduler::MinSpacing()
               ? recent_.erase(it)
               : std::next(it);
    }
    recent_[partner.domain] = Recent{flight->result, flight->completed, SteadyClock::now()};
  }
  const auto it = flights_.find(partner.domain);
  if (it != flights_.end() && it->second == flight) flights_.erase(it);
  flight->done.cancel();
}

}  // namespace stx::app
