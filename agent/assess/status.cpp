#include "assess/status.hpp"

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
  bool any_not_compliant = false;
  for (const auto& target : results) {
    switch (TargetStatus(&target)) {
      case Status::kMisordered:
      case Status::kNoStarttls:
        any_not_compliant = true;
        break;
      case Status::kCompliant:
      case Status::kNullMx:  // the domain takes no mail: nothing is sent in clear
        break;
      case Status::kError:
      case Status::kUnknown:
        any_error = true;
        break;
    }
    // A partner is listed under its worst address; an error beside a finding still counts.
    for (const auto& r : target.results) any_error = any_error || r.error.has_value();
    any_error = any_error || target.error.has_value();
  }
  if (any_not_compliant) return kNotCompliant;
  if (any_error) return kErrorOrUsage;
  return kAllCompliant;
}

}  // namespace stx::assess
