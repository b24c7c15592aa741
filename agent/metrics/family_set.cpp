#include "metrics/family_set.hpp"

#include <algorithm>
#include <utility>

namespace stx::metrics {

Labels With(const Labels& base, std::string name, std::string value) {
  Labels labels(base);
  labels.push_back(Label{std::move(name), std::move(value)});
  return labels;
}

FamilySet::FamilySet() {
  for (const MetricSpec& spec : kMetricSpecs) {
    auto& family = families_[static_cast<std::size_t>(spec.metric)];
    family.name = std::string(spec.name);
    family.help = std::string(spec.help);
    family.type = spec.type;
  }
}

void FamilySet::Add(Metric metric, Labels labels, double value) {
  auto& family = families_[static_cast<std::size_t>(metric)];
  std::sort(labels.begin(), labels.end(),
            [](const Label& a, const Label& b) { return a.name < b.name; });
  prometheus::ClientMetric sample;
  sample.label = std::move(labels);
  if (family.type == prometheus::MetricType::Counter) {
    sample.counter.value = value;
  } else {
    sample.gauge.value = value;
  }
  family.metric.push_back(std::move(sample));
}

std::vector<prometheus::MetricFamily> FamilySet::Take() && {
  std::vector<prometheus::MetricFamily> out;
  for (auto& family : families_) {
    if (!family.metric.empty()) out.push_back(std::move(family));
  }
  return out;
}

}  // namespace stx::metrics
