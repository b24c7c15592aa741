#include "policy/sts_record.hpp"

#include "policy/txt_record.hpp"

#include <cctype>
#include <vector>

namespace stx::policy {
namespace {

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
  const PickedTxt picked = PickTaggedRecord(answer, "v=STSv1", /*needs_delimiter=*/true);
  out.detail = picked.detail;
  switch (picked.pick) {
    case TxtPick::kOne:
      break;
    case TxtPick::kNone:
      return out;
    case TxtPick::kLookupFailed:
      out.status = StsRecordStatus::kLookupFailed;
      return out;
    case TxtPick::kMultiple:
      out.status = StsRecordStatus::kMultiple;
      out.detail += ": senders see no policy (RFC 8461 §3.1 wants one)";
      return out;
  }
  out.text = *picked.record;
  std::string_view rest = std::string_view(out.text).substr(7);
  rest = TrimBlanks(rest);
  rest.remove_prefix(1);  // the ';' after the version
  bool have_id = false;
  while (!TrimBlanks(rest).empty()) {
    const std::size_t end = rest.find(';');
    const std::string_view field = TrimBlanks(rest.substr(0, end));
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
        out.detail =
            "id \"" + std::string(value) + "\" is not 1 to 32 letters and digits (RFC 8461 §3.1)";
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
