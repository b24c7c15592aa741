// The text exposition format itself: escaping, values, label order, family grouping.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "metrics/exposition_writer.hpp"

namespace stx::metrics {
namespace {

std::string Value(double value) {
  std::string out;
  AppendSampleValue(out, value);
  return out;
}

std::string Escaped(std::string_view value) {
  std::string out;
  AppendEscapedLabelValue(out, value);
  return out;
}

TEST(ExpositionWriter, ValuesReadBackExactly) {
  const struct {
    double value;
    const char* text;
  } kCases[] = {
      {0, "0"},
      {1, "1"},
      {-1, "-1"},
      {1700000000.5, "1700000000.5"},
      {1800000000, "1800000000"},
      {0.002, "0.002"},
      {0.25, "0.25"},
      {1e-05, "1e-05"},
      {0.1 + 0.2, "0.30000000000000004"},  // shortest text that reads back as the same double
      {-0.0, "0"},
      {1e300, "1e+300"},
      {18446744073709551615.0, "18446744073709551616"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
      {std::nan(""), "NaN"},
  };
  for (const auto& c : kCases) {
    EXPECT_EQ(Value(c.value), c.text);
    if (std::isfinite(c.value)) {
      EXPECT_EQ(std::stod(Value(c.value)), c.value) << c.text;
    }
  }
}

// The format escapes backslash, quote and line break; a value that holds other control
// characters or bytes that are not UTF-8 (a partner's, through DNS) is shown as DisplayText
// first, so that a scrape stays valid UTF-8 and curl prints no escape sequence.
TEST(ExpositionWriter, LabelValuesEscapeTheFormatsCharactersAndShowControlsAsHex) {
  EXPECT_EQ(Escaped(""), "");
  EXPECT_EQ(Escaped("plain.example"), "plain.example");
  EXPECT_EQ(Escaped(R"(a\b)"), R"(a\\b)");
  EXPECT_EQ(Escaped(R"(say "hi")"), R"(say \"hi\")");
  EXPECT_EQ(Escaped("two\nlines"), R"(two\nlines)");
  EXPECT_EQ(Escaped("tab\tand\rcr"), R"(tab\\x09and\\x0dcr)");
  EXPECT_EQ(Escaped("\x1b[2J"), R"(\\x1b[2J)");
  EXPECT_EQ(Escaped("mx\xe9.test"), R"(mx\\xe9.test)");
  EXPECT_EQ(Escaped("\xc3\xa9t\xc3\xa9"), "\xc3\xa9t\xc3\xa9");  // UTF-8 stays
}

TEST(ExpositionWriter, FamilyHeaderOnceThenSamplesWithSortedLabels) {
  std::string out;
  ExpositionWriter writer(out);
  writer.Add(Metric::kProbeSuccess, {{"mx", "m"}, {"domain", "d"}, {"address", "a"}}, 1);
  writer.Add(Metric::kProbeSuccess, {{"domain", "e"}}, 0);
  writer.Add(Metric::kExporterPartners, {}, 2);
  EXPECT_EQ(out, "# HELP starttls_probe_success " +
                     std::string(SpecOf(Metric::kProbeSuccess).help) +
                     "\n# TYPE starttls_probe_success gauge\n"
                     "starttls_probe_success{address=\"a\",domain=\"d\",mx=\"m\"} 1\n"
                     "starttls_probe_success{domain=\"e\"} 0\n"
                     "# HELP starttls_exporter_partners " +
                     std::string(SpecOf(Metric::kExporterPartners).help) +
                     "\n# TYPE starttls_exporter_partners gauge\n"
                     "starttls_exporter_partners 2\n");
}

TEST(ExpositionWriter, ManyLabelsAreSortedToo) {
  std::string out;
  ExpositionWriter writer(out);
  std::vector<LabelPair> labels;
  const std::vector<std::string> names{"k", "j", "i", "h", "g", "f", "e", "d", "c", "b", "a"};
  for (const auto& name : names) labels.push_back({name, "v"});
  writer.Add(Metric::kPartnerInfo, labels, 1);
  EXPECT_NE(
      out.find(
          R"(starttls_partner_info{a="v",b="v",c="v",d="v",e="v",f="v",g="v",h="v",i="v",j="v",k="v"} 1)"),
      std::string::npos)
      << out;
}

// Up to 8 labels are sorted in place on the stack: every order of 8 (the most there) comes out
// sorted.
TEST(ExpositionWriter, UpToEightLabelsInAnyOrderAreSorted) {
  std::vector<std::string> names{"address", "b", "domain", "e", "f", "mx", "status", "z"};
  const std::string expected =
      R"(starttls_partner_info{address="v",b="v",domain="v",e="v",f="v",mx="v",status="v",z="v"} 1)";
  std::size_t orders = 0;
  do {
    std::string out;
    ExpositionWriter writer(out);
    std::vector<LabelPair> labels;
    for (const auto& name : names) labels.push_back({name, "v"});
    writer.Add(Metric::kPartnerInfo, labels, 1);
    ASSERT_NE(out.find(expected), std::string::npos) << out;
    ++orders;
  } while (std::next_permutation(names.begin(), names.end()));
  EXPECT_EQ(orders, 40320u);  // 8!
}

TEST(ExpositionWriter, CounterTypeAndRetargetKeepTheGroup) {
  std::string first;
  std::string second;
  ExpositionWriter writer(first);
  writer.Add(Metric::kProbesTotal, {{"domain", "a"}, {"result", "success"}}, 3);
  writer.Retarget(second);
  writer.Add(Metric::kProbesTotal, {{"domain", "b"}, {"result", "success"}}, 4);
  EXPECT_NE(first.find("# TYPE starttls_probes_total counter\n"), std::string::npos);
  EXPECT_EQ(second, "starttls_probes_total{domain=\"b\",result=\"success\"} 4\n");
}

TEST(ExpositionWriter, HistogramBucketsAreCumulativeWithSumAndCount) {
  std::string out;
  ExpositionWriter writer(out);
  const std::array<double, 3> bounds{0.0005, 0.001, 0.5};
  const std::array<std::uint64_t, 4> counts{1, 3, 0, 2};
  writer.AddHistogram(Metric::kExporterEventLoopLagSeconds, bounds, counts, 2.5);
  const std::string name = "starttls_exporter_event_loop_lag_seconds";
  EXPECT_NE(out.find("# TYPE " + name + " histogram\n"), std::string::npos);
  EXPECT_NE(out.find(name + "_bucket{le=\"0.0005\"} 1\n" + name + "_bucket{le=\"0.001\"} 4\n" +
                     name + "_bucket{le=\"0.5\"} 4\n" + name + "_bucket{le=\"+Inf\"} 6\n" + name +
                     "_sum 2.5\n" + name + "_count 6\n"),
            std::string::npos)
      << out;
  const std::array<std::uint64_t, 2> wrong{1, 2};
  EXPECT_THROW(writer.AddHistogram(Metric::kExporterEventLoopLagSeconds, bounds, wrong, 0),
               std::logic_error);
}

TEST(ExpositionWriter, ReopeningAClosedFamilyThrows) {
  std::string out;
  ExpositionWriter writer(out);
  writer.Add(Metric::kProbeSuccess, {}, 1);
  writer.Add(Metric::kExporterPartners, {}, 1);
  EXPECT_THROW(writer.Add(Metric::kProbeSuccess, {}, 1), std::logic_error);
}

}  // namespace
}  // namespace stx::metrics
