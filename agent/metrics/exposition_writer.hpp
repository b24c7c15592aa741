#pragma once
// The Prometheus text exposition format 0.0.4, written straight from values: no intermediate
// metric objects, so that a scrape of 10,000 partners (363,000 samples) costs one pass over the
// state and a few bytes of memory per sample in the output buffer only.
// https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "metrics/metric_specs.hpp"

namespace stx::metrics {

/// One label of a sample. Views: the writer copies the text out at once.
struct LabelPair {
  std::string_view name;
  std::string_view value;
};

/// Appends samples to a text buffer, family by family. The format requires all samples of a
/// family to form one group under its HELP and TYPE lines, so the writer opens a family at its
/// first sample (an empty family is left out, as client_golang does) and throws
/// std::logic_error when a family that was closed receives another sample: that would be a
/// second group, which Prometheus' OpenMetrics parser rejects.
class ExpositionWriter {
 public:
  explicit ExpositionWriter(std::string& out) : out_(&out) {}
  /// A writer whose target comes with the first Retarget().
  ExpositionWriter() = default;

  /// Where the following samples go (a streamed body fills one buffer per piece); the family
  /// bookkeeping carries over.
  void Retarget(std::string& out) { out_ = &out; }

  /// One sample of `metric`. The labels are written sorted by name (as prometheus-cpp's
  /// Registry does), so the output is canonical whatever order the caller lists them in.
  void Add(Metric metric, std::span<const LabelPair> labels, double value);
  void Add(Metric metric, std::initializer_list<LabelPair> labels, double value) {
    Add(metric, std::span<const LabelPair>(labels.begin(), labels.size()), value);
  }

  /// A histogram without labels: `counts[i]` observations fell in bucket i (not cumulative),
  /// whose upper bound is `bounds[i]`; the last count, one more than there are bounds, is the
  /// +Inf bucket. Written as the format wants it: cumulative _bucket{le}, then _sum, _count.
  void AddHistogram(Metric metric, std::span<const double> bounds,
                    std::span<const std::uint64_t> counts, double sum);

 private:
  void Open(Metric metric);

  std::string* out_ = nullptr;
  std::optional<Metric> open_;
  std::bitset<kMetricCount> opened_;
};

/// A label value escaped for the text format: backslash, double quote and line feed.
void AppendEscapedLabelValue(std::string& out, std::string_view value);

/// A sample value: the shortest text that reads back as the same double ("1700000000.5",
/// "0.002", "1e-05"), "NaN", "+Inf" or "-Inf".
void AppendSampleValue(std::string& out, double value);

}  // namespace stx::metrics
