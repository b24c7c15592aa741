#include "scheduler/scheduler.hpp"

#include <algorithm>
#include <random>

#include "config/config_values.hpp"
#include "scheduler/async_semaphore.hpp"
#include "scheduler/schedule.hpp"

namespace stx::scheduler {

// The limits shared by every probe. Tokens hold it weakly, but a probe still waiting in
// Admit holds it strongly; so Admission can outlive the scheduler and the state (the daemon
// destroys both before the io_context, whose destruction then destroys the probes' frames and
// releases their tokens). The scheduler detaches it first: from then on a release touches
// only the Admission itself.
class Admission {
 public:
  Admission(asio::any_io_executor executor, std::size_t concurrency, state::ExporterState& state)
      : executor_(executor),
        slots_(executor, concurrency),
        turns_(executor, PartnerTurns(concurrency)),
        state_(&state) {}

  AsyncSemaphore& slots() { return slots_; }
  AsyncSemaphore& turns() { return turns_; }

  void SetConcurrency(std::size_t concurrency) {
    slots_.SetCapacity(concurrency);
    turns_.SetCapacity(PartnerTurns(concurrency));
  }

  // A partner past its DNS lookup waits for connection slots, so a few more turns than slots
  // keep every slot busy while other partners resolve; twice as many is plenty (a lookup takes
  // a fraction of a dialogue) and bounds how much half-started work can pile up.
  static std::size_t PartnerTurns(std::size_t concurrency) { return 2 * concurrency; }

  std::shared_ptr<AsyncSemaphore> AddressLock(const std::string& key) {
    auto& lock = address_locks_[key];
    if (!lock) lock = std::make_shared<AsyncSemaphore>(executor_, 1);
    return lock;
  }

  void Release(const std::string& key, const std::shared_ptr<AsyncSemaphore>& lock) {
    slots_.Release();
    lock->Release();
    if (state_ != nullptr) --state_->probes_in_flight;
    // Forget idle locks so the map holds only addresses being probed or waited for.
    if (lock->Idle()) address_locks_.erase(key);
  }

  void Granted() {
    if (state_ != nullptr) ++state_->probes_in_flight;
  }

  /// The scheduler (and with it the state) is going away.
  void Detach() { state_ = nullptr; }

