#include "policy/tls_rpt.hpp"

#include "policy/txt_record.hpp"

namespace stx::policy {

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
  const PickedTxt picked = PickTaggedRecord(answer, "v=TLSRPTv1", /*needs_delimiter=*/false);
  out.detail = picked.detail;
  switch (picked.pick) {
    case TxtPick::kOne:
      out.detail.clear();
      break;
    case TxtPick::kNone:
      return out;
    case TxtPick::kLookupFailed:
      out.status = TlsRptStatus::kLookupFailed;
      return out;
    case TxtPick::kMultiple:
      out.status = TlsRptStatus::kMultiple;
      out.detail += ": senders send no report (RFC 8460 §3)";
      return out;
  }
  std::string_view rest = TrimBlanks(*picked.record).substr(10);
  while (!rest.empty()) {
    const std::size_t end = rest.find(';');
    const std::string_view field = TrimBlanks(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (field.rfind("rua=", 0) != 0) continue;
    std::string_view uris = field.substr(4);
    while (!uris.empty()) {
      const std::size_t comma = uris.find(',');
      const std::string_view uri = TrimBlanks(uris.substr(0, comma));
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
