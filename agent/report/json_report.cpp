#include "report/json_report.hpp"

#include "assess/dane.hpp"
#include "assess/evidence.hpp"
#include "assess/explanation.hpp"
#include "assess/mta_sts.hpp"
#include "assess/rfc8460.hpp"
#include "assess/sender_verdict.hpp"
#include "assess/status.hpp"
#include "common/time_format.hpp"
#include "smtp/client_profile.hpp"

namespace stx::report {
namespace {

using nlohmann::json;

json ErrorJson(const std::optional<probe::ProbeError>& error) {
  if (!error) return nullptr;
  return {{"stage", probe::ToString(error->stage)},
          {"kind", probe::ToString(error->kind)},
          {"reason", error->Reason()},
          {"detail", error->detail}};
}

/// "dnssec": "secure", "insecure" or "bogus", and the validator's reason when bogus.
void AddDnssec(json& out, dns::DnssecStatus status, const std::string& why_bogus) {
  out["dnssec"] = dns::ToString(status);
  if (status == dns::DnssecStatus::kBogus) out["dnssec_reason"] = why_bogus;
}

json AddressesJson(const dns::AddressAnswer& answer) {
  json addresses = json::array();
  for (const auto& a : answer.addresses) addresses.push_back(a.to_string());
  json out = {{"status", dns::ToString(answer.status)}, {"addresses", addresses}};
  AddDnssec(out, answer.dnssec, answer.why_bogus);
  return out;
}

/// Certificate association data as lower-case hex, the way TLSA records are written.
std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += kDigits[b >> 4];
    out += kDigits[b & 0x0f];
  }
  return out;
}

/// The TLSA answer of an MX host: records with whether a DANE SMTP sender may use each.
json TlsaJson(const dns::TlsaAnswer& answer) {
  json records = json::array();
  for (const auto& r : answer.records) {
    records.push_back({{"usage", r.usage},
                       {"selector", r.selector},
                       {"matching_type", r.matching_type},
                       {"data", Hex(r.data)},
                       {"usable", dns::UsableForSmtp(r)}});
  }
  json out = {{"name", answer.name},
              {"status", dns::ToString(answer.status)},
              {"records", records},
              {"detail", answer.detail}};
  AddDnssec(out, answer.dnssec, answer.why_bogus);
  return out;
}

/// What DANE makes of the address (assess/dane.hpp), with the record that matched.
json DaneJson(const probe::AddressProbeResult& r) {
  const assess::DaneAssessment dane = assess::AssessDane(r);
  json matched = nullptr;
  const tls::DaneVerification* check = r.tls ? r.tls->dane.get() : nullptr;
  if (check != nullptr && check->matched) {
    matched = {{"usage", check->record.usage},
               {"selector", check->record.selector},
               {"matching_type", check->record.matching_type},
               {"data", Hex(check->record.data)},
               {"depth", check->depth},
               {"name", check->matched_name.empty() ? json(nullptr) : json(check->matched_name)}};
  }
  return {{"status", assess::ToString(dane.status)},
          {"tlsa_name", r.tlsa ? json(r.tlsa->name) : json(nullptr)},
          {"records", dane.records},
          {"usable", dane.usable},
          {"matched", matched},
          {"verify_error",
           check != nullptr && !check->matched ? json(check->verify_error) : json(nullptr)},
          {"rollover_risk", dane.rollover_risk},
          {"detail", dane.detail}};
}

/// What the partner's MTA-STS policy makes of the address (assess/mta_sts.hpp); null without a
/// policy in force.
json MtaStsJson(const probe::AddressProbeResult& r) {
  if (!r.sts) return nullptr;
  const assess::StsAssessment sts = assess::AssessMtaSts(r);
  return {{"status", assess::ToString(sts.status)},
          {"mx_match", sts.mx_match},
          {"enforce", sts.enforce},
          {"detail", sts.detail}};
}

/// MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) of the domain, when they were looked up.
json PolicyJson(const probe::TargetProbeResult& result) {
  if (!result.policy) return nullptr;
  const policy::DomainPolicy& p = *result.policy;
  json sts = {{"status", policy::ToString(p.sts_record.status)},
              {"record", p.sts_record.text.empty() ? json(nullptr) : json(p.sts_record.text)},
              {"id", p.sts_record.id.empty() ? json(nullptr) : json(p.sts_record.id)},
              {"detail", p.sts_record.detail},
              {"fetch", nullptr},
              {"mode", nullptr},
              {"mx", json::array()},
              {"max_age", nullptr},
              {"in_force", p.sts_in_force != nullptr}};
  if (p.sts_fetch) {
    const policy::StsFetch& f = *p.sts_fetch;
    sts["fetch"] = {{"status", policy::ToString(f.status)},
                    {"url", f.url},
                    {"address", f.address.empty() ? json(nullptr) : json(f.address)},
                    {"http_status", f.http_status},
                    {"content_type", f.content_type},
                    {"location", f.location.empty() ? json(nullptr) : json(f.location)},
                    {"detail", f.detail},
                    {"warnings", f.read.warnings},
                    {"rfc8460_result", policy::Rfc8460ResultType(f.status)}};
    if (f.read.policy) {
      sts["mode"] = policy::ToString(f.read.policy->mode);
      sts["mx"] = f.read.policy->mx;
      sts["max_age"] = f.read.policy->max_age;
    }
  }
  json rpt = {{"status", policy::ToString(p.tls_rpt.status)},
              {"rua", p.tls_rpt.rua},
              {"detail", p.tls_rpt.detail}};
  return {{"mta_sts", sts}, {"tls_rpt", rpt}};
}

