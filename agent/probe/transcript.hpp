#pragma once
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace stx::probe {

/// One line of a transcript, as read back: a view into the Transcript that holds it, valid
/// until that transcript changes.
struct TranscriptLine {
  enum class Direction : std::uint8_t { kServer, kClient, kNote };
  Direction direction = Direction::kNote;
  bool encrypted = false;  ///< sent inside TLS
  std::string_view text;   ///< escaped for display (no raw control bytes)
};

/// Every line of one dialogue, in order. The exporter keeps the latest result of every address
/// of every partner, so this is stored compactly: all texts in one buffer and 4 bytes per line.
/// (A std::string per line costs its own size plus a heap block for most lines, and a vector of
/// them grows by doubling: more than the text itself.)
class Transcript {
 public:
  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = TranscriptLine;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = TranscriptLine;

    Iterator() = default;
    Iterator(const Transcript* owner, std::size_t index) : owner_(owner), index_(index) {}
    TranscriptLine operator*() const { return (*owner_)[index_]; }
    Iterator& operator++() {
      ++index_;
      return *this;
    }
    Iterator operator++(int) {
      Iterator before = *this;
      ++index_;
      return before;
    }
    bool operator==(const Iterator& other) const { return index_ == other.index_; }

   private:
    const Transcript* owner_ = nullptr;
    std::size_t index_ = 0;
  };

  /// Appends a copy of `line` (its text is copied into this transcript).
  void push_back(const TranscriptLine& line);
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  TranscriptLine operator[](std::size_t index) const;
  TranscriptLine back() const { return (*this)[size() - 1]; }
  Iterator begin() const { return Iterator(this, 0); }
  Iterator end() const { return Iterator(this, size()); }

  /// Gives back the capacity beyond the lines held: a stored result keeps no growth slack.
  void ShrinkToFit();

 private:
  std::string text_;  ///< every line's text, back to back
  /// Per line: the end offset of its text in text_ << 3 | direction << 1 | encrypted.
  std::vector<std::uint32_t> entries_;
};

}  // namespace stx::probe
