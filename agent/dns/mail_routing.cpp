#include "dns/mail_routing.hpp"

#include <algorithm>

namespace stx::dns {

std::string_view ToString(LookupStatus status) {
  switch (status) {
    case LookupStatus::kOk:
      return "ok";
    case LookupStatus::kNoData:
      return "nodata";
    case LookupStatus::kNxDomain:
      return "nxdomain";
    case LookupStatus::kServFail:
      return "servfail";
    case LookupStatus::kRefused:
      return "refused";
    case LookupStatus::kTimeout:
      return "timeout";
    case LookupStatus::kError:
      return "error";
  }
  return "error";
}

std::string_view ToString(DnssecStatus status) {
  switch (status) {
    case DnssecStatus::kInsecure:
      return "insecure";
    case DnssecStatus::kSecure:
      return "secure";
    case DnssecStatus::kBogus:
      return "bogus";
  }
  return "insecure";
}

bool UsableForSmtp(const TlsaRecord& record) {
  if (record.usage != 2 && record.usage != 3) return false;
  if (record.selector > 1) return false;
  switch (record.matching_type) {
    case 0:
      return !record.data.empty();
    case 1:
      return record.data.size() == 32;
    case 2:
      return record.data.size() == 64;
    default:
      return false;
  }
}

bool HasUsableTlsa(const TlsaAnswer& answer) {
  return answer.status == LookupStatus::kOk && answer.dnssec == DnssecStatus::kSecure &&
         std::any_of(answer.records.begin(), answer.records.end(), UsableForSmtp);
}

std::string_view ToString(RoutingKind kind) {
  switch (kind) {
    case RoutingKind::kMx:
      return "mx";
    case RoutingKind::kImplicit:
      return "implicit_mx";
    case RoutingKind::kNullMx:
      return "null_mx";
    case RoutingKind::kFailed:
      return "failed";
  }
  return "failed";
}

}  // namespace stx::dns
