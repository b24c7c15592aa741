// The per-address families. Labels domain, mx, address; state sets list every state (0 or 1)
// so that `starttls_ehlo_status{status="misordered"} == 1` and its negation both work without
// absent().
#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "assess/dane.hpp"
#include "assess/sender_verdict.hpp"
#include "metrics/partner_series.hpp"
#include "smtp/client_profile.hpp"

namespace stx::metrics {
namespace {

using probe::AddressProbeResult;
using probe::TlsOutcome;
using smtp::EhloClass;
using Base = std::array<LabelPair, 3>;

constexpr std::array kEhloClasses{EhloClass::kCompliant, EhloClass::kMisordered,
                                  EhloClass::kNoStarttls, EhloClass::kError};
constexpr std::array kTlsOutcomes{TlsOutcome::kNotAttempted, TlsOutcome::kEstablished,
                                  TlsOutcome::kStarttlsRefused, TlsOutcome::kStarttlsFailed,
                                  TlsOutcome::kHandshakeFailed};

constexpr std::array kDaneStatuses{assess::DaneStatus::kMatch,    assess::DaneStatus::kMismatch,
                                   assess::DaneStatus::kUnusable, assess::DaneStatus::kNoTls,
                                   assess::DaneStatus::kBogus,    assess::DaneStatus::kLookupFailed,
                                   assess::DaneStatus::kNoTlsa,   assess::DaneStatus::kInsecure};

double UnixSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

// `base` plus one label.
void AddWith(ExpositionWriter& out, Metric metric, const Base& base, LabelPair extra,
             double value) {
  const std::array<LabelPair, 4> labels{base[0], base[1], base[2], extra};
  out.Add(metric, labels, value);
}

template <typename State, std::size_t N>
void AddStateSet(ExpositionWriter& out, Metric metric, const Base& base, std::string_view label,
                 const std::array<State, N>& states, State current) {
  for (const State state : states) {
    AddWith(out, metric, base, {label, ToString(state)}, SampleOf(state == current));
  }
}

// The same stage can in principle be timed twice (a retried step); one series per phase is
// required, so repeated stages add up, listed in the order they first ran.
void AddDurations(ExpositionWriter& out, const Base& base, const AddressProbeResult& r) {
  std::array<std::pair<std::string_view, double>, 16> phases{};
  std::size_t count = 0;
  for (const auto& stage : r.stage_durations) {
    const std::string_view name = probe::ToString(stage.stage);
    auto* const end = phases.begin() + count;
    auto* it = std::find_if(phases.begin(), end, [&](const auto& p) { return p.first == name; });
    if (it != end) {
      it->second += stage.seconds;
    } else if (count < phases.size()) {  // 8 stages exist; the bound is never reached
      phases[count++] = {name, stage.seconds};
    }
  }
  for (std::size_t i = 0; i < count; ++i) {
    AddWith(out, Metric::kProbeDurationSeconds, base, {"phase", phases[i].first}, phases[i].second);
  }
  AddWith(out, Metric::kProbeDurationSeconds, base, {"phase", "total"}, r.duration_seconds);
}

// TLS facts exist only where a handshake was attempted. A certificate that fails verification
// does not fail the handshake (verify-but-continue), so an invalid certificate still shows its
// expiry and validity: that is what the certificate alerts read.
void AddTlsFact(ExpositionWriter& out, Metric metric, const Base& base,
                const AddressProbeResult& r) {
  const bool established = r.tls_outcome == TlsOutcome::kEstablished;
  if (!established && r.tls_outcome != TlsOutcome::kHandshakeFailed) return;
  if (metric == Metric::kTlsHandshakeSuccess) {
    out.Add(metric, base, SampleOf(established));
    return;
  }
  if (!r.tls) return;
  const tls::TlsFacts& tls = *r.tls;
  if (metric == Metric::kTlsInfo) {
    if (!established) return;
    const std::array<LabelPair, 5> labels{base[0], base[1], base[2],
                                          LabelPair{"version", tls.version},
                                          LabelPair{"cipher", tls.cipher}};
    out.Add(metric, labels, 1);
    return;
  }
  if (!tls.leaf) return;
  switch (metric) {
    case Metric::kTlsCertNotAfterTimestampSeconds:
      out.Add(metric, base, static_cast<double>(tls.leaf->not_after));
      break;
    case Metric::kTlsCertChainEarliestNotAfterTimestampSeconds:
      if (tls.chain_length > 0)
        out.Add(metric, base, static_cast<double>(tls.chain_earliest_not_after));
      break;
    case Metric::kTlsCertChainValid:
      out.Add(metric, base, SampleOf(tls.chain_valid));
      break;
    case Metric::kTlsCertHostnameValid:
      out.Add(metric, base, SampleOf(tls.hostname_valid));
      break;
    default:
      break;
  }
}

void AddFindings(ExpositionWriter& out, const Base& base, const AddressProbeResult& r) {
  // A code can be found in several replies (bare LF in the banner and in EHLO): one series
  // each, in name order.
  std::vector<std::string_view> codes;
  codes.reserve(r.findings.size());
  for (const auto& finding : r.findings) codes.push_back(smtp::ToString(finding.code));
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  for (const std::string_view code : codes) {
    AddWith(out, Metric::kFindingInfo, base, {"code", code}, 1);
  }
}

void WriteRow(Metric metric, const Base& base, const AddressProbeResult& r,
              std::chrono::system_clock::time_point completed, smtp::ProfileSet senders,
              ExpositionWriter& out) {
  const bool in_error = r.ehlo_class == EhloClass::kError;
  switch (metric) {
    case Metric::kEhloStatus:
      AddStateSet(out, metric, base, "status", kEhloClasses, r.ehlo_class);
      break;
    case Metric::kProbeSuccess:
      out.Add(metric, base, SampleOf(!in_error));
      break;
    case Metric::kProbeDurationSeconds:
      AddDurations(out, base, r);
      break;
    case Metric::kLastProbeTimestampSeconds: {
      // A row without a start time (made up by the scheduler, not by a dialogue) is as old as
      // the partner's probe.
      const bool timed = r.started_at != std::chrono::system_clock::time_point{};
      out.Add(metric, base,
              timed ? UnixSeconds(r.started_at) + r.duration_seconds : UnixSeconds(completed));
      break;
    }
    case Metric::kProbeFailureInfo:
      if (in_error) {
        const std::string reason = r.error ? r.error->Reason() : std::string("unknown");
        AddWith(out, metric, base, {"reason", reason}, 1);
      }
      break;
    case Metric::kClientTls:
      for (std::size_t i = 0; i < smtp::ClientProfiles().size(); ++i) {
        if (!senders.test(i)) continue;
        AddWith(out, metric, base, {"profile", smtp::ClientProfiles()[i].name},
                SampleOf(assess::GetsTls(r, i)));
      }
      break;
    case Metric::kTlsOutcome:
      AddStateSet(out, metric, base, "outcome", kTlsOutcomes, r.tls_outcome);
      break;
    case Metric::kFindingInfo:
      AddFindings(out, base, r);
      break;
    // Only where the TLSA records were looked up or an answer was bogus: every other address
    // would carry eight series saying "insecure".
    case Metric::kDaneStatus:
      if (assess::DaneConsidered(r))
        AddStateSet(out, metric, base, "status", kDaneStatuses, assess::AssessDane(r).status);
      break;
    case Metric::kDaneUsableRecords:
      if (assess::DaneConsidered(r)) {
        out.Add(metric, base, static_cast<double>(assess::AssessDane(r).usable));
      }
      break;
    default:
      AddTlsFact(out, metric, base, r);
      break;
  }
}

// The partner-level row of a probe that never reached an address: the failure must stay
// visible (and alertable) under the same families as an address in error.
void WritePartnerFailureRow(Metric metric, const Base& base, const probe::ProbeError& error,
                            std::chrono::system_clock::time_point completed,
                            ExpositionWriter& out) {
  switch (metric) {
    case Metric::kEhloStatus:
      AddStateSet(out, metric, base, "status", kEhloClasses, EhloClass::kError);
      break;
    case Metric::kProbeSuccess:
      out.Add(metric, base, 0);
      break;
    case Metric::kLastProbeTimestampSeconds:
      out.Add(metric, base, UnixSeconds(completed));
      break;
    case Metric::kProbeFailureInfo: {
      const std::string reason = error.Reason();
      AddWith(out, metric, base, {"reason", reason}, 1);
      break;
    }
    default:
      break;
  }
}

struct Row {
  const AddressProbeResult* result;
  state::AddressKey key;
};

// MX preference order, then host, then address and port (an MX host without addresses
// first), so that the output does not depend on which probe finished first. Two rows with the
// same key would be duplicate series, which makes Prometheus reject the whole scrape: the
// first one wins. (Two ports of one address have two keys: state::KeyOf names the port.)
std::vector<Row> OrderedRows(const probe::TargetProbeResult& result) {
  std::vector<Row> rows;
  rows.reserve(result.results.size());
  for (const auto& r : result.results) rows.push_back(Row{&r, state::KeyOf(r)});
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.result->mx_preference != b.result->mx_preference)
      return a.result->mx_preference < b.result->mx_preference;
    if (a.key.mx != b.key.mx) return a.key.mx < b.key.mx;
    if (a.key.address.empty() != b.key.address.empty()) return a.key.address.empty();
    if (a.result->address != b.result->address) return a.result->address < b.result->address;
    return a.result->port < b.result->port;
  });
  // Few rows per partner: a quadratic scan beats a set.
  std::vector<Row> unique;
  unique.reserve(rows.size());
  for (auto& row : rows) {
    const bool seen = std::any_of(unique.begin(), unique.end(),
                                  [&](const Row& kept) { return kept.key == row.key; });
    if (!seen) unique.push_back(std::move(row));
  }
  return unique;
}

