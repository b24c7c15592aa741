#include "assess/sender_verdict.hpp"

#include <openssl/tls1.h>

#include <array>

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
    case Delivery::kTls:
      return "tls";
    case Delivery::kClear:
      return "clear";
    case Delivery::kDeferred:
      return "deferred";
  }
  return "deferred";
}

SenderOutcome Outcome(const probe::AddressProbeResult& r, std::size_t profile) {
  using probe::TlsOutcome;
  const auto profiles = smtp::ClientProfiles();
  if (profile >= profiles.size()) return {};
  const smtp::ClientProfile& p = profiles[profile];
  if (r.ehlo_class == smtp::EhloClass::kError) {
    // No EHLO reply: no sender gets as far as a message (RFC 5321 §4.5.4.1 retries later).
    return {false, false, Delivery::kDeferred,
            "no EHLO reply" + (r.error ? ": " + r.error->Reason() : std::string())};
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
  const std::string version = r.tls ? r.tls->version : std::string();
  // The probe offers every version OpenSSL has, so the server chose its highest: a sender
  // whose lowest is above it cannot agree on one.
  const int number = VersionNumber(version);
  if (p.tls.min_version != 0 && number != 0 && number < p.tls.min_version) {
    return WithoutTls(p.no_tls.failed, true,
                      "the server's highest TLS version is " + version + "; the sender needs " +
                          std::string(VersionName(p.tls.min_version)) + " or later");
  }
  if (p.tls.verifies_certificate && r.tls &&
      !(r.tls->chain_valid && (r.tls->hostname_valid || !p.tls.checks_host_name))) {
    const std::string why = !r.tls->chain_valid
                                ? "certificate not trusted: " + r.tls->verify_error
                                : "certificate not valid for " + r.tls->expected_host;
    return WithoutTls(p.no_tls.failed, true, why);
  }
  return {true, true, Delivery::kTls, version.empty() ? "TLS" : version};
}

bool SeesStarttls(const probe::AddressProbeResult& result, std::size_t profile) {
  return result.ehlo_class != smtp::EhloClass::kError && profile < smtp::kMaxClientProfiles &&
         result.ehlo.sees_starttls.test(profile);
}

bool GetsTls(const probe::AddressProbeResult& result, std::size_t profile) {
  return SeesStarttls(result, profile) && result.tls_outcome == probe::TlsOutcome::kEstablished;
}

std::string Verdict(const probe::AddressProbeResult& r, std::size_t profile) {
  using probe::TlsOutcome;
  if (r.ehlo_class == smtp::EhloClass::kError) {
    return "cannot deliver: " + (r.error ? r.error->detail : std::string("no EHLO reply"));
  }
  if (!SeesStarttls(r, profile)) {
    return "sends in clear (or defers when TLS is required): STARTTLS not seen";
  }
  switch (r.tls_outcome) {
    case TlsOutcome::kEstablished:
      return "uses TLS (" + (r.tls ? r.tls->version + ", " + r.tls->cipher : "") + ")";
    case TlsOutcome::kStarttlsRefused:
      return "sends in clear or defers: STARTTLS refused (" + r.tls_detail + ")";
    case TlsOutcome::kStarttlsFailed:
      return "defers: STARTTLS failed (" + r.tls_detail + ")";
    case TlsOutcome::kHandshakeFailed:
      return "defers or falls back to clear text: TLS handshake failed (" + r.tls_detail + ")";
    case TlsOutcome::kNotAttempted:
      break;
  }
  return "STARTTLS not attempted";
}

}  // namespace stx::assess
