#pragma once
// What every rendering of a partner's bytes must be, for the renderer tests and the renderer
// fuzz target (no GoogleTest here): valid UTF-8, and no control character a terminal or a
// browser would act on beyond those the format lays text out with.
#include <string>
#include <string_view>

#include "common/display_text.hpp"

namespace stx::test {

/// "" when `text` is valid UTF-8 whose only control characters are in `allowed`; else what
/// is wrong and where.
inline std::string Undisplayable(std::string_view text, std::string_view allowed) {
  std::size_t offset = 0;
  for (std::string_view rest = text; !rest.empty();) {
    const auto c = DecodeUtf8(rest);
    if (!c) return "invalid UTF-8 at byte " + std::to_string(offset);
    const bool allowed_control =
        c->code_point < 0x80 &&
        allowed.find(static_cast<char>(c->code_point)) != std::string_view::npos;
    if (IsControl(c->code_point) && !allowed_control) {
      return "control character U+" + std::to_string(static_cast<unsigned>(c->code_point)) +
             " at byte " + std::to_string(offset);
    }
    offset += c->length;
    rest.remove_prefix(c->length);
  }
  return "";
}

}  // namespace stx::test
