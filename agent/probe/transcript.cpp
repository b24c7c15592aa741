#include "probe/transcript.hpp"

#include <algorithm>

namespace stx::probe {
namespace {

constexpr unsigned kFlagBits = 3;
// 512 MiB of text; a transcript is bounded far below (ProbeOptions::max_transcript_lines lines
// of at most smtp::ReplyLimits octets each), so a longer text is only cut, never wrapped.
constexpr std::size_t kMaxText = (std::size_t{1} << (32 - kFlagBits)) - 1;

}  // namespace

void Transcript::push_back(const TranscriptLine& line) {
  const std::size_t room = kMaxText - std::min(kMaxText, text_.size());
  text_.append(line.text.substr(0, room));
  entries_.push_back(static_cast<std::uint32_t>(text_.size() << kFlagBits |
                                                static_cast<std::size_t>(line.direction) << 1 |
                                                static_cast<std::size_t>(line.encrypted)));
}

TranscriptLine Transcript::operator[](std::size_t index) const {
  const std::uint32_t entry = entries_[index];
  const std::size_t begin = index == 0 ? 0 : entries_[index - 1] >> kFlagBits;
  const std::size_t end = entry >> kFlagBits;
  return TranscriptLine{static_cast<TranscriptLine::Direction>(entry >> 1 & 3u), (entry & 1u) != 0,
                        std::string_view(text_).substr(begin, end - begin)};
}

void Transcript::ShrinkToFit() {
  text_.shrink_to_fit();
  entries_.shrink_to_fit();
}

}  // namespace stx::probe
