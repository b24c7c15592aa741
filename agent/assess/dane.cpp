#include "assess/dane.hpp"

#include <algorithm>

#include "smtp/ehlo_classifier.hpp"

namespace stx::assess {
namespace {

std::string Plural(std::size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

// Why no TLS session could be checked, for a result whose records are usable.
std::string NoSessionReason(const probe::AddressProbeResult& r) {
  if (r.ehlo_class == smtp::EhloClass::kError) return "the probe got no EHLO reply";
  switch (r.tls_outcome) {
    case probe::TlsOutcome::kNotAttempted:
      return "the server does not offer STARTTLS";
    case probe::TlsOutcome::kStarttlsRefused:
    case probe::TlsOutcome::kStarttlsFailed:
      return "STARTTLS failed: " + r.tls_detail;
    case probe::TlsOutcome::kHandshakeFailed:
      return "the TLS handshake failed: " + r.tls_detail;
    case probe::TlsOutcome::kEstablished:
      break;
  }
  return "the server presented no certificate";
}

}  // namespace

std::string_view ToString(DaneStatus status) {
  switch (status) {
    case DaneStatus::kInsecure:
      return "insecure";
    case DaneStatus::kNoTlsa:
      return "no_tlsa";
    case DaneStatus::kLookupFailed:
      return "lookup_failed";
    case DaneStatus::kBogus:
      return "bogus";
    case DaneStatus::kUnusable:
      return "unusable";
    case DaneStatus::kMatch:
      return "match";
    case DaneStatus::kMismatch:
      return "mismatch";
    case DaneStatus::kNoTls:
      return "no_tls";
  }
  return "insecure";
}

std::string TlsaText(const dns::TlsaRecord& record) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = std::to_string(record.usage) + " " + std::to_string(record.selector) + " " +
                    std::to_string(record.matching_type) + " ";
  for (const char c : record.data) {
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 0x0f]);
  }
  return out;
}

DaneAssessment AssessDane(const probe::AddressProbeResult& r) {
  DaneAssessment a;
  // RFC 7672 §2.1.1: a validating sender cannot use an MX or address answer that fails
  // validation; its resolver answers SERVFAIL, and the host is not tried.
  if (r.address_dnssec == dns::DnssecStatus::kBogus) {
    a.status = DaneStatus::kBogus;
    a.requirement = DaneRequirement::kUnreachable;
    a.detail = "the MX or address answer for " + r.mx_host +
               " fails DNSSEC validation: senders that validate DNSSEC (every DANE sender) do "
               "not deliver to this host";
    return a;
  }
  if (!r.tlsa) {
    a.detail =
        "DANE does not apply: the MX host's address records are not DNSSEC-secure "
        "(RFC 7672 §2.2.2)";
    return a;
  }
  const dns::TlsaAnswer& tlsa = *r.tlsa;
  a.records = tlsa.records.size();
  a.usable = static_cast<std::size_t>(
      std::count_if(tlsa.records.begin(), tlsa.records.end(), dns::UsableForSmtp));
  // RFC 7672 §2.2: a bogus answer or a failed lookup leaves the sender unable to tell whether
  // the host needs DANE, so it does not use the host.
  if (tlsa.dnssec == dns::DnssecStatus::kBogus) {
    a.status = DaneStatus::kBogus;
    a.requirement = DaneRequirement::kUnreachable;
    a.detail = "the TLSA answer for " + tlsa.name + " fails DNSSEC validation (" + tlsa.why_bogus +
               "): DANE senders do not deliver to this host";
    return a;
  }
  switch (tlsa.status) {
    case dns::LookupStatus::kOk:
      break;
    case dns::LookupStatus::kNoData:
    case dns::LookupStatus::kNxDomain:
      a.status = DaneStatus::kNoTlsa;
      a.detail = "no TLSA records at " + tlsa.name + ": DANE does not apply";
      return a;
    default:
      a.status = DaneStatus::kLookupFailed;
      a.requirement = DaneRequirement::kUnreachable;
      a.detail = "the TLSA lookup of " + tlsa.name + " failed (" +
                 std::string(dns::ToString(tlsa.status)) +
                 (tlsa.detail.empty() ? "" : ": " + tlsa.detail) +
                 "): DANE senders do not deliver to this host until it answers";
      return a;
  }
  if (tlsa.dnssec != dns::DnssecStatus::kSecure) {
    a.detail = "the TLSA records at " + tlsa.name +
               " are not DNSSEC-secure: DANE does not apply (RFC 7672 §2.2)";
    return a;
  }
  if (a.usable == 0) {
    a.status = DaneStatus::kUnusable;
    a.requirement = DaneRequirement::kEncrypt;
    a.detail = Plural(a.records, "TLSA record", "TLSA records") + " at " + tlsa.name +
               ", none usable for SMTP (only DANE-TA(2) and DANE-EE(3), RFC 7672 §3.1.3): DANE "
               "senders require TLS without authenticating it";
    return a;
  }
  a.requirement = DaneRequirement::kAuthenticate;
  const tls::DaneVerification* check = r.tls ? r.tls->dane.get() : nullptr;
  const std::string usable = Plural(a.usable, "usable TLSA record", "usable TLSA records");
  if (check == nullptr) {
    a.status = DaneStatus::kNoTls;
    a.detail = usable + " at " + tlsa.name + ", but " + NoSessionReason(r) +
               ": DANE senders require TLS and do not deliver to this host";
    return a;
  }
  if (!check->matched) {
    a.status = DaneStatus::kMismatch;
    a.detail = "no " +
               (a.usable == 1 ? std::string("usable TLSA record") : "one of the " + usable) +
               " at " + tlsa.name + " matches the certificate the server presents (" +
               check->verify_error +
               "): DANE senders do not deliver to this host; publish a record for the "
               "current key, or serve the certificate the record names";
    return a;
  }
  a.status = DaneStatus::kMatch;
  a.rollover_risk = a.usable == 1;
  a.detail = "the certificate " + std::string(check->depth == 0 ? "" : "chain ") + "matches TLSA " +
             TlsaText(check->record).substr(0, 6) + "at depth " + std::to_string(check->depth) +
             (check->matched_name.empty() ? "" : " for " + check->matched_name) + " (" + usable +
             ")";
  return a;
}

