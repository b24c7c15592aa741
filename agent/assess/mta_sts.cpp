#include "assess/mta_sts.hpp"

#include <openssl/tls1.h>

#include "policy/sts_policy.hpp"

namespace stx::assess {
namespace {

std::string Patterns(const policy::StsPolicy& p) {
  std::string out;
  for (const auto& pattern : p.mx) out += (out.empty() ? "" : ", ") + pattern;
  return out;
}

bool BelowTls12(const std::string& version) {
  return version == "TLSv1" || version == "TLSv1.1" || version == "SSLv3";
}

}  // namespace

std::string_view ToString(StsStatus status) {
  switch (status) {
    case StsStatus::kNoPolicy:
      return "no_policy";
    case StsStatus::kValid:
      return "valid";
    case StsStatus::kMxNotCovered:
      return "mx_not_covered";
    case StsStatus::kNoTls:
      return "no_tls";
    case StsStatus::kTlsTooOld:
      return "tls_too_old";
    case StsStatus::kCertificateInvalid:
      return "certificate_invalid";
  }
  return "no_policy";
}

StsAssessment AssessMtaSts(const probe::AddressProbeResult& r) {
  StsAssessment a;
  if (!r.sts) {
    a.detail = "no MTA-STS policy in force";
    return a;
  }
  const policy::StsPolicy& p = *r.sts;
  a.enforce = p.mode == policy::StsMode::kEnforce;
  const std::string consequence =
      a.enforce ? ": senders that enforce the policy do not deliver to this host"
                : " (mode testing: senders deliver anyway and report the failure)";
  a.mx_match = policy::StsCovers(p, r.mx_host);
  if (!a.mx_match) {
    a.status = StsStatus::kMxNotCovered;
    a.detail = "MX host " + r.mx_host + " matches none of the policy's mx patterns (" +
               Patterns(p) + ")" + consequence;
    return a;
  }
  if (r.tls_outcome != probe::TlsOutcome::kEstablished || !r.tls) {
    a.status = StsStatus::kNoTls;
    a.detail = "no TLS session with the host" + consequence;
    return a;
  }
  if (BelowTls12(r.tls->version)) {
    a.status = StsStatus::kTlsTooOld;
    a.detail = "the host's highest TLS version is " + r.tls->version +
               ", below the TLS 1.2 MTA-STS requires" + consequence;
    return a;
  }
  if (!r.tls->chain_valid || !r.tls->hostname_valid) {
    a.status = StsStatus::kCertificateInvalid;
    a.detail = (!r.tls->chain_valid ? "the certificate is not trusted (" + r.tls->verify_error + ")"
                                    : "the certificate is not valid for " + r.mx_host) +
               consequence;
    return a;
  }
  a.status = StsStatus::kValid;
  a.detail = "MX host covered by the policy (" + std::string(policy::ToString(p.mode)) + "), TLS " +
             r.tls->version + " with a valid certificate";
  return a;
}

std::string_view Rfc8460StsResultType(const StsAssessment& a) {
  switch (a.status) {
    case StsStatus::kMxNotCovered:
      return "validation-failure";
    case StsStatus::kCertificateInvalid:
      return "certificate-host-mismatch";
    case StsStatus::kNoTls:
      return "starttls-not-supported";
    case StsStatus::kTlsTooOld:
      return "validation-failure";
    default:
      return "";
  }
}

std::string StsExplanation(const probe::AddressProbeResult& r) {
  const StsAssessment a = AssessMtaSts(r);
  if (a.status == StsStatus::kNoPolicy || a.status == StsStatus::kValid) return {};
  std::string text = "Your MTA-STS policy (RFC 8461) is in " +
                     std::string(a.enforce ? "enforce" : "testing") + " mode and your MX host " +
                     r.mx_host + " fails it: ";
  switch (a.status) {
    case StsStatus::kMxNotCovered:
      text += "it matches none of the policy's mx patterns (" + Patterns(*r.sts) + ").";
      break;
    case StsStatus::kNoTls:
      text += "it offers no working STARTTLS.";
      break;
    case StsStatus::kTlsTooOld:
      text += "it offers nothing newer than " + r.tls->version + ".";
      break;
    default:
      text += "its certificate is not valid for " + r.mx_host + " by the public CAs.";
      break;
  }
  text += a.enforce ? " Senders that honour the policy will not deliver mail to this host (they "
                      "defer it when no MX host passes)."
                    : " Senders deliver anyway while the mode is testing, and report the "
                      "failure; switching to enforce would stop them.";
  if (a.status == StsStatus::kMxNotCovered) {
    text +=
        " Add the host (or a *. pattern covering it) to the policy's mx lines and change "
        "the id of the _mta-sts TXT record.";
  }
  return text;
}

}  // namespace stx::assess