 private:
  asio::any_io_executor executor_;
  AsyncSemaphore slots_;
  AsyncSemaphore turns_;
  std::map<std::string, std::shared_ptr<AsyncSemaphore>> address_locks_;
  state::ExporterState* state_;
};

// One partner's schedule. A timer and a callback rather than a coroutine that waits forever:
// per-partner state is paid once per partner, ten thousand times over, and a coroutine frame
// that lives as long as its partner is far larger than a timer; the probe itself runs as a
// coroutine (ProbeAndRecord) that exists only while it runs.
//
// The partner's configuration is read from the state at each probe (Apply() requires the state
// to have it): a copy here would be one more per partner.
struct Scheduler::Loop {
  explicit Loop(const asio::any_io_executor& ex) : wake(ex) {}
  std::string domain;
  Millis interval{};
  asio::steady_timer wake;
  std::chrono::system_clock::time_point last_start{};
  bool stopped = false;
  bool settings_changed = false;
};

Scheduler::Scheduler(asio::any_io_executor executor, state::ExporterState& state, Hooks hooks,
                     PartnerProber prober)
    : executor_(std::move(executor)),
      state_(state),
      hooks_(std::move(hooks)),
      prober_(std::move(prober)) {}

Scheduler::~Scheduler() {
  Stop();
  if (admission_) admission_->Detach();
}

void Scheduler::Configure(const config::ExporterConfig& config,
                          std::shared_ptr<const ProbeEnvironment> environment) {
  environment_ = std::move(environment);
  if (!admission_) {
    admission_ = std::make_shared<Admission>(executor_, config.global.concurrency, state_);
  } else {
    admission_->SetConcurrency(config.global.concurrency);
  }
}

void Scheduler::Apply(const config::ExporterConfig& config,
                      std::shared_ptr<const ProbeEnvironment> environment) {
  Configure(config, std::move(environment));

  // What loads the event loop at start is how many first probes come at once: the partners
  // that start now, not those that keep their slots.
  std::size_t starting = 0;
  for (const auto& partner : config.partners) starting += loops_.count(partner.domain) == 0;
  const Millis spread = FirstRoundSpread(starting);

  std::map<std::string, std::shared_ptr<Loop>> next;
  for (const auto& partner : config.partners) {
    auto it = loops_.find(partner.domain);
    if (it != loops_.end()) {
      std::shared_ptr<Loop> loop = std::move(it->second);
      loops_.erase(it);
      if (loop->interval != partner.interval) {
        loop->interval = partner.interval;
        loop->settings_changed = true;
        loop->wake.cancel();  // recompute the slot with the new interval
      }
      next.emplace(partner.domain, std::move(loop));
      continue;
    }
    auto loop = std::make_shared<Loop>(executor_);
    loop->domain = partner.domain;
    loop->interval = partner.interval;
    next.emplace(partner.domain, loop);
    loop->wake.expires_after(FirstProbeDelay(loop->domain, loop->interval, spread));
    Wait(std::move(loop));
  }
  for (auto& [domain, loop] : loops_) {  // removed partners
    loop->stopped = true;
    loop->wake.cancel();
  }
  loops_ = std::move(next);
}

void Scheduler::Stop() {
  stopped_ = true;
  for (auto& [domain, loop] : loops_) {
    loop->stopped = true;
    loop->wake.cancel();
  }
  loops_.clear();
}

awaitable<std::shared_ptr<void>> Scheduler::Admit(const probe::AddressTarget& target) {
  // Take the address first, then a global slot, so a slot is never held while waiting for
  // another probe of the same address to finish.
  std::shared_ptr<Admission> admission = admission_;
  const std::string key = target.address.to_string() + "|" + std::to_string(target.port);
  std::shared_ptr<AsyncSemaphore> lock = admission->AddressLock(key);
  co_await lock->Acquire();
  co_await admission->slots().Acquire();
  admission->Granted();
  std::weak_ptr<Admission> weak = admission;
  auto release = [weak, key, lock](void*) {
    if (auto alive = weak.lock()) alive->Release(key, lock);
  };
  co_return std::shared_ptr<void>(static_cast<void*>(nullptr), release);
}

awaitable<std::shared_ptr<void>> Scheduler::PartnerTurn() {
  std::shared_ptr<Admission> admission = admission_;
  co_await admission->turns().Acquire();
  std::weak_ptr<Admission> weak = admission;
  auto release = [weak](void*) {
    if (auto alive = weak.lock()) alive->turns().Release();
  };
  co_return std::shared_ptr<void>(static_cast<void*>(nullptr), release);
}

std::chrono::milliseconds Scheduler::MinSpacing() { return config::kMinInterval; }

std::optional<std::chrono::steady_clock::time_point> Scheduler::RecentStart(
    const std::string& domain) {
  const auto now = std::chrono::steady_clock::now();
  while (!start_order_.empty() && now - start_order_.front().first >= MinSpacing()) {
    const auto it = recent_starts_.find(start_order_.front().second);
    if (it != recent_starts_.end() && it->second == start_order_.front().first) {
      recent_starts_.erase(it);
    }
    start_order_.pop_front();
  }
  const auto it = recent_starts_.find(domain);
  if (it == recent_starts_.end()) return std::nullopt;
  return it->second;
}

void Scheduler::NoteStart(const std::string& domain) {
  const auto now = std::chrono::steady_clock::now();
  recent_starts_[domain] = now;
  start_order_.emplace_back(now, domain);
  RecentStart(domain);  // prunes
}

awaitable<void> Scheduler::HoldOff(std::shared_ptr<Loop> loop, std::chrono::milliseconds spacing) {
  // Again after each wait: a /probe may have started a probe of the domain at the moment the
  // previous spacing ran out, before this coroutine resumed. A stopped loop returns at once:
  // the scheduler may be gone.
  while (!loop->stopped) {
    const auto recent = RecentStart(loop->domain);
    if (!recent || std::chrono::steady_clock::now() >= *recent + spacing) co_return;
    asio::steady_timer wait(executor_);
    wait.expires_at(*recent + spacing);
    boost::system::error_code ignored;
    co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

awaitable<probe::TargetProbeResult> Scheduler::ProbeOnce(config::Partner partner) {
  NoteStart(partner.domain);
  auto admit = [this](const probe::AddressTarget& t) { return Admit(t); };
  std::exception_ptr thrown;
  try {
    co_return co_await prober_(partner, environment_, admit);
  } catch (...) {
    thrown = std::current_exception();
  }
  co_return ThrownPartnerProbe(partner, thrown);
}

// A coroutine that exists only while the probe runs (see Loop).
awaitable<void> Scheduler::ProbeAndRecord(std::shared_ptr<Loop> loop) {
  state::PartnerState* const known = state_.Find(loop->domain);
  if (known == nullptr) co_return;  // removed by a reload that this loop has not seen yet
  const config::Partner partner = known->partner;
  known->probe_in_flight = true;
  // A partner whose slot comes while the connection slots are all taken waits here, before
  // its DNS lookup, holding nothing but its place in the queue: when 10,000 partners start
  // within the first round's spread (FirstRoundSpread), thousands of half-started probes (a
  // resolved route, a frame per address) would otherwise wait for a connection slot.
  probe::TargetProbeResult result;
  std::exception_ptr thrown;
  try {
    const std::shared_ptr<void> turn = co_await PartnerTurn();
    if (loop->stopped) co_return;
    // A /probe of this partner started moments ago: this probe waits out the rest of the
    // spacing rather than knock twice within it. (A partner built with a shorter interval than
    // a configuration allows, in tests, is spaced by its interval.)
    co_await HoldOff(loop, std::min(MinSpacing(), partner.interval));
    if (loop->stopped) co_return;
    NoteStart(partner.domain);
    auto admit = [this](const probe::AddressTarget& t) { return Admit(t); };
    result = co_await prober_(partner, environment_, admit);
  } catch (...) {
    // A probe that throws is a failed probe, recorded with its reason like any other; left
    // unrecorded, the partner would show its previous result and stay "in flight" for ever.
    thrown = std::current_exception();
  }
  if (thrown) result = ThrownPartnerProbe(partner, thrown);
  if (loop->stopped) co_return;  // removed or shutting down while probing: drop the result
  if (state::PartnerState* ps = state_.Find(partner.domain)) ps->probe_in_flight = false;
  if (hooks_.probed) hooks_.probed(partner.domain, result);
  for (const auto& change : state_.RecordResult(partner.domain, std::move(result))) {
    if (hooks_.status_changed) hooks_.status_changed(change);
  }
}

void Scheduler::Wait(std::shared_ptr<Loop> loop) {
  Loop& waiting = *loop;
  // A stopped loop (Stop(), the destructor) is never touched again: the scheduler may be gone.
  waiting.wake.async_wait([this, loop = std::move(loop)](const boost::system::error_code& ec) {
    if (!loop->stopped) OnWake(loop, ec);
  });
}

void Scheduler::OnWake(const std::shared_ptr<Loop>& loop, const boost::system::error_code& ec) {
  using Clock = std::chrono::system_clock;
  if (loop->stopped) return;
  if (ec && loop->settings_changed) {  // interval changed by a reload: new slot, no probe now
    loop->settings_changed = false;
    // expires_after, not now() + delay: Asio holds the sum within the clock's range.
    loop->wake.expires_after(std::chrono::duration_cast<asio::steady_timer::duration>(
        NextSlot(loop->domain, loop->interval, loop->last_start) - Clock::now()));
    Wait(loop);
    return;
  }
  loop->last_start = Clock::now();
  loop->settings_changed = false;
  // Whatever the probe does (even throw), the partner keeps its schedule.
  auto after = [this, loop](std::exception_ptr) {
    if (!loop->stopped) ScheduleNext(loop);
  };
  asio::co_spawn(executor_, ProbeAndRecord(loop), std::move(after));
}

void Scheduler::ScheduleNext(const std::shared_ptr<Loop>& loop) {
  thread_local std::mt19937_64 random{std::random_device{}()};
  using Clock = std::chrono::system_clock;
  if (loop->stopped) return;
  const Millis jitter_bound = MaxJitter(loop->interval);
  std::uniform_int_distribution<std::int64_t> jitter(-jitter_bound.count(), jitter_bound.count());
  // The jitter is applied to the delay, which is far from the clock's limits even when the
  // slot is not (Asio holds now() + delay within the clock's range).
  const auto delay = NextSlot(loop->domain, loop->interval, loop->last_start) - Clock::now();
  loop->wake.expires_after(std::chrono::duration_cast<asio::steady_timer::duration>(delay) +
                           Millis(jitter(random)));
  Wait(loop);
}

}  // namespace stx::scheduler
