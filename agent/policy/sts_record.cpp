#include "policy/sts_record.hpp"

#include <cctype>
#include <vector>

namespace stx::policy {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsBlank(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsBlank(text.back())) text.remove_suffix(1);
  return text;
}

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// RFC 8461 §3.1: sts-id = 1*32(ALPHA / DIGIT).
bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  for (const char c : id)
    if (!IsAlnum(c)) return false;
  return true;
}

// sts-ext-name = (ALPHA / DIGIT) 0*31(ALPHA / DIGIT / "_" / "-" / ".")
bool ValidExtensionName(std::string_view name) {
  if (name.empty() || name.size() > 32 || !IsAlnum(name.front())) return false;
  for (const char c : name)
    if (!IsAlnum(c) && c != '_' && c != '-' && c != '.') return false;
  return true;
}

}  // namespace

std::string_view ToString(StsRecordStatus status) {
  switch (status) {
    case StsRecordStatus::kNone:
      return "none";
    case StsRecordStatus::kOk:
      return "ok";
    case StsRecordStatus::kInvalid:
      return "invalid";
    case StsRecordStatus::kMultiple:
      return "multiple";
    case StsRecordStatus::kLookupFailed:
      return "lookup_failed";
  }
  return "none";
}

StsRecord ReadStsRecord(const dns::TxtAnswer& answer) {
  StsRecord out;
  switch (answer.status) {
    case dns::LookupStatus::kOk:
      break;
    case dns::LookupStatus::kNoData:
    case dns::LookupStatus::kNxDomain:
      out.detail = "no TXT record at " + answer.name;
      return out;
    default:
      out.status = StsRecordStatus::kLookupFailed;
      out.detail = "the TXT lookup of " + answer.name + " failed (" +
                   std::string(dns::ToString(answer.status)) +
                   (answer.detail.empty() ? "" : ": " + answer.detail) + ")";
      return out;
  }
  std::vector<const std::string*> sts;
  for (const std::string& record : answer.records) {
    // "v=STSv1" must come first, followed by ';' (and optional blanks).
    if (record.rfind("v=STSv1", 0) == 0 && Trim(std::string_view(record).substr(7)).rfind(';', 0) == 0)
      sts.push_back(&record);
  }
  if (sts.empty()) {
    out.detail = "no TXT record at " + answer.name + " begins with \"v=STSv1;\"";
    return out;
  }
  if (sts.size() > 1) {
    out.status = StsRecordStatus::kMultiple;
    out.detail = std::to_string(sts.size()) + " records at " + answer.name +
                 " begin with \"v=STSv1;\": senders see no policy (RFC 8461 §3.1 wants one)";
    return out;
  }
  out.text = *sts.front();
  std::string_view rest = std::string_view(out.text).substr(7);
  rest = Trim(rest);
  rest.remove_prefix(1);  // the ';' after the version
  bool have_id = false;
  while (!Trim(rest).empty()) {
    const std::size_t end = rest.find(';');
    const std::string_view field = Trim(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (field.empty()) continue;
    const std::size_t eq = field.find('=');
    const std::string_view key = eq == std::string_view::npos ? field : field.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? "" : field.substr(eq + 1);
    if (eq == std::string_view::npos || !ValidExtensionName(key)) {
      out.status = StsRecordStatus::kInvalid;
      out.detail = "bad field \"" + std::string(field) + "\" in the record at " + answer.name;
      return out;
    }
    if (key == "id" && !have_id) {
      if (!ValidId(value)) {
        out.status = StsRecordStatus::kInvalid;
        out.detail = "id \"" + std::string(value) +
                     "\" is not 1 to 32 letters and digits (RFC 8461 §3.1)";
        return out;
      }
      out.id = std::string(value);
      have_id = true;
    }
  }
  if (!have_id) {
    out.status = StsRecordStatus::kInvalid;
    out.detail = "the record at " + answer.name + " has no id (RFC 8461 §3.1)";
    return out;
  }
  out.status = StsRecordStatus::kOk;
  return out;
}

}  // namespace stx::policy
