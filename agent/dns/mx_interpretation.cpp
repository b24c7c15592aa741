#include "dns/mx_interpretation.hpp"

#include <algorithm>
#include <string>
#include <tuple>

namespace stx::dns {
namespace {

constexpr std::string_view kNotAskedDetail = "not asked";

/// "example.test." and "example.test" name the same domain; exchanger hosts carry no dot.
std::string WithoutTrailingDot(std::string_view name) {
  if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);
  return std::string(name);
}

std::string FailureDetail(std::string_view domain, const MxAnswer& mx) {
  std::string detail = "MX lookup for " + std::string(domain) + " failed: ";
  detail += ToString(mx.status);
  if (!mx.detail.empty()) detail += " (" + mx.detail + ")";
  return detail;
}

/// "A nodata" / "AAAA timeout (no answer ...)": one asked family's outcome for a detail text.
std::string Outcome(std::string_view type, const AddressAnswer& answer) {
  std::string text = std::string(type) + " " + std::string(ToString(answer.status));
  if (answer.status != LookupStatus::kNoData && answer.status != LookupStatus::kNxDomain &&
      !answer.detail.empty()) {
    text += " (" + answer.detail + ")";
  }
  return text;
}

bool IsAbsence(LookupStatus status) {
  return status == LookupStatus::kNoData || status == LookupStatus::kNxDomain;
}

}  // namespace

void SortMxRecords(std::vector<MxRecord>& records) {
  std::stable_sort(records.begin(), records.end(), [](const MxRecord& a, const MxRecord& b) {
    return std::tie(a.preference, a.host) < std::tie(b.preference, b.host);
  });
}

MailRouting InterpretMx(std::string_view domain, const MxAnswer& mx) {
  MailRouting routing;
  routing.domain = std::string(domain);
  routing.mx_status = mx.status;
  routing.mx_dnssec = mx.dnssec;
  routing.mx_why_bogus = mx.why_bogus;

  if (mx.status == LookupStatus::kOk && !mx.records.empty()) {
    std::vector<MxRecord> records;
    for (const auto& record : mx.records) {
      // RFC 7505 §3: "." means "no mail". Mixed with real exchangers it is a misconfiguration
      // that senders resolve by using the real ones, so the real ones are what we probe.
      if (!record.host.empty() && record.host != ".") records.push_back(record);
    }
    if (records.empty()) {
      routing.kind = RoutingKind::kNullMx;
      return routing;
    }
    SortMxRecords(records);
    routing.kind = RoutingKind::kMx;
    for (auto& record : records) {
      MailExchanger exchanger;
      exchanger.host = std::move(record.host);
      exchanger.preference = record.preference;
      routing.exchangers.push_back(std::move(exchanger));
    }
    return routing;
  }

  // RFC 5321 §5.1: with no MX records (NOERROR, no data) the domain itself is the exchanger,
  // "with a preference of 0". kOk with no records cannot come from the resolver but means the
  // same.
  if (mx.status == LookupStatus::kNoData || mx.status == LookupStatus::kOk) {
    routing.kind = RoutingKind::kImplicit;
    MailExchanger exchanger;
    exchanger.host = WithoutTrailingDot(domain);
    exchanger.preference = 0;
    routing.exchangers.push_back(std::move(exchanger));
    return routing;
  }

  routing.kind = RoutingKind::kFailed;
  routing.detail = FailureDetail(domain, mx);
  return routing;
}

void KeepPrimaryExchangers(MailRouting& routing) {
  if (routing.exchangers.empty()) return;
  const auto lowest = std::min_element(routing.exchangers.begin(), routing.exchangers.end(),
                                       [](const MailExchanger& a, const MailExchanger& b) {
                                         return a.preference < b.preference;
                                       })
                          ->preference;
  std::erase_if(routing.exchangers,
                [lowest](const MailExchanger& e) { return e.preference != lowest; });
}

AddressAnswer NotAsked() {
  AddressAnswer answer;
  answer.status = LookupStatus::kError;
  answer.detail = std::string(kNotAskedDetail);
  return answer;
}

bool IsNotAsked(const AddressAnswer& answer) {
  return answer.status == LookupStatus::kError && answer.detail == kNotAskedDetail;
}

void FinishImplicitMx(MailRouting& routing) {
  if (routing.kind != RoutingKind::kImplicit || routing.exchangers.empty()) return;
  const MailExchanger& self = routing.exchangers.front();
  const bool asked_v4 = !IsNotAsked(self.ipv4);
  const bool asked_v6 = !IsNotAsked(self.ipv6);
  if (!asked_v4 && !asked_v6) return;
  const bool has_address =
      (asked_v4 && !self.ipv4.addresses.empty()) || (asked_v6 && !self.ipv6.addresses.empty());
  if (has_address) return;

  const bool all_absent =
      (!asked_v4 || IsAbsence(self.ipv4.status)) && (!asked_v6 || IsAbsence(self.ipv6.status));
  std::string outcomes;
  if (asked_v4) outcomes += Outcome("A", self.ipv4);
  if (asked_v6) outcomes += (outcomes.empty() ? "" : ", ") + Outcome("AAAA", self.ipv6);

  routing.kind = RoutingKind::kFailed;
  if (all_absent) {
    routing.detail = "no MX records and no address records for " + routing.domain +
                     " (RFC 5321 §5.1 implicit MX needs an address): " + outcomes;
  } else {
    routing.detail = "no MX records for " + routing.domain +
                     " and its address lookup failed (implicit MX, RFC 5321 §5.1): " + outcomes;
  }
}

}  // namespace stx::dns