std::string DaneExplanation(const probe::AddressProbeResult& r) {
  if (!DaneConsidered(r)) return {};
  const DaneAssessment a = AssessDane(r);
  const std::string host = r.mx_host;
  const std::string tlsa_name = r.tlsa ? r.tlsa->name : "_25._tcp." + host;
  const tls::DaneVerification* check = r.tls ? r.tls->dane.get() : nullptr;
  const std::string consequence =
      "Senders that implement DANE (RFC 7672) do not deliver mail to this host: they keep it "
      "queued and return it to its sender after some days.";
  switch (a.status) {
    case DaneStatus::kMismatch: {
      std::string text =
          "Your MX host " + host + " publishes DNSSEC-signed TLSA records at " + tlsa_name +
          ", so senders that implement DANE require its certificate "
          "to match one of them. " +
          (a.usable == 1 ? std::string("The one usable record does not match")
                         : "None of the " + std::to_string(a.usable) + " usable records matches") +
          " the certificate it presents now (most often the certificate was "
          "renewed with a new key and the record was not updated). " +
          consequence;
      if (check != nullptr && !check->leaf_spki_sha256.empty()) {
        text += " A record for the key the host presents now: " + tlsa_name + ". IN TLSA " +
                TlsaText({3, 1, 1, check->leaf_spki_sha256}) +
                " (publish it beside the current record, then remove the stale one once its "
                "TTL has passed).";
      }
      return text;
    }
    case DaneStatus::kNoTls:
      return "Your MX host " + host + " publishes DNSSEC-signed TLSA records at " + tlsa_name +
             ", which makes TLS mandatory for senders that implement DANE, but " +
             NoSessionReason(r) + ". " + consequence;
    case DaneStatus::kBogus:
    case DaneStatus::kLookupFailed:
      return "DNS answers for your MX host " + host +
             " cannot be used by a sender that validates DNSSEC: " + a.detail + ". " + consequence +
             " Fix the zone's signatures (or the server answering for " + tlsa_name + ").";
    case DaneStatus::kUnusable:
      return "Your MX host " + host + " publishes TLSA records at " + tlsa_name +
             " but none that SMTP can use (RFC 7672 §3.1.3 allows only usages 2 and 3): senders "
             "that implement DANE require TLS from it but cannot authenticate it. Publish a "
             "DANE-EE(3) or DANE-TA(2) record, or remove the unusable ones.";
    default:
      return {};
  }
}

std::string_view Rfc8460DaneResultType(const DaneAssessment& a) {
  switch (a.status) {
    case DaneStatus::kUnusable:
    case DaneStatus::kMismatch:
      return "tlsa-invalid";
    case DaneStatus::kBogus:
    case DaneStatus::kLookupFailed:
      return "dnssec-invalid";
    default:
      return "";
  }
}

}  // namespace stx::assess
