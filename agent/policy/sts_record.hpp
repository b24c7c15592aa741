#pragma once
// The MTA-STS TXT record at _mta-sts.<domain> (RFC 8461 §3.1): whether the domain announces a
// policy, and its id.
#include <string>
#include <string_view>

#include "dns/mail_routing.hpp"

namespace stx::policy {

enum class StsRecordStatus {
  kNone,          ///< no record starting "v=STSv1" (NXDOMAIN, NODATA or only other TXT records)
  kOk,            ///< exactly one, valid: the domain has a policy
  kInvalid,       ///< exactly one, but not valid (no id, a bad id, a bad field)
  kMultiple,      ///< more than one "v=STSv1" record
  kLookupFailed,  ///< SERVFAIL, timeout, ...: a sender keeps its cached policy (§5.1)
};
/// "none", "ok", "invalid", "multiple", "lookup_failed".
std::string_view ToString(StsRecordStatus status);

struct StsRecord {
  StsRecordStatus status = StsRecordStatus::kNone;
  std::string id;      ///< 1 to 32 letters and digits, with kOk
  std::string text;    ///< the record as published, with kOk and kInvalid
  std::string detail;  ///< why, for every status but kOk
};

/// RFC 8461 §3.1: records that do not begin "v=STSv1;" are discarded; not exactly one left
/// means "no policy" to a sender (kNone, kMultiple), as does an invalid one. Fields are
/// "key=value" separated by ';' with optional blanks; "id" is required, 1*32(ALPHA / DIGIT);
/// unknown fields are extensions and ignored.
StsRecord ReadStsRecord(const dns::TxtAnswer& answer);

}  // namespace stx::policy
