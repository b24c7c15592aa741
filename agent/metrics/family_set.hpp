#pragma once
// Collects the samples of one scrape into metric families.
#include <array>
#include <string>
#include <vector>

#include <prometheus/metric_family.h>

#include "metrics/metric_specs.hpp"

namespace stx::metrics {

using Label = prometheus::ClientMetric::Label;
using Labels = std::vector<Label>;

/// `base` plus one more label.
Labels With(const Labels& base, std::string name, std::string value);

/// One family per Metric, filled in any order, handed out in kMetricSpecs order.
class FamilySet {
 public:
  FamilySet();

  /// Adds one sample to `metric`'s family (a counter or gauge value, by the family's type).
  /// Labels are sorted by name, as prometheus-cpp's Registry does, so the output is canonical.
  void Add(Metric metric, Labels labels, double value);

  /// The families that received at least one sample. Empty families are left out (as
  /// client_golang does) rather than served as a bare HELP/TYPE pair.
  std::vector<prometheus::MetricFamily> Take() &&;

 private:
  std::array<prometheus::MetricFamily, kMetricCount> families_;
};

}  // namespace stx::metrics
