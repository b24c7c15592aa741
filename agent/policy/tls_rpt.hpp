#pragma once
// The TLS reporting record at _smtp._tls.<domain> (RFC 8460 §3): where senders send their
// daily reports of TLS failures.
#include <string>
#include <string_view>
#include <vector>

#include "dns/mail_routing.hpp"

namespace stx::policy {

enum class TlsRptStatus {
  kNone,          ///< no record starting "v=TLSRPTv1"
  kOk,            ///< exactly one, with at least one rua destination
  kInvalid,       ///< exactly one, but no valid rua
  kMultiple,      ///< more than one: senders use none (RFC 8460 §3)
  kLookupFailed,  ///< SERVFAIL, timeout, ...
};
/// "none", "ok", "invalid", "multiple", "lookup_failed".
std::string_view ToString(TlsRptStatus status);

struct TlsRptRecord {
  TlsRptStatus status = TlsRptStatus::kNone;
  std::vector<std::string> rua;  ///< "mailto:..." and "https://..." destinations
  std::string detail;            ///< why, for every status but kOk
};

/// RFC 8460 §3: "v=TLSRPTv1" first, then "rua=" with comma-separated mailto: or https: URIs.
TlsRptRecord ReadTlsRptRecord(const dns::TxtAnswer& answer);

}  // namespace stx::policy
