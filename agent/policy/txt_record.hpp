#pragma once
// The one TXT record of a policy among a name's TXT records: RFC 8461 §3.1 and RFC 8460 §3 both
// keep the records that start with their version tag and want exactly one left.
#include <cstddef>
#include <string>
#include <string_view>

#include "dns/mail_routing.hpp"

namespace stx::policy {

/// `text` without blanks (SP, HT) at either end.
std::string_view TrimBlanks(std::string_view text);

enum class TxtPick {
  kNone,          ///< NXDOMAIN, NODATA, or no record starts with the tag
  kOne,           ///< exactly one does
  kMultiple,      ///< more than one does
  kLookupFailed,  ///< SERVFAIL, timeout, ...
};

struct PickedTxt {
  TxtPick pick = TxtPick::kNone;
  const std::string* record = nullptr;  ///< with kOne: into the answer
  std::size_t count = 0;                ///< records that start with the tag
  std::string detail;                   ///< why, for every pick but kOne
};

/// The records of `answer` that start with `tag` ("v=STSv1"), followed by ';' after optional
/// blanks, or (unless `needs_delimiter`) by nothing at all.
PickedTxt PickTaggedRecord(const dns::TxtAnswer& answer, std::string_view tag,
                           bool needs_delimiter);

}  // namespace stx::policy
