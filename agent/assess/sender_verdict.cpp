#include "assess/sender_verdict.hpp"

#include <openssl/tls1.h>

#include <algorithm>
#include <array>

#include "assess/dane.hpp"
#include "assess/mta_sts.hpp"
#include "smtp/client_profile.hpp"

namespace stx::assess {
namespace {

// OpenSSL's numbers for the versions, with their names as SSL_get_version() spells them.
struct TlsVersion {
  int number;
  std::string_view name;
};
constexpr std::array<TlsVersion, 5> kTlsVersions{{{TLS1_3_VERSION, "TLSv1.3"},
                                                  {TLS1_2_VERSION, "TLSv1.2"},
                                                  {TLS1_1_VERSION, "TLSv1.1"},
                                                  {TLS1_VERSION, "TLSv1"},
                                                  {SSL3_VERSION, "SSLv3"}}};

// 0 when the name is none of them.
int VersionNumber(std::string_view name) {
  for (const TlsVersion& v : kTlsVersions)
    if (v.name == name) return v.number;
  return 0;
}

std::string_view VersionName(int number) {
  for (const TlsVersion& v : kTlsVersions)
    if (v.number == number) return v.name;
  return "an unknown TLS version";
}

// What a sender does when it gets no TLS: `action` of its row, for `reason`.
// "DANE" for "dane": how people read a policy's name.
std::string PolicyName(const std::string& policy) {
  return policy == "dane" ? "DANE" : policy == "mta-sts" ? "MTA-STS" : policy;
}

SenderOutcome WithoutTls(smtp::NoTlsAction action, bool starttls, std::string reason) {
  SenderOutcome out;
  out.starttls = starttls;
  switch (action) {
    case smtp::NoTlsAction::kClear:
      out.delivery = Delivery::kClear;
      break;
    case smtp::NoTlsAction::kClearRetry:
      out.delivery = Delivery::kClear;
      reason += "; retried in clear on a new connection";
      break;
    case smtp::NoTlsAction::kDefer:
      out.delivery = Delivery::kDeferred;
      break;
    case smtp::NoTlsAction::kDeferThenClear:
      out.delivery = Delivery::kDeferred;
      reason += "; deferred, then sent in clear on a later attempt";
      break;
  }
  out.reason = std::move(reason);
  return out;
}


}  // namespace

std::string_view ToString(Delivery delivery) {
  switch (delivery) {
    case Delivery::kTlsAuthenticated:
      return "tls_authenticated";
    case Delivery::kTls:
      return "tls";
    case Delivery::kClear:
      return "clear";
    case Delivery::kDeferred:
      return "deferred";
  }
  return "deferred";
}

namespace {

// What the sender of `p` does without any policy of the partner's: its own reading, its own
// TLS acceptance and its own fallback.
SenderOutcome Opportunistic(const probe::AddressProbeResult& r, std::size_t profile,
                            const smtp::ClientProfile& p) {
  using probe::TlsOutcome;
  if (r.ehlo_class == smtp::EhloClass::kError) {
    // No EHLO reply: no sender gets as far as a message (RFC 5321 §4.5.4.1 retries later).
    return {false, false, Delivery::kDeferred,
            "no EHLO reply" + (r.error ? ": " + r.error->Reason() : std::string())};
  }
  // RFC 5321 §4.2.1: a reply ends at its first final line. A sender reads the lines the
  // server sent after it as the reply to its next command and is out of step from then on:
  // no sender run here delivered such a message.
  const bool lines_after_reply =
      std::any_of(r.findings.begin(), r.findings.end(), [](const smtp::Finding& f) {
        return f.code == smtp::FindingCode::kStarttlsAfterFinalLine ||
               (f.code == smtp::FindingCode::kTextAfterFinalLine && f.context == "ehlo");
      });
  if (lines_after_reply) {
    // Out of step by whole positive replies, a sender that judges replies by their first
    // digit reads a 2xx to DATA as leave to send and sends the message in clear; the 354
    // then read as the reply to the message is a failure, which it reports, while the
    // server may have taken the message. With STARTTLS seen, it reads the first of those
    // lines as the reply to STARTTLS: a refusal (RFC 3207 §4 wants 220).
    if (p.out_of_step == smtp::OutOfStep::kSendsOnPositiveReplies && r.ehlo_trailing_positive &&
        !SeesStarttls(r, profile) && p.no_tls.missing != smtp::NoTlsAction::kDefer &&
        p.no_tls.missing != smtp::NoTlsAction::kDeferThenClear) {
      return {false, false, Delivery::kDeferred,
              "lines after the EHLO reply's final line, all positive, read as the replies to "
              "the next commands: the message goes in clear and the sender reports a failure "
              "(the server may have taken it)",
              true};
    }
    return {false, false, Delivery::kDeferred,
            "lines after the EHLO reply's final line put the sender out of step with the "
            "server"};
  }
  if (!SeesStarttls(r, profile)) return WithoutTls(p.no_tls.missing, false, "STARTTLS not seen");
  switch (r.tls_outcome) {
    case TlsOutcome::kNotAttempted:
      return WithoutTls(p.no_tls.missing, false, "STARTTLS not attempted");
    case TlsOutcome::kStarttlsRefused:
      return WithoutTls(p.no_tls.refused, true, "STARTTLS refused: " + r.tls_detail);
    case TlsOutcome::kStarttlsFailed:
      return WithoutTls(p.no_tls.failed, true, "no usable reply to STARTTLS: " + r.tls_detail);
    case TlsOutcome::kHandshakeFailed:
      return WithoutTls(p.no_tls.failed, true, "TLS handshake failed: " + r.tls_detail);
    case TlsOutcome::kEstablished:
      break;
  }
  // RFC 3207 §5: text between the 220 and the handshake must be discarded; senders differ.
  const bool injected =
      std::any_of(r.findings.begin(), r.findings.end(), [](const smtp::Finding& f) {
        return f.code == smtp::FindingCode::kPlaintextInjection;
      });
  if (injected) {
    switch (p.injection) {
      case smtp::Injection::kDiscarded:
        break;
      case smtp::Injection::kFailsHandshake:
        return WithoutTls(p.no_tls.failed, true,
                          "text after the 220 to STARTTLS broke the sender's TLS handshake");
      case smtp::Injection::kDesynchronises:
        return {true, true, Delivery::kDeferred,
                "text after the 220 to STARTTLS read as a reply over TLS: out of step"};
      case smtp::Injection::kEndsSession:
        return {true, false, Delivery::kDeferred,
                "text after the 220 to STARTTLS: the sender ends the session"};
    }
  }
  // The probe offers every cipher OpenSSL has; where the server chose one that no sender
  // offers, the second handshake, made as a mainstream sender, is what a real sender gets.
  // The readings (strict, lenient) stand for any session.
  const tls::TlsFacts* session = r.tls ? &*r.tls : nullptr;
  if (r.mainstream && p.kind == smtp::ProfileKind::kSender) {
    if (r.mainstream->outcome != TlsOutcome::kEstablished || !r.mainstream->tls) {
      return WithoutTls(p.no_tls.failed, true,
                        r.mainstream->why + "; with what senders offer: " + r.mainstream->detail);
    }
    session = &*r.mainstream->tls;
  }
  const std::string version = session ? session->version : std::string();
  // The probe offers every version OpenSSL has, so the server chose its highest: a sender
  // whose lowest is above it cannot agree on one.
  const int number = VersionNumber(version);
  if (p.tls.min_version != 0 && number != 0 && number < p.tls.min_version) {
    return WithoutTls(p.no_tls.failed, true,
                      "the server's highest TLS version is " + version + "; the sender needs " +
                          std::string(VersionName(p.tls.min_version)) + " or later");
  }
  if (p.tls.verifies_certificate && session &&
      !(session->chain_valid && (session->hostname_valid || !p.tls.checks_host_name))) {
    const std::string why = !session->chain_valid
                                ? "certificate not trusted: " + session->verify_error
                                : "certificate not valid for " + session->expected_host;
    return WithoutTls(p.no_tls.failed, true, why);
  }
  // A sender that checks the chain and the name has authenticated the server it talks to.
  const bool authenticated = p.tls.verifies_certificate && p.tls.checks_host_name && session;
  return {true, true, authenticated ? Delivery::kTlsAuthenticated : Delivery::kTls,
          version.empty() ? "TLS" : version};
}

// RFC 7672 §2.2: what a DANE sender does where DANE applies. TLS is mandatory: whatever made
// the sender fall back to clear makes it defer instead.
SenderOutcome UnderDane(const probe::AddressProbeResult& r, std::size_t profile,
                        const smtp::ClientProfile& p, const DaneAssessment& dane) {
  SenderOutcome out;
  out.policy = "dane";
  if (dane.requirement == DaneRequirement::kUnreachable) {
    out.reason = dane.status != DaneStatus::kBogus ? "the TLSA lookup failed"
                 : r.address_dnssec == dns::DnssecStatus::kBogus
                     ? "the MX or address answer is DNSSEC-bogus"
                     : "the TLSA answer is DNSSEC-bogus";
    return out;
  }
  SenderOutcome base = Opportunistic(r, profile, p);
  if (!base.tls) {
    out.starttls = base.starttls;
    out.copy_in_clear = base.copy_in_clear;
    out.reason = base.reason + "; DANE requires TLS";
    return out;
  }
  if (dane.requirement == DaneRequirement::kEncrypt) {
    base.delivery = Delivery::kTls;
    base.reason += ", not authenticated (no usable TLSA record)";
    base.policy = out.policy;
    return base;
  }
  if (dane.status != DaneStatus::kMatch) {
    out.starttls = true;
    out.reason = "no usable TLSA record matches the certificate";
    return out;
  }
  base.delivery = Delivery::kTlsAuthenticated;
  base.reason += ", DANE-authenticated";
  base.policy = out.policy;
  return base;
}

// RFC 8461 §5: what a sender does where the partner's policy is in enforce mode. An MX host
// the policy does not cover is not used; elsewhere TLS 1.2 or later with a certificate valid
// for the MX host is mandatory, and the sender defers rather than send in clear.
SenderOutcome UnderMtaSts(const probe::AddressProbeResult& r, std::size_t profile,
                          const smtp::ClientProfile& p, const StsAssessment& sts) {
  SenderOutcome out;
  out.policy = "mta-sts";
  if (sts.status == StsStatus::kMxNotCovered) {
    out.reason = "the MX host is not covered by the MTA-STS policy";
    return out;
  }
  SenderOutcome base = Opportunistic(r, profile, p);
  if (!base.tls) {
    out.starttls = base.starttls;
    out.copy_in_clear = base.copy_in_clear;
    out.reason = base.reason + "; MTA-STS requires TLS";
    return out;
  }
  if (sts.status != StsStatus::kValid) {
    out.starttls = true;
    out.reason = sts.status == StsStatus::kTlsTooOld
                     ? "TLS below 1.2, which MTA-STS does not accept"
                     : "the certificate is not valid for the MX host, which MTA-STS requires";
    return out;
  }
  base.delivery = Delivery::kTlsAuthenticated;
  base.reason += ", authenticated as MTA-STS requires";
  base.policy = out.policy;
  return base;
}

}  // namespace

SenderOutcome Outcome(const probe::AddressProbeResult& r, std::size_t profile) {
  const auto profiles = smtp::ClientProfiles();
  if (profile >= profiles.size()) return {};
  const smtp::ClientProfile& p = profiles[profile];
  if (p.policy.dane && DaneConsidered(r)) {
    const DaneAssessment dane = AssessDane(r);
    if (DaneApplies(dane)) return UnderDane(r, profile, p, dane);
  }
  // A sender that does both applies DANE where it applies (RFC 8461 §2).
  if (p.policy.mta_sts && r.sts) {
    const StsAssessment sts = AssessMtaSts(r);
    if (sts.enforce) return UnderMtaSts(r, profile, p, sts);
  }
  return Opportunistic(r, profile, p);
}

std::vector<OutcomeGroup> GroupByOutcome(const probe::AddressProbeResult& result,
                                         smtp::ProfileSet which) {
  std::vector<OutcomeGroup> groups;
  for (const Delivery delivery : kDeliveriesWorstFirst) groups.push_back({delivery, {}});
  for (std::size_t i = 0; i < smtp::ClientProfiles().size(); ++i) {
    if (!which.test(i)) continue;
    // kDeliveriesWorstFirst lists the enum backwards: deferred (2) first.
    const auto rank = static_cast<std::size_t>(Delivery::kDeferred) -
                      static_cast<std::size_t>(Outcome(result, i).delivery);
    groups[rank].profiles.push_back(i);
  }
  std::erase_if(groups, [](const OutcomeGroup& g) { return g.profiles.empty(); });
  return groups;
}

std::string OutcomeMatrix(const probe::AddressProbeResult& result, smtp::ProfileSet which) {
  std::string line;
  for (const OutcomeGroup& group : GroupByOutcome(result, which)) {
    line += (line.empty() ? "" : "; ") + std::string(ToString(group.delivery)) + ":";
    const char* separator = " ";
    for (const std::size_t i : group.profiles) {
      (line += separator) += smtp::ClientProfiles()[i].name;
      separator = ", ";
    }
  }
  return line;
}

bool SeesStarttls(const probe::AddressProbeResult& result, std::size_t profile) {
  return result.ehlo_class != smtp::EhloClass::kError && profile < smtp::kMaxClientProfiles &&
         result.ehlo.sees_starttls.test(profile);
}

bool GetsTls(const probe::AddressProbeResult& result, std::size_t profile) {
  return SeesStarttls(result, profile) && result.tls_outcome == probe::TlsOutcome::kEstablished;
}

std::string Verdict(const probe::AddressProbeResult& r, std::size_t profile) {
  if (r.ehlo_class == smtp::EhloClass::kError) {
    return "cannot deliver: " + (r.error ? r.error->detail : std::string("no EHLO reply"));
  }
  const SenderOutcome o = Outcome(r, profile);
  switch (o.delivery) {
    case Delivery::kTlsAuthenticated:
      return "uses TLS and authenticates the server (" +
             (r.tls ? r.tls->version + ", " + r.tls->cipher : std::string("TLS")) +
             (o.policy.empty() ? "" : ", by " + PolicyName(o.policy)) + ")";
    case Delivery::kTls:
      return "uses TLS (" + (r.tls ? r.tls->version + ", " + r.tls->cipher : o.reason) + ")" +
             (o.policy.empty() ? "" : ", as " + PolicyName(o.policy) + " requires, unauthenticated");
    case Delivery::kClear:
      return "sends in clear text: " + o.reason;
    case Delivery::kDeferred:
      break;
  }
  return "does not deliver (defers): " + o.reason +
         (o.policy.empty() ? "" : " (the partner's " + PolicyName(o.policy) + " policy)");
}

}  // namespace stx::assess
