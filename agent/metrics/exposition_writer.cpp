#include "metrics/exposition_writer.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "common/display_text.hpp"

namespace stx::metrics {
namespace {

bool ByName(const LabelPair& a, const LabelPair& b) { return a.name < b.name; }

void AppendLabels(std::string& out, std::span<const LabelPair> sorted) {
  if (sorted.empty()) return;
  out += '{';
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (i > 0) out += ',';
    out += sorted[i].name;
    out += "=\"";
    AppendEscapedLabelValue(out, sorted[i].value);
    out += '"';
  }
  out += '}';
}

}  // namespace

void AppendEscapedLabelValue(std::string& out, std::string_view raw) {
  // The exposition format is UTF-8 (a scrape with invalid UTF-8 in a label value fails as a
  // whole), and whoever reads it with curl reads it on a terminal. MX host names come from
  // DNS, whose names may hold any byte (RFC 2181 §11): such a value is shown as DisplayText.
  const bool printable = std::all_of(raw.begin(), raw.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return (byte >= 0x20 && byte < 0x7f) || c == '\n';
  });
  std::string shown;
  std::string_view value = raw;
  if (!printable) value = shown = DisplayText(raw, "\n");
  std::size_t plain = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c != '\\' && c != '"' && c != '\n') continue;
    out.append(value.data() + plain, i - plain);
    out += '\\';
    out += c == '\n' ? 'n' : c;
    plain = i + 1;
  }
  out.append(value.data() + plain, value.size() - plain);
}

void AppendSampleValue(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    std::array<char, 32> text{};
    // Whole numbers (counts, Unix times) as integers: the shortest form alone would write a
    // timestamp as "1.8e+09", which Prometheus reads but a human grepping the text does not.
    constexpr double kExactIntegers = 9007199254740992.0;  // 2^53
    const bool whole = std::fabs(value) < kExactIntegers && std::trunc(value) == value;
    const auto result = whole ? std::to_chars(text.data(), text.data() + text.size(),
                                              static_cast<std::int64_t>(value))
                              : std::to_chars(text.data(), text.data() + text.size(), value);
    out.append(text.data(), result.ptr);
  }
}

void ExpositionWriter::Open(Metric metric) {
  const auto index = static_cast<std::size_t>(metric);
  if (opened_.test(index)) {
    throw std::logic_error("metric family " + std::string(SpecOf(metric).name) +
                           " written in two groups");
  }
  opened_.set(index);
  open_ = metric;
  const MetricSpec& spec = SpecOf(metric);
  // HELP text is one line without backslashes (metrics_contract_test), so it needs no escaping.
  *out_ += "# HELP ";
  *out_ += spec.name;
  *out_ += ' ';
  *out_ += spec.help;
  *out_ += "\n# TYPE ";
  *out_ += spec.name;
  switch (spec.type) {
    case prometheus::MetricType::Counter:
      *out_ += " counter\n";
      break;
    case prometheus::MetricType::Histogram:
      *out_ += " histogram\n";
      break;
    default:
      *out_ += " gauge\n";
      break;
  }
}

void ExpositionWriter::AddHistogram(Metric metric, std::span<const double> bounds,
                                    std::span<const std::uint64_t> counts, double sum) {
  if (counts.size() != bounds.size() + 1) throw std::logic_error("histogram: bucket mismatch");
  if (open_ != metric) Open(metric);
  std::string& out = *out_;
  const std::string_view name = SpecOf(metric).name;
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    cumulative += counts[i];
    out += name;
    out += "_bucket{le=\"";
    if (i < bounds.size()) {
      // Plain decimals ("0.0005", not the shortest "5e-04"), as the client libraries write
      // them: PromQL groups buckets by the le text, so every exporter should spell it alike.
      std::array<char, 32> text{};
      const auto written = std::to_chars(text.data(), text.data() + text.size(), bounds[i],
                                         std::chars_format::fixed);
      out.append(text.data(), written.ptr);
    } else {
      out += "+Inf";
    }
    out += "\"} ";
    AppendSampleValue(out, static_cast<double>(cumulative));
    out += '\n';
  }
  out += name;
  out += "_sum ";
  AppendSampleValue(out, sum);
  out += '\n';
  out += name;
  out += "_count ";
  AppendSampleValue(out, static_cast<double>(cumulative));
  out += '\n';
}

void ExpositionWriter::Add(Metric metric, std::span<const LabelPair> labels, double value) {
  if (open_ != metric) Open(metric);
  std::string& out = *out_;
  out += SpecOf(metric).name;
  // Nearly every sample has at most 8 labels: sort a copy on the stack. Partner info carries
  // the configured labels too, which may be more.
  constexpr std::size_t kOnStack = 8;
  if (labels.size() <= kOnStack) {
    // An insertion sort: the fastest for a handful of elements, and with the bound in the
    // loop g++ 12 at -O3 sees every index stays below kOnStack. std::sort on a stack array
    // inlines paths written for any length, which it reports as out of bounds
    // (-Warray-bounds, a false positive).
    std::array<LabelPair, kOnStack> sorted;
    const std::size_t n = labels.size();
    for (std::size_t i = 0; i < n && i < kOnStack; ++i) {
      const LabelPair next = labels[i];
      std::size_t at = i;
      for (; at > 0 && ByName(next, sorted[at - 1]); --at) sorted[at] = sorted[at - 1];
      sorted[at] = next;
    }
    AppendLabels(out, std::span<const LabelPair>(sorted.data(), n));
  } else {
    std::vector<LabelPair> sorted(labels.begin(), labels.end());
    std::sort(sorted.begin(), sorted.end(), ByName);
    AppendLabels(out, sorted);
  }
  out += ' ';
  AppendSampleValue(out, value);
  out += '\n';
}

}  // namespace stx::metrics
