#include "policy/txt_record.hpp"

namespace stx::policy {

std::string_view TrimBlanks(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

PickedTxt PickTaggedRecord(const dns::TxtAnswer& answer, std::string_view tag,
                           bool needs_delimiter) {
  PickedTxt out;
  switch (answer.status) {
    case dns::LookupStatus::kOk:
      break;
    case dns::LookupStatus::kNoData:
    case dns::LookupStatus::kNxDomain:
      out.detail = "no TXT record at " + answer.name;
      return out;
    default:
      out.pick = TxtPick::kLookupFailed;
      out.detail = "the TXT lookup of " + answer.name + " failed (" +
                   std::string(dns::ToString(answer.status)) +
                   (answer.detail.empty() ? "" : ": " + answer.detail) + ")";
      return out;
  }
  for (const std::string& record : answer.records) {
    if (record.rfind(tag, 0) != 0) continue;
    const std::string_view rest = TrimBlanks(std::string_view(record).substr(tag.size()));
    if (rest.rfind(';', 0) == 0 || (!needs_delimiter && rest.empty())) {
      ++out.count;
      out.record = &record;
    }
  }
  const std::string shown = std::string(tag) + (needs_delimiter ? ";" : "");
  if (out.count == 0) {
    out.detail = "no TXT record at " + answer.name + " begins with \"" + shown + "\"";
  } else if (out.count > 1) {
    out.pick = TxtPick::kMultiple;
    out.record = nullptr;
    out.detail = std::to_string(out.count) + " records at " + answer.name + " begin with \"" +
                 shown + "\"";
  } else {
    out.pick = TxtPick::kOne;
  }
  return out;
}

}  // namespace stx::policy