void AddStreak(ExpositionWriter& out, const Base& base, const PartnerView& partner,
               const state::AddressKey& key) {
  if (partner.history == nullptr) return;
  const auto it = partner.history->consecutive.find(key);
  if (it != partner.history->consecutive.end()) {
    out.Add(Metric::kEhloStatusConsecutiveProbes, base, it->second);
  }
}

}  // namespace

void WriteAddressFamily(Metric metric, const PartnerView& partner, ExpositionWriter& out) {
  if (partner.last == nullptr) return;  // nothing is known of the addresses yet
  const probe::TargetProbeResult& result = *partner.last;
  const std::string_view domain = partner.partner->domain;
  // The (mx, address) keys follow state::ExporterState::RecordResult, so status_changes_total
  // and starttls_ehlo_status name an address alike.
  if (result.results.empty() && result.error) {
    const Base base{LabelPair{"domain", domain}, {"mx", ""}, {"address", ""}};
    if (metric == Metric::kEhloStatusConsecutiveProbes) {
      AddStreak(out, base, partner, state::AddressKey{});
    } else {
      WritePartnerFailureRow(metric, base, *result.error, partner.completed, out);
    }
    return;
  }
  for (const Row& row : OrderedRows(result)) {
    const Base base{LabelPair{"domain", domain}, {"mx", row.key.mx}, {"address", row.key.address}};
    if (metric == Metric::kEhloStatusConsecutiveProbes) {
      AddStreak(out, base, partner, row.key);
    } else {
      WriteRow(metric, base, *row.result, partner.completed, partner.partner->senders, out);
    }
  }
}

}  // namespace stx::metrics
