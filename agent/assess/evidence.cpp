#include "assess/evidence.hpp"

#include "assess/dane.hpp"
#include "assess/mta_sts.hpp"
#include "assess/rfc8460.hpp"
#include "assess/sender_verdict.hpp"
#include "common/display_text.hpp"
#include "common/server_spec.hpp"
#include "common/time_format.hpp"
#include "smtp/client_profile.hpp"

namespace stx::assess {
namespace {

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

EvidenceItem Item(std::string key, std::string label, std::vector<EvidenceLine> lines) {
  return EvidenceItem{std::move(key), std::move(label), "", std::move(lines), false};
}

EvidenceItem TlsItem(const probe::AddressProbeResult& r) {
  using probe::TlsOutcome;
  switch (r.tls_outcome) {
    case TlsOutcome::kNotAttempted:
      return Item("tls", "TLS", {{{"not attempted (STARTTLS not offered)"}}});
    case TlsOutcome::kEstablished:
      return Item("tls", "TLS",
                  {{{r.tls ? r.tls->version + ", " + r.tls->cipher : "established", Tone::kGood}}});
    default:
      return Item(
          "tls", "TLS",
          {{{std::string(probe::ToString(r.tls_outcome)), Tone::kBad}, {": " + r.tls_detail}}});
  }
}

EvidenceItem CertificateItem(const tls::TlsFacts& t, std::int64_t now) {
  const tls::CertificateInfo& c = *t.leaf;
  std::vector<EvidenceLine> lines;
  lines.push_back({{c.subject}});
  lines.push_back({{"issuer " + c.issuer}});
  const bool expired = c.not_after < now;
  lines.push_back({{"valid " + Rfc3339(c.not_before) + " to " + Rfc3339(c.not_after) + " ("},
                   {(expired ? "EXPIRED " : "expires ") + Relative(c.not_after, now),
                    expired ? Tone::kBad : Tone::kPlain},
                   {")"}});
  if (t.chain_earliest_not_after != 0 && t.chain_earliest_not_after != c.not_after) {
    lines.push_back({{"earliest expiry in the chain " + Rfc3339(t.chain_earliest_not_after) + " (" +
                          Relative(t.chain_earliest_not_after, now) + ")",
                      t.chain_earliest_not_after < now ? Tone::kBad : Tone::kPlain}});
  }
  std::vector<std::string> names = c.dns_names;
  names.insert(names.end(), c.ip_addresses.begin(), c.ip_addresses.end());
  if (!names.empty()) lines.push_back({{"names " + Join(names, ", ")}});
  EvidenceLine trust{{"chain of " + std::to_string(t.chain_length) + ": "}};
  if (t.chain_valid) {
    trust.push_back({"trusted", Tone::kGood});
  } else {
    trust.push_back({"NOT trusted", Tone::kBad});
    trust.push_back({" (" + t.verify_error + ")"});
  }
  trust.push_back({"; host name " + t.expected_host + ": "});
  trust.push_back(t.hostname_valid ? Span{"matches", Tone::kGood}
                                   : Span{"does NOT match", Tone::kBad});
  lines.push_back(std::move(trust));
  return Item("certificate", "certificate", std::move(lines));
}


// Only for hosts whose TLSA records were asked: for the others DANE does not apply, and
// saying so on every address of every partner would be noise.
EvidenceItem DaneItem(const probe::AddressProbeResult& r) {
  const DaneAssessment dane = AssessDane(r);
  const Tone tone = dane.status == DaneStatus::kMatch ? Tone::kGood
                    : dane.requirement == DaneRequirement::kNone ? Tone::kPlain
                    : dane.status == DaneStatus::kUnusable        ? Tone::kWarn
                                                                  : Tone::kBad;
  std::vector<EvidenceLine> lines{
      {{std::string(ToString(dane.status)), tone == Tone::kPlain ? Tone::kCode : tone},
       {": " + dane.detail}}};
  if (dane.rollover_risk) {
    lines.push_back({{"only one usable TLSA record", Tone::kWarn},
                     {": publish the next key's record before the certificate's key changes, "
                      "or the change stops DANE senders (RFC 7671 §8.1)"}});
  }
  return Item("dane", "DANE", std::move(lines));
}

}  // namespace

std::vector<EvidenceItem> AddressEvidence(const probe::AddressProbeResult& r,
                                          std::int64_t now_unix, smtp::ProfileSet ours) {
  std::vector<EvidenceItem> items;
  if (r.error) {
    items.push_back(
        Item("error", "error", {{{r.error->Reason(), Tone::kCode}, {": " + r.error->detail}}}));
  }
  if (!r.banner.empty()) items.push_back(Item("banner", "banner", {{{r.banner, Tone::kCode}}}));
  const auto profiles = smtp::ClientProfiles();
  for (std::size_t i = 0; i < profiles.size(); ++i) {
    if (!ours.test(i)) continue;
    const bool reached = r.ehlo_class != smtp::EhloClass::kError;
    EvidenceItem client =
        Item("client." + std::string(profiles[i].name), std::string(profiles[i].title),
             {{{Verdict(r, i), !reached        ? Tone::kPlain
                               : Encrypted(Outcome(r, i).delivery) ? Tone::kGood
                                               : Tone::kBad}}});
    client.note = std::string(profiles[i].senders);
    items.push_back(std::move(client));
  }
  if (r.ehlo_class != smtp::EhloClass::kError) {
    // Every real sender of the table, whether or not this company runs it: the diagnosis to
    // forward names who is hurt.
    EvidenceLine matrix;
    bool unverified = false;
    for (const OutcomeGroup& group : GroupByOutcome(r, smtp::RealSenders())) {
      std::string names;
      for (const std::size_t i : group.profiles) {
        // A sender known from its documentation only (no run proved its row) is starred.
        const bool modelled = profiles[i].verified_with.empty();
        unverified = unverified || modelled;
        names += (names.empty() ? "" : ", ") + std::string(profiles[i].name) + (modelled ? "*" : "");
      }
      if (!matrix.empty()) matrix.push_back({"; "});
      matrix.push_back({std::string(ToString(group.delivery)),
                        Encrypted(group.delivery)            ? Tone::kGood
                        : group.delivery == Delivery::kClear ? Tone::kWarn
                                                             : Tone::kBad});
      matrix.push_back({": " + names});
    }
    if (!matrix.empty()) {
      std::vector<EvidenceLine> lines{std::move(matrix)};
      if (unverified) lines.push_back({{"* modelled from its documentation, not verified by a run"}});
      items.push_back(Item("senders", "real senders", std::move(lines)));
    }
  }
  if (r.ehlo_class != smtp::EhloClass::kError) {
    items.push_back(TlsItem(r));
    if (r.tls && r.tls->leaf) items.push_back(CertificateItem(*r.tls, now_unix));
    if (DaneConsidered(r)) items.push_back(DaneItem(r));
    if (r.sts) {
      const StsAssessment sts = AssessMtaSts(r);
      const Tone tone = sts.status == StsStatus::kValid ? Tone::kGood
                        : sts.enforce                  ? Tone::kBad
                                                       : Tone::kWarn;
      items.push_back(Item("mta_sts", "MTA-STS",
                           {{{std::string(ToString(sts.status)), tone}, {": " + sts.detail}}}));
    }
    if (!r.ehlo_tls_keywords.empty()) {
      items.push_back(
          Item("ehlo_tls_keywords", "offered in TLS", {{{r.ehlo_tls_keywords.Joined()}}}));
    }
  }
  if (const auto types = Rfc8460ResultTypes(r); !types.empty()) {
    items.push_back(
        Item("rfc8460", "RFC 8460",
             {{{"a standards-following sender reports "}, {Join(types, ", "), Tone::kCode}}}));
  }
  EvidenceItem findings = Item("findings", "findings", {});
  findings.list = true;
  for (const auto& f : r.findings) {
    findings.lines.push_back({{std::string(smtp::ToString(f.code)), Tone::kCode},
                              {" (" + f.context + "): " + f.detail}});
  }
  items.push_back(std::move(findings));
  // Certificate names, keywords and quoted replies are the partner's bytes: every renderer
  // gets them without control characters and as valid UTF-8.
  for (auto& item : items) {
    for (auto& line : item.lines) {
      for (auto& span : line) span.text = DisplayText(span.text);
    }
  }
  return items;
}

std::string PlainText(const EvidenceLine& line) {
  std::string out;
  for (const auto& span : line) out += span.text;
  return out;
}

Tone ItemTone(const EvidenceItem& item) {
  bool good = false, warn = false;
  for (const auto& line : item.lines) {
    for (const auto& span : line) {
      if (span.tone == Tone::kBad) return Tone::kBad;
      warn = warn || span.tone == Tone::kWarn;
      good = good || span.tone == Tone::kGood;
    }
  }
  return warn ? Tone::kWarn : good ? Tone::kGood : Tone::kPlain;
}

std::string_view ToString(Tone tone) {
  switch (tone) {
    case Tone::kGood:
      return "good";
    case Tone::kBad:
      return "bad";
    case Tone::kWarn:
      return "warn";
    case Tone::kCode:
      return "code";
    case Tone::kPlain:
      break;
  }
  return "plain";
}

std::string AddressText(const probe::AddressProbeResult& r) {
  if (r.error && r.error->stage == probe::Stage::kDns) return "(no address)";
  // An address and a port: nothing of the partner's to escape.
  return EndpointText(r.address, r.port);
}

}  // namespace stx::assess
