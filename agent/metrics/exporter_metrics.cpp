#include "metrics/exporter_metrics.hpp"

#include <utility>

#include "metrics/partner_series.hpp"
#include "metrics/process_families.hpp"
#include "metrics/self_families.hpp"

namespace stx::metrics {

ExpositionStream::ExpositionStream(const state::ExporterState& state, BuildInfo build,
                                   std::chrono::system_clock::time_point now,
                                   const EventLoopLag* loop_lag, const WebCounters* web)
    : state_(&state), build_(std::move(build)), now_(now), loop_lag_(loop_lag), web_(web) {}

bool ExpositionStream::Next(std::string& out, std::size_t budget) {
  writer_.Retarget(out);
  const std::size_t limit = out.size() + budget;
  const auto& partners = state_->partners();
  while (family_ < kMetricCount) {
    const auto metric = static_cast<Metric>(family_);
    if (!IsPartnerFamily(metric)) {
      // The exporter's own families and the process families: a few lines, in one piece.
      AddSelfSeries(writer_, *state_, build_);
      if (loop_lag_ != nullptr) {
        writer_.AddHistogram(Metric::kExporterEventLoopLagSeconds, EventLoopLag::kBounds,
                             loop_lag_->counts, loop_lag_->sum_seconds);
      }
      if (web_ != nullptr) AddWebSeries(writer_, *web_);
      AddProcessSeries(writer_);
      family_ = kMetricCount;
      break;
    }
    // partners() is ordered by domain, so every family lists partners in the same order.
    auto it = resume_after_ ? partners.upper_bound(*resume_after_) : partners.begin();
    for (; it != partners.end(); ++it) {
      WritePartnerFamily(metric, ViewOf(it->second, now_), writer_);
      if (out.size() >= limit) {
        resume_after_ = it->first;
        return true;
      }
    }
    resume_after_.reset();
    ++family_;
  }
  return false;
}

std::string RenderExposition(const state::ExporterState& state, const BuildInfo& build,
                             std::chrono::system_clock::time_point now) {
  std::string out;
  ExpositionStream stream(state, build, now);
  while (stream.Next(out, std::string::npos / 2)) {
  }
  return out;
}

std::string RenderProbeExposition(const config::Partner& partner,
                                  const probe::TargetProbeResult& result) {
  std::string out;
  ExpositionWriter writer(out);
  PartnerView view;
  view.partner = &partner;
  view.last = &result;
  view.completed = std::chrono::system_clock::now();
  for (std::size_t family = 0; family < kMetricCount; ++family) {
    const auto metric = static_cast<Metric>(family);
    if (IsPartnerFamily(metric)) WritePartnerFamily(metric, view, writer);
  }
  return out;
}

std::string RenderProcessExposition() {
  std::string out;
  ExpositionWriter writer(out);
  AddProcessSeries(writer);
  return out;
}

}  // namespace stx::metrics
