#include "smtp/reply_reader.hpp"

#include <algorithm>
#include <cstring>

namespace stx::smtp {
namespace {

// RFC 5321 §4.5.3.1.5: "The maximum total length of a reply line including the reply code and
// the <CRLF> is 512 octets."
constexpr std::size_t kRfcMaxReplyLineOctets = 512;

bool HasNonAscii(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return (c < 0x20 && c != '\t') || c >= 0x7f;
  });
}

std::string Plural(std::size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

std::string_view ToString(ReplyError error) {
  switch (error) {
    case ReplyError::kNone:
      return "none";
    case ReplyError::kMalformedLine:
      return "malformed-line";
    case ReplyError::kLineTooLong:
      return "line-too-long";
    case ReplyError::kTooManyLines:
      return "too-many-lines";
    case ReplyError::kReplyTooLarge:
      return "reply-too-large";
  }
  return "unknown";
}

ReplyReader::ReplyReader(ReplyLimits limits) : limits_(limits) {}

void ReplyReader::Reset() {
  reply_ = Reply{};
  partial_.clear();
  reply_octets_ = 0;
  bare_lf_lines_ = long_lines_ = non_ascii_lines_ = 0;
  complete_ = false;
  error_ = ReplyError::kNone;
  error_detail_.clear();
}

Reply ReplyReader::TakeReply() {
  Reply out = std::move(reply_);
  Reset();
  return out;
}

void ReplyReader::Fail(ReplyError error, std::string detail) {
  error_ = error;
  error_detail_ = std::move(detail);
}

std::size_t ReplyReader::Feed(std::string_view input) {
  std::size_t consumed = 0;
  while (consumed < input.size() && !complete_ && !Failed()) {
    const std::string_view rest = input.substr(consumed);
    const void* lf = std::memchr(rest.data(), '\n', rest.size());
    const std::size_t take =
        lf != nullptr ? static_cast<std::size_t>(static_cast<const char*>(lf) - rest.data()) + 1
                      : rest.size();
    if (reply_octets_ + take > limits_.max_reply_octets) {
      consumed += limits_.max_reply_octets - reply_octets_;
      Fail(ReplyError::kReplyTooLarge,
           "reply exceeds " + std::to_string(limits_.max_reply_octets) + " octets");
      break;
    }
    const std::size_t body = lf != nullptr ? take - 1 : take;
    if (partial_.size() + body > limits_.max_line_octets) {
      consumed += limits_.max_line_octets - partial_.size();
      Fail(ReplyError::kLineTooLong, "line " + std::to_string(reply_.lines.size() + 1) +
                                         " exceeds " + std::to_string(limits_.max_line_octets) +
                                         " octets without a line ending");
      break;
    }
    partial_.append(rest.data(), body);
    reply_octets_ += take;
    consumed += take;
    if (lf != nullptr) FinishLine();
  }
  return consumed;
}

void ReplyReader::FinishLine() {
  ReplyLine line;
  line.octets = partial_.size() + 1;
  line.bare_lf = partial_.empty() || partial_.back() != '\r';
  if (!line.bare_lf) partial_.pop_back();
  const std::size_t number = reply_.lines.size() + 1;
  if (!ParseReplyLine(partial_, line)) {
    Fail(ReplyError::kMalformedLine, "line " + std::to_string(number) +
                                         " is not an SMTP reply line: \"" +
                                         EscapeForDisplay(partial_.substr(0, 80)) + "\"");
    partial_.clear();
    return;
  }
  partial_.clear();
  if (line.bare_lf) ++bare_lf_lines_;
  if (line.octets > kRfcMaxReplyLineOctets) ++long_lines_;
  if (HasNonAscii(line.raw)) ++non_ascii_lines_;
  const bool final_line = !line.continued;
  reply_.lines.push_back(std::move(line));
  if (reply_.lines.size() > limits_.max_lines) {
    Fail(ReplyError::kTooManyLines,
         "reply has more than " + std::to_string(limits_.max_lines) + " lines");
    return;
  }
  if (!final_line) return;

  complete_ = true;
  reply_.code = reply_.lines.back().code;
  const std::size_t total = reply_.lines.size();
  if (bare_lf_lines_ > 0) {
    reply_.findings.push_back({FindingCode::kBareLf, "",
                               Plural(bare_lf_lines_, "line") + " of " + std::to_string(total) +
                                   " end with a bare LF instead of CRLF (RFC 5321 §2.3.8)"});
  }
  if (long_lines_ > 0) {
    reply_.findings.push_back(
        {FindingCode::kLineTooLong, "",
         Plural(long_lines_, "line") + " longer than 512 octets (RFC 5321 §4.5.3.1.5)"});
  }
  if (non_ascii_lines_ > 0) {
    reply_.findings.push_back(
        {FindingCode::kNonAscii, "",
         Plural(non_ascii_lines_, "line") + " with NUL, control or non-ASCII bytes"});
  }
  for (std::size_t i = 1; i < total; ++i) {
    if (reply_.lines[i].code != reply_.lines[0].code) {
      reply_.findings.push_back({FindingCode::kMixedReplyCodes, "",
                                 "line " + std::to_string(i + 1) + " has code " +
                                     std::to_string(reply_.lines[i].code) + " but line 1 has " +
                                     std::to_string(reply_.lines[0].code) +
                                     " (RFC 5321 §4.2: one code for all lines)"});
      break;
    }
  }
}

}  // namespace stx::smtp
