// libFuzzer target: the sans-I/O reply reader and everything downstream of it that sees a
// server's bytes (EHLO classification, the misordered explanation and corrected reply, banner
// masking). A hostile partner controls every byte here.
//
// Input layout: byte 0 is a header — bits 0-2: how many chunk-size bytes follow (0: feed the
// rest in one piece); bit 3: use tiny ReplyLimits so the limit paths are reachable within
// libFuzzer's default input sizes. Then the chunk sizes (each byte + 1 octets, used in turn),
// then the bytes "from the server".
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/ehlo_classifier.hpp"
#include "smtp/ehlo_explanation.hpp"
#include "smtp/reply_reader.hpp"

namespace {

using stx::smtp::ClassifyEhlo;
using stx::smtp::CorrectedEhloReply;
using stx::smtp::EhloClass;
using stx::smtp::ExplainMisordered;
using stx::smtp::Reply;
using stx::smtp::ReplyLimits;
using stx::smtp::ReplyLine;
using stx::smtp::ReplyReader;

// Trailing lines handed to the classifier: enough to cover a premature final line followed by
// a few more lines, without making the target quadratic in the number of replies.
constexpr std::size_t kMaxTrailingLines = 32;

void Check(bool invariant) {
  if (!invariant) __builtin_trap();
}

void CheckReplyShape(const Reply& reply, const ReplyLimits& limits) {
  Check(reply.lines.size() <= limits.max_lines + 1);
  for (const ReplyLine& line : reply.lines) {
    Check(line.code >= 200 && line.code <= 599);
    Check(line.raw.find('\n') == std::string::npos);
  }
}

void CheckCompleteReply(const Reply& reply, const ReplyLimits& limits) {
  CheckReplyShape(reply, limits);
  Check(!reply.lines.empty());
  Check(reply.code >= 200 && reply.code <= 599);
  Check(reply.code == reply.lines.back().code);
  Check(!reply.lines.back().continued);
  for (std::size_t i = 0; i + 1 < reply.lines.size(); ++i) Check(reply.lines[i].continued);
}

// The corrected reply is meant to be sent to the partner as "what RFC 5321 wants": read back
// through the same parser and classifier it must come out compliant.
void CheckCorrectedReply(const std::vector<std::string>& corrected) {
  Check(!corrected.empty());
  std::string wire;
  for (const std::string& line : corrected) wire += line + "\r\n";
  ReplyLimits generous;
  generous.max_line_octets = wire.size() + 1;
  generous.max_lines = corrected.size() + 1;
  generous.max_reply_octets = wire.size() + 1;
  ReplyReader reader(generous);
  Check(reader.Feed(wire) == wire.size());
  Check(reader.Complete());
  const Reply reparsed = reader.TakeReply();
  Check(reparsed.lines.size() == corrected.size());
  Check(ClassifyEhlo(reparsed).ehlo_class == EhloClass::kCompliant);
}

void CheckDownstream(const std::vector<Reply>& replies) {
  for (std::size_t i = 0; i < replies.size(); ++i) {
    const Reply& reply = replies[i];
    std::vector<ReplyLine> trailing;
    for (std::size_t j = i + 1; j < replies.size() && trailing.size() < kMaxTrailingLines; ++j) {
      for (const ReplyLine& line : replies[j].lines) {
        if (trailing.size() == kMaxTrailingLines) break;
        trailing.push_back(line);
      }
    }
    (void)stx::smtp::LooksLikeMaskedBanner(reply);
    (void)reply.Summary();
    const auto analysis = ClassifyEhlo(reply, trailing);
    if (reply.Positive()) Check(analysis.ehlo_class != EhloClass::kError);
    const std::string explanation = ExplainMisordered(analysis, reply, trailing);
    if (analysis.ehlo_class != EhloClass::kMisordered) {
      Check(explanation.empty());
      continue;
    }
    Check(!explanation.empty());
    Check(analysis.starttls_line >= 1);
    CheckCorrectedReply(CorrectedEhloReply(analysis, reply, trailing));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto* bytes = reinterpret_cast<const char*>(data);
  const unsigned header = data[0];
  const std::size_t chunk_count = std::min<std::size_t>(header & 7u, size - 1);
  const std::string_view chunk_sizes(bytes + 1, chunk_count);
  const std::string_view input(bytes + 1 + chunk_count, size - 1 - chunk_count);

  ReplyLimits limits;
  if ((header & 8u) != 0) {
    limits.max_line_octets = 40;
    limits.max_lines = 6;
    limits.max_reply_octets = 160;
  }

  ReplyReader reader(limits);
  std::vector<Reply> replies;
  std::size_t offset = 0;
  std::size_t next_size = 0;
  std::size_t stalls = 0;
  while (offset < input.size()) {
    std::size_t chunk = input.size() - offset;
    if (!chunk_sizes.empty()) {
      chunk = std::min<std::size_t>(
          chunk, static_cast<unsigned char>(chunk_sizes[next_size++ % chunk_sizes.size()]) + 1u);
    }
    const std::string_view piece = input.substr(offset, chunk);
    const std::size_t consumed = reader.Feed(piece);
    Check(consumed <= piece.size());
    offset += consumed;
    CheckReplyShape(reader.reply(), limits);
    if (reader.Complete()) {
      Check(!reader.Failed());
      Check(consumed > 0 && piece[consumed - 1] == '\n');  // it stops right after a line end
      Reply reply = reader.TakeReply();
      CheckCompleteReply(reply, limits);
      replies.push_back(std::move(reply));
    } else if (reader.Failed()) {
      Check(!reader.error_detail().empty());
      // A probe would give up here; resynchronise instead so the rest of the input is used.
      reader.Reset();
    } else {
      // Neither complete nor failed: it must have taken the whole piece.
      Check(consumed == piece.size());
    }
    // Feed may consume nothing only when it fails at once (reply limit reached exactly at a
    // line end); after Reset it must move on.
    stalls = consumed == 0 ? stalls + 1 : 0;
    Check(stalls < 2);
  }
  Check(offset == input.size());
  if (!reader.Complete() && !reader.Failed()) CheckReplyShape(reader.reply(), limits);
  CheckDownstream(replies);
  return 0;
}
