// The metric table itself: names follow the Prometheus conventions, HELP text survives
// prometheus-cpp's unescaped HELP output, and every family is documented in README.md (a
// renamed metric that the docs, alerts and dashboards still use must not pass silently).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include <prometheus/check_names.h>

#include "metrics/metric_specs.hpp"

namespace stx::metrics {
namespace {

std::string ReadMetricsDoc() {
  // This file is tests/unit/; the table lives beside the code it documents.
  const auto path = std::filesystem::path(__FILE__).parent_path() / "../../README.md";
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(MetricsContract, NamesFollowPrometheusConventions) {
  std::set<std::string_view> names;
  for (const MetricSpec& spec : kMetricSpecs) {
    const std::string name(spec.name);
    EXPECT_TRUE(prometheus::CheckMetricName(name)) << name;
    EXPECT_TRUE(names.insert(spec.name).second) << "duplicate " << name;
    EXPECT_TRUE(name.starts_with("starttls_") || name.starts_with("process_")) << name;
    const bool total = name.ends_with("_total");
    EXPECT_EQ(total, spec.type == prometheus::MetricType::Counter) << name;
    // Base units only: seconds and bytes, never milliseconds or kilobytes.
    EXPECT_EQ(name.find("_milliseconds"), std::string::npos) << name;
    EXPECT_EQ(name.find("_ms"), std::string::npos) << name;
  }
}

TEST(MetricsContract, HelpIsOneLineWithoutBackslash) {
  for (const MetricSpec& spec : kMetricSpecs) {
    EXPECT_FALSE(spec.help.empty()) << spec.name;
    EXPECT_EQ(spec.help.find('\n'), std::string_view::npos) << spec.name;
    EXPECT_EQ(spec.help.find('\\'), std::string_view::npos) << spec.name;
  }
}

TEST(MetricsContract, EveryFamilyIsDocumentedWithItsType) {
  const std::string doc = ReadMetricsDoc();
  ASSERT_FALSE(doc.empty()) << "README.md not found";
  for (const MetricSpec& spec : kMetricSpecs) {
    const std::string type = spec.type == prometheus::MetricType::Counter     ? "counter"
                             : spec.type == prometheus::MetricType::Histogram ? "histogram"
                                                                              : "gauge";
    const std::string row = "| `" + std::string(spec.name) + "` | " + type;
    EXPECT_NE(doc.find(row), std::string::npos) << "README.md lacks a row: " << row;
  }
}

}  // namespace
}  // namespace stx::metrics
