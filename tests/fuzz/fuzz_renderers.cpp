// libFuzzer target: a probe result whose every partner-controlled string holds arbitrary
// bytes, rendered through every output: the JSON (check --json, /api/v1/targets), the text
// report, the status page, the metrics of /metrics and /probe, and a logfmt value. Each must
// come out as valid UTF-8 without a control character a terminal or browser acts on; a crash,
// an exception or a sanitizer report is a finding too.
//
// Input: two bytes that choose the result's shape (class, TLS outcome, facts, errors), then
// the partner's strings separated by 0x1E.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/log.hpp"
#include "http/status_page.hpp"
#include "metrics/exporter_metrics.hpp"
#include "report/json_report.hpp"
#include "report/text_report.hpp"
#include "state/exporter_state.hpp"
#include "support/displayable.hpp"
#include "support/hostile_result.hpp"

namespace {

void Require(const std::string& problem) {
  if (!problem.empty()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const unsigned variant = data[0] | (static_cast<unsigned>(data[1]) << 8);
  std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  stx::test::HostileBytes b;
  for (std::string* field : {&b.mx_host, &b.banner, &b.greeting, &b.keyword, &b.subject, &b.issuer,
                             &b.dns_name, &b.tls_detail, &b.error_detail, &b.finding_detail,
                             &b.transcript, &b.ehlo_lines, &b.verify_error, &b.cipher}) {
    const std::size_t end = rest.find('\x1e');
    *field = std::string(rest.substr(0, end));
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
  }
  constexpr std::int64_t kNow = 1'800'000'000;
  const stx::probe::TargetProbeResult result = stx::test::HostileResult(b, variant);

  Require(
      stx::test::Undisplayable(stx::report::Serialize(stx::report::ToJson(result, kNow), 2), "\n"));
  Require(stx::test::Undisplayable(stx::report::ToText(result, kNow), "\n"));

  stx::config::Partner partner;
  partner.domain = partner.name = "partner.test";
  Require(stx::test::Undisplayable(stx::metrics::RenderProbeExposition(partner, result), "\n"));

  stx::config::ExporterConfig config;
  config.partners.push_back(partner);
  stx::state::ExporterState state;
  state.ApplyConfig(config);
  state.RecordResult("partner.test", result);
  Require(stx::test::Undisplayable(
      stx::http::RenderStatusPage(
          state, std::chrono::system_clock::time_point(std::chrono::seconds(kNow)), "fuzz"),
      "\n\t"));

  Require(stx::test::Undisplayable(stx::log::LogfmtValue(b.banner), ""));
  return 0;
}