json CertificateJson(const tls::CertificateInfo& cert) {
  return {{"subject", cert.subject},
          {"issuer", cert.issuer},
          {"dns_names", cert.dns_names},
          {"ip_addresses", cert.ip_addresses},
          {"not_before", Rfc3339(cert.not_before)},
          {"not_after", Rfc3339(cert.not_after)},
          {"not_after_unix", cert.not_after},
          {"serial", cert.serial},
          {"sha256_fingerprint", cert.sha256_fingerprint},
          {"public_key", cert.public_key}};
}

json TlsJson(const probe::AddressProbeResult& r) {
  json out = {{"outcome", probe::ToString(r.tls_outcome)}, {"detail", r.tls_detail}};
  if (r.tls) {
    const tls::TlsFacts& t = *r.tls;
    out["version"] = t.version;
    out["cipher"] = t.cipher;
    out["certificate"] = t.leaf ? CertificateJson(*t.leaf) : json(nullptr);
    out["chain_length"] = t.chain_length;
    out["chain_earliest_not_after"] =
        t.chain_earliest_not_after ? json(Rfc3339(t.chain_earliest_not_after)) : json(nullptr);
    out["chain_earliest_not_after_unix"] = t.chain_earliest_not_after;
    out["chain_valid"] = t.chain_valid;
    out["verify_error"] = t.chain_valid ? json(nullptr) : json(t.verify_error);
    out["expected_hostname"] = t.expected_host;
    out["hostname_valid"] = t.hostname_valid;
    out["failures"] = t.failures;
  }
  out["ehlo_keywords"] = r.ehlo_tls_keywords.ToVector();
  // The second handshake, as a mainstream sender, when the probe made one.
  if (r.mainstream) {
    const probe::MainstreamHandshake& m = *r.mainstream;
    json second = {{"why", m.why}, {"outcome", probe::ToString(m.outcome)}, {"detail", m.detail}};
    if (m.tls) {
      second["version"] = m.tls->version;
      second["cipher"] = m.tls->cipher;
      second["chain_valid"] = m.tls->chain_valid;
      second["hostname_valid"] = m.tls->hostname_valid;
    }
    out["mainstream"] = std::move(second);
  }
  return out;
}

// What each sender profile gets, by profile name.
json ClientProfilesJson(const probe::AddressProbeResult& r, smtp::ProfileSet ours) {
  json out = json::object();
  const auto profiles = smtp::ClientProfiles();
  for (std::size_t i = 0; i < profiles.size(); ++i) {
    if (!ours.test(i)) continue;
    out[std::string(profiles[i].name)] = {{"sees_starttls", assess::SeesStarttls(r, i)},
                                          {"gets_tls", assess::GetsTls(r, i)},
                                          {"verdict", assess::Verdict(r, i)}};
  }
  return out;
}

// What every sender of the table does with the address: STARTTLS sent, TLS accepted, and the
// message's fate (assess::Outcome), with whether a real run of the sender proved the row.
json SendersJson(const probe::AddressProbeResult& r) {
  json out = json::object();
  const auto profiles = smtp::ClientProfiles();
  for (std::size_t i = 0; i < profiles.size(); ++i) {
    const assess::SenderOutcome o = assess::Outcome(r, i);
    out[std::string(profiles[i].name)] = {
        {"starttls", o.starttls},
        {"tls", o.tls},
        {"outcome", assess::ToString(o.delivery)},
        {"reason", o.reason},
        {"policy", o.policy.empty() ? json(nullptr) : json(o.policy)},
        {"verified", !profiles[i].verified_with.empty()}};
  }
  return out;
}

json EvidenceJson(const probe::AddressProbeResult& r, std::int64_t now, smtp::ProfileSet ours) {
  json items = json::array();
  for (const auto& item : assess::AddressEvidence(r, now, ours)) {
    json lines = json::array();
    for (const auto& line : item.lines) lines.push_back(assess::PlainText(line));
    items.push_back({{"key", item.key},
                     {"label", item.label},
                     {"note", item.note.empty() ? json(nullptr) : json(item.note)},
                     {"tone", assess::ToString(assess::ItemTone(item))},
                     {"lines", lines}});
  }
  return items;
}

const char* DirectionName(probe::TranscriptLine::Direction d) {
  switch (d) {
    case probe::TranscriptLine::Direction::kServer:
      return "S";
    case probe::TranscriptLine::Direction::kClient:
      return "C";
    case probe::TranscriptLine::Direction::kNote:
      return "note";
  }
  return "note";
}

}  // namespace

