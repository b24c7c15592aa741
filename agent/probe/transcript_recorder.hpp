#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "probe/transcript.hpp"
#include "smtp/reply.hpp"

namespace stx::probe {

/// The evidence an SRE forwards to a partner: every line exchanged, escaped for display, up to
/// a fixed number of lines so a flooding server cannot grow it.
class TranscriptRecorder {
 public:
  explicit TranscriptRecorder(std::size_t max_lines) : max_lines_(max_lines) {}

  void Client(std::string_view command, bool encrypted);
  void Server(const smtp::Reply& reply, bool encrypted);
  void ServerLines(const std::vector<smtp::ReplyLine>& lines, bool encrypted);
  void Note(std::string_view text, bool encrypted = false);

  /// Moves the lines out (and whether any were dropped).
  void MoveInto(Transcript& lines, bool& truncated);

 private:
  void Add(TranscriptLine::Direction direction, bool encrypted, std::string_view text);

  std::size_t max_lines_;
  Transcript lines_;
  std::size_t dropped_ = 0;
};

}  // namespace stx::probe
