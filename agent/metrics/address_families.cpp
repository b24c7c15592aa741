#include "metrics/address_families.hpp"

#include <algorithm>
#include <array>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "state/exporter_state.hpp"

namespace stx::metrics {
namespace {

using probe::AddressProbeResult;
using probe::TlsOutcome;
using smtp::EhloClass;

// Every value of a state set is always present (0 or 1), so that a query such as
// `starttls_ehlo_status{status="misordered"} == 1` and its negation both work without absent().
constexpr std::array kEhloClasses{EhloClass::kCompliant, EhloClass::kMisordered,
                                  EhloClass::kNoStarttls, EhloClass::kError};
constexpr std::array kTlsOutcomes{TlsOutcome::kNotAttempted, TlsOutcome::kEstablished,
                                  TlsOutcome::kStarttlsRefused, TlsOutcome::kStarttlsFailed,
                                  TlsOutcome::kHandshakeFailed};

double UnixSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

double Bool(bool value) { return value ? 1.0 : 0.0; }

template <typename State, std::size_t N>
void AddStateSet(FamilySet& out, Metric metric, const Labels& base, const char* label,
                 const std::array<State, N>& states, State current) {
  for (const State state : states) {
    out.Add(metric, With(base, label, std::string(ToString(state))), Bool(state == current));
  }
}

// The same stage can in principle be timed twice (a retried step); one series per phase is
// required, so repeated stages add up.
void AddDurations(FamilySet& out, const Labels& base, const AddressProbeResult& r) {
  std::vector<std::pair<std::string_view, double>> phases;
  for (const auto& stage : r.stage_durations) {
    const std::string_view name = probe::ToString(stage.stage);
    auto it = std::find_if(phases.begin(), phases.end(),
                           [&](const auto& phase) { return phase.first == name; });
    if (it == phases.end()) {
      phases.emplace_back(name, stage.seconds);
    } else {
      it->second += stage.seconds;
    }
  }
  for (const auto& [phase, seconds] : phases) {
    out.Add(Metric::kProbeDurationSeconds, With(base, "phase", std::string(phase)), seconds);
  }
  out.Add(Metric::kProbeDurationSeconds, With(base, "phase", "total"), r.duration_seconds);
}

// TLS facts exist only where a handshake was attempted. A certificate that fails verification
// does not fail the handshake (verify-but-continue), so an invalid certificate still shows its
// expiry and validity here: that is what the certificate alerts read.
void AddTlsFacts(FamilySet& out, const Labels& base, const AddressProbeResult& r) {
  const bool established = r.tls_outcome == TlsOutcome::kEstablished;
  if (!established && r.tls_outcome != TlsOutcome::kHandshakeFailed) return;
  out.Add(Metric::kTlsHandshakeSuccess, base, Bool(established));
  if (!r.tls) return;
  const tls::TlsFacts& tls = *r.tls;
  if (established) {
    Labels labels = With(base, "version", tls.version);
    labels.push_back(Label{"cipher", tls.cipher});
    out.Add(Metric::kTlsInfo, std::move(labels), 1);
  }
  if (!tls.leaf) return;
  out.Add(Metric::kTlsCertNotAfterTimestampSeconds, base, static_cast<double>(tls.leaf->not_after));
  if (tls.chain_length > 0) {
    out.Add(Metric::kTlsCertChainEarliestNotAfterTimestampSeconds, base,
            static_cast<double>(tls.chain_earliest_not_after));
  }
  out.Add(Metric::kTlsCertChainValid, base, Bool(tls.chain_valid));
  out.Add(Metric::kTlsCertHostnameValid, base, Bool(tls.hostname_valid));
}

void AddFindings(FamilySet& out, const Labels& base, const AddressProbeResult& r) {
  // A code can be found in several replies (bare LF in the banner and in EHLO); one series each.
  std::set<std::string_view> codes;
  for (const auto& finding : r.findings) codes.insert(smtp::ToString(finding.code));
  for (const std::string_view code : codes) {
    out.Add(Metric::kFindingInfo, With(base, "code", std::string(code)), 1);
  }
}

void AddAddressRow(FamilySet& out, const Labels& base, const AddressProbeResult& r,
                   std::chrono::system_clock::time_point completed) {
  const bool in_error = r.ehlo_class == EhloClass::kError;
  AddStateSet(out, Metric::kEhloStatus, base, "status", kEhloClasses, r.ehlo_class);
  out.Add(Metric::kProbeSuccess, base, Bool(!in_error));
  AddDurations(out, base, r);
  // A row without a start time (made up by the scheduler, not by a dialogue) is as old as
  // the partner's probe.
  const bool timed = r.started_at != std::chrono::system_clock::time_point{};
  out.Add(Metric::kLastProbeTimestampSeconds, base,
          timed ? UnixSeconds(r.started_at) + r.duration_seconds : UnixSeconds(completed));
  if (in_error) {
    out.Add(Metric::kProbeFailureInfo,
            With(base, "reason", r.error ? r.error->Reason() : std::string("unknown")), 1);
  }
  out.Add(Metric::kClientTls, With(base, "profile", "strict"), Bool(r.strict.gets_tls));
  out.Add(Metric::kClientTls, With(base, "profile", "lenient"), Bool(r.lenient.gets_tls));
  AddStateSet(out, Metric::kTlsOutcome, base, "outcome", kTlsOutcomes, r.tls_outcome);
  AddTlsFacts(out, base, r);
  AddFindings(out, base, r);
}

// The partner-level row of a probe that never reached an address: the failure must stay
// visible (and alertable) under the same families as an address in error.
void AddPartnerFailureRow(FamilySet& out, const Labels& base, const probe::ProbeError& error,
                          std::chrono::system_clock::time_point completed) {
  AddStateSet(out, Metric::kEhloStatus, base, "status", kEhloClasses, EhloClass::kError);
  out.Add(Metric::kProbeSuccess, base, 0);
  out.Add(Metric::kLastProbeTimestampSeconds, base, UnixSeconds(completed));
  out.Add(Metric::kProbeFailureInfo, With(base, "reason", error.Reason()), 1);
}

struct Row {
  state::AddressKey key;
  const AddressProbeResult* result;
};

// MX preference order, then host, then address (an MX host without addresses first), so that
// the output does not depend on which probe finished first. Two rows with the same key (one
// address reached through two static MX ports) would be duplicate series, which makes
// Prometheus reject the whole scrape: the first one wins.
std::vector<Row> OrderedRows(const probe::TargetProbeResult& result) {
  std::vector<Row> rows;
  rows.reserve(result.results.size());
  for (const auto& r : result.results) rows.push_back(Row{state::KeyOf(r), &r});
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.result->mx_preference != b.result->mx_preference)
      return a.result->mx_preference < b.result->mx_preference;
    if (a.key.mx != b.key.mx) return a.key.mx < b.key.mx;
    if (a.key.address.empty() != b.key.address.empty()) return a.key.address.empty();
    return a.result->address < b.result->address;
  });
  std::set<state::AddressKey> seen;
  std::erase_if(rows, [&](const Row& row) { return !seen.insert(row.key).second; });
  return rows;
}

}  // namespace