json ToJson(const probe::AddressProbeResult& r, std::int64_t now_unix, smtp::ProfileSet ours) {
  json stages = json::object();
  for (const auto& s : r.stage_durations) stages[std::string(probe::ToString(s.stage))] = s.seconds;
  json findings = json::array();
  for (const auto& f : r.findings) {
    findings.push_back(
        {{"code", smtp::ToString(f.code)}, {"context", f.context}, {"detail", f.detail}});
  }
  json transcript = json::array();
  for (const auto& line : r.transcript) {
    transcript.push_back(
        {{"dir", DirectionName(line.direction)}, {"tls", line.encrypted}, {"text", line.text}});
  }
  const std::string explanation = assess::Explanation(r);
  json ehlo = nullptr;
  if (r.ehlo_class != smtp::EhloClass::kError) {
    ehlo = {{"greeting", r.ehlo.greeting},
            {"keywords", r.ehlo.keywords.ToVector()},
            {"starttls_line", r.ehlo.starttls_line}};
    const auto profiles = smtp::ClientProfiles();
    for (std::size_t i = 0; i < profiles.size(); ++i) {
      if (!ours.test(i)) continue;
      ehlo[std::string(profiles[i].name) + "_sees_starttls"] = assess::SeesStarttls(r, i);
    }
  }
  return {{"mx", r.mx_host},
          {"preference", r.mx_preference},
          {"address", r.address.is_unspecified() && r.error && r.error->stage == probe::Stage::kDns
                          ? json(nullptr)
                          : json(r.address.to_string())},
          {"port", r.port},
          {"started_at", Rfc3339(r.started_at)},
          {"duration_seconds", r.duration_seconds},
          {"stage_duration_seconds", stages},
          {"ehlo_class", assess::ToString(assess::EhloStatus(r))},
          {"status", assess::ToString(assess::AddressStatus(r, ours))},
          {"error", ErrorJson(r.error)},
          {"banner", r.banner},
          {"ehlo", ehlo},
          {"client_profiles", ClientProfilesJson(r, ours)},
          {"senders", SendersJson(r)},
          {"tls", TlsJson(r)},
          {"dane", DaneJson(r)},
          {"mta_sts", MtaStsJson(r)},
          {"rfc8460_results", assess::Rfc8460ResultTypes(r)},
          {"findings", findings},
          {"explanation", explanation.empty() ? json(nullptr) : json(explanation)},
          {"corrected_ehlo", assess::CorrectedEhlo(r)},
          {"evidence", EvidenceJson(r, now_unix, ours)},
          {"transcript", transcript},
          {"transcript_truncated", r.transcript_truncated}};
}

json ToJson(const probe::TargetProbeResult& result, std::int64_t now_unix, smtp::ProfileSet ours) {
  json routing = nullptr;
  if (result.routing) {
    json exchangers = json::array();
    for (const auto& mx : result.routing->exchangers) {
      json exchanger = {{"host", mx.host},
                        {"preference", mx.preference},
                        {"ipv4", AddressesJson(mx.ipv4)},
                        {"ipv6", AddressesJson(mx.ipv6)}};
      // Only where a DANE sender looks: an MX host with secure addresses (RFC 7672 §2.2.2).
      if (!mx.tlsa.name.empty()) exchanger["tlsa"] = TlsaJson(mx.tlsa);
      exchangers.push_back(std::move(exchanger));
    }
    routing = {{"kind", dns::ToString(result.routing->kind)},
               {"mx_status", dns::ToString(result.routing->mx_status)},
               {"detail", result.routing->detail},
               {"exchangers", exchangers}};
    AddDnssec(routing, result.routing->mx_dnssec, result.routing->mx_why_bogus);
  }
  json summary = json::object();
  for (const assess::Status status : assess::kEhloStatuses) {
    summary[std::string(assess::ToString(status))] = 0;
  }
  json results = json::array();
  for (const auto& r : result.results) {
    json& count = summary[std::string(assess::ToString(assess::EhloStatus(r)))];
    count = count.get<int>() + 1;
    results.push_back(ToJson(r, now_unix, ours));
  }
  json our_senders = json::array();
  for (std::size_t i = 0; i < smtp::ClientProfiles().size(); ++i) {
    if (ours.test(i)) our_senders.push_back(smtp::ClientProfiles()[i].name);
  }
  return {{"target", result.target},
          {"domain", result.domain},
          {"direct", result.direct},
          {"routing", routing},
          {"policy", PolicyJson(result)},
          {"error", ErrorJson(result.error)},
          {"duration_seconds", result.duration_seconds},
          {"status", assess::ToString(assess::TargetStatus(&result, ours))},
          {"our_senders", our_senders},
          {"summary", summary},
          {"results", results}};
}

std::string Serialize(const json& value, int indent) {
  return value.dump(indent, ' ', true, json::error_handler_t::replace);
}

}  // namespace stx::report
