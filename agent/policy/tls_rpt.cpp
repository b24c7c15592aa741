#include "policy/tls_rpt.hpp"

namespace stx::policy {
namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::string_view ToString(TlsRptStatus status) {
  switch (status) {
    case TlsRptStatus::kNone:
      return "none";
    case TlsRptStatus::kOk:
      return "ok";
    case TlsRptStatus::kInvalid:
      return "invalid";
    case TlsRptStatus::kMultiple:
      return "multiple";
    case TlsRptStatus::kLookupFailed:
      return "lookup_failed";
  }
  return "none";
}

TlsRptRecord ReadTlsRptRecord(const dns::TxtAnswer& answer) {
  TlsRptRecord out;
  switch (answer.status) {
    case dns::LookupStatus::kOk:
      break;
    case dns::LookupStatus::kNoData:
    case dns::LookupStatus::kNxDomain:
      out.detail = "no TXT record at " + answer.name;
      return out;
    default:
      out.status = TlsRptStatus::kLookupFailed;
      out.detail = "the TXT lookup of " + answer.name + " failed (" +
                   std::string(dns::ToString(answer.status)) + ")";
      return out;
  }
  std::vector<const std::string*> reports;
  for (const std::string& record : answer.records) {
    const std::string_view text = Trim(record);
    if (text.rfind("v=TLSRPTv1", 0) == 0 &&
        (text.size() == 10 || Trim(text.substr(10)).rfind(';', 0) == 0)) {
      reports.push_back(&record);
    }
  }
  if (reports.empty()) {
    out.detail = "no TXT record at " + answer.name + " begins with \"v=TLSRPTv1\"";
    return out;
  }
  if (reports.size() > 1) {
    out.status = TlsRptStatus::kMultiple;
    out.detail = std::to_string(reports.size()) + " records at " + answer.name +
                 " begin with \"v=TLSRPTv1\": senders send no report (RFC 8460 §3)";
    return out;
  }
  std::string_view rest = Trim(*reports.front()).substr(10);
  while (!rest.empty()) {
    const std::size_t end = rest.find(';');
    const std::string_view field = Trim(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (field.rfind("rua=", 0) != 0) continue;
    std::string_view uris = field.substr(4);
    while (!uris.empty()) {
      const std::size_t comma = uris.find(',');
      const std::string_view uri = Trim(uris.substr(0, comma));
      uris = comma == std::string_view::npos ? std::string_view() : uris.substr(comma + 1);
      if (uri.rfind("mailto:", 0) == 0 || uri.rfind("https://", 0) == 0) {
        out.rua.emplace_back(uri);
      } else if (!uri.empty()) {
        out.detail = "rua \"" + std::string(uri) + "\" is neither mailto: nor https: (ignored)";
      }
    }
  }
  if (out.rua.empty()) {
    out.status = TlsRptStatus::kInvalid;
    if (out.detail.empty()) out.detail = "the record at " + answer.name + " has no rua";
    return out;
  }
  out.status = TlsRptStatus::kOk;
  return out;
}

}  // namespace stx::policy
