#include "probe/transcript_recorder.hpp"

#include <utility>

namespace stx::probe {

void TranscriptRecorder::Add(TranscriptLine::Direction direction, bool encrypted,
                             std::string_view text) {
  if (lines_.size() >= max_lines_) {
    ++dropped_;
    return;
  }
  lines_.push_back(TranscriptLine{direction, encrypted, text});
}

void TranscriptRecorder::Client(std::string_view command, bool encrypted) {
  Add(TranscriptLine::Direction::kClient, encrypted, smtp::EscapeForDisplay(command));
}

void TranscriptRecorder::Server(const smtp::Reply& reply, bool encrypted) {
  ServerLines(reply.lines, encrypted);
}

void TranscriptRecorder::ServerLines(const std::vector<smtp::ReplyLine>& lines, bool encrypted) {
  for (const auto& line : lines) {
    Add(TranscriptLine::Direction::kServer, encrypted, smtp::EscapeForDisplay(line.raw));
  }
}

void TranscriptRecorder::Note(std::string_view text, bool encrypted) {
  Add(TranscriptLine::Direction::kNote, encrypted, text);
}

void TranscriptRecorder::MoveInto(Transcript& lines, bool& truncated) {
  if (dropped_ > 0) {
    lines_.push_back(TranscriptLine{TranscriptLine::Direction::kNote, false,
                                    std::to_string(dropped_) + " more lines not kept"});
  }
  truncated = dropped_ > 0;
  lines_.ShrinkToFit();
  lines = std::exchange(lines_, Transcript());
  dropped_ = 0;
}

}  // namespace stx::probe
