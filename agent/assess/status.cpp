#include "assess/status.hpp"

#include "assess/sender_verdict.hpp"
#include "smtp/client_profile.hpp"

namespace stx::assess {

std::string_view ToString(Status status) {
  switch (status) {
    case Status::kMisordered:
      return "misordered";
    case Status::kNoStarttls:
      return "no_starttls";
    case Status::kError:
      return "error";
    case Status::kCompliant:
      return "compliant";
    case Status::kNullMx:
      return "null_mx";
    case Status::kUnknown:
      return "unknown";
  }
  return "unknown";
}

std::string_view Describe(Status status) {
  switch (status) {
    case Status::kMisordered:
      return "STARTTLS on the EHLO greeting line or after the final line: strict senders "
             "(Postfix, Cisco ESA, Go, Python) do not see it and send in clear text or defer; "
             "lenient tools report TLS";
    case Status::kNoStarttls:
      return "STARTTLS not offered: every sender delivers in clear text";
    case Status::kError:
      return "no EHLO reply: DNS, connection, banner or EHLO failed";
    case Status::kCompliant:
      return "STARTTLS offered as RFC 5321 §4.1.1.1 requires";
    case Status::kNullMx:
      return "null MX (RFC 7505): the domain accepts no mail";
    case Status::kUnknown:
      break;
  }
  return "the first probe has not completed";
}

Status AddressStatus(const probe::AddressProbeResult& result) {
  switch (result.ehlo_class) {
    case smtp::EhloClass::kCompliant:
      return Status::kCompliant;
    case smtp::EhloClass::kMisordered:
      return Status::kMisordered;
    case smtp::EhloClass::kNoStarttls:
      return Status::kNoStarttls;
    case smtp::EhloClass::kError:
      break;
  }
  return Status::kError;
}

Status TargetStatus(const probe::TargetProbeResult* last) {
  if (last == nullptr) return Status::kUnknown;
  // kUnknown ranks below every address status: it stands for "nothing seen yet" here.
  Status worst = last->error ? Status::kError : Status::kUnknown;
  for (const auto& r : last->results) {
    if (const Status status = AddressStatus(r); Worse(status, worst)) worst = status;
  }
  if (worst != Status::kUnknown) return worst;
  if (last->routing && last->routing->kind == dns::RoutingKind::kNullMx) return Status::kNullMx;
  return Status::kError;  // a completed probe that reached no address and said nothing: suspect
}

int CheckExitStatus(std::span<const probe::TargetProbeResult> results) {
  bool any_error = false;
  bool any_without_tls = false;
  for (const auto& target : results) {
    // A completed probe with no address and no null MX proves nothing: an error.
    any_error = any_error || target.error.has_value() || TargetStatus(&target) == Status::kError;
    for (const auto& r : target.results) {
      if (r.ehlo_class == smtp::EhloClass::kError) {
        any_error = true;
        continue;
      }
      // What senders get decides, not the EHLO class alone: STARTTLS refused or a failed
      // handshake leaves every sender without TLS though the reply is compliant.
      for (std::size_t i = 0; i < smtp::ClientProfiles().size(); ++i) {
        if (!smtp::ClientProfiles()[i].reported) continue;
        any_without_tls = any_without_tls || !GetsTls(r, i);
      }
    }
  }
  if (any_without_tls) return kNotCompliant;
  if (any_error) return kErrorOrUsage;
  return kAllCompliant;  // a null MX too: the domain takes no mail, nothing is sent in clear
}

}  // namespace stx::assess