void AddAddressSeries(FamilySet& out, const std::string& domain,
                      const probe::TargetProbeResult& result,
                      std::chrono::system_clock::time_point completed,
                      const std::map<state::AddressKey, std::uint32_t>* consecutive) {
  auto add_streak = [&](const Labels& base, const state::AddressKey& key) {
    if (consecutive == nullptr) return;
    const auto it = consecutive->find(key);
    if (it != consecutive->end()) out.Add(Metric::kEhloStatusConsecutiveProbes, base, it->second);
  };
  // The (mx, address) keys follow state::ExporterState::RecordResult, so status_changes_total
  // and starttls_ehlo_status name an address alike. (While DNS gives no answer the state also
  // keeps the addresses it cannot see, and their status_changes_total series, which
  // domain_families.cpp exports; this row set shows only the error row.)
  if (result.results.empty() && result.error) {
    const Labels base{{"domain", domain}, {"mx", ""}, {"address", ""}};
    AddPartnerFailureRow(out, base, *result.error, completed);
    add_streak(base, state::AddressKey{});
    return;
  }
  for (const Row& row : OrderedRows(result)) {
    const Labels base{{"domain", domain}, {"mx", row.key.mx}, {"address", row.key.address}};
    AddAddressRow(out, base, *row.result, completed);
    add_streak(base, row.key);
  }
}

}  // namespace stx::metrics
