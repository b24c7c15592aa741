#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/finding.hpp"

namespace stx::smtp {

/// One line of a server reply, RFC 5321 §4.2: Reply-code [ ("-" / SP) textstring ] CRLF.
struct ReplyLine {
  int code = 0;            ///< the three-digit reply code
  bool continued = false;  ///< '-' after the code: more lines follow
  std::string text;        ///< octets after the separator, without the line ending (raw)
  std::string raw;         ///< the whole line as received, without the line ending (raw)
  bool bare_lf = false;    ///< ended with LF alone instead of CRLF
  std::size_t octets = 0;  ///< length on the wire including the line ending
};

/// A complete reply: lines up to and including the first line without '-'.
struct Reply {
  int code = 0;  ///< code of the final line (what a client acts on)
  std::vector<ReplyLine> lines;
  /// Deviations seen while reading this reply (context left empty: the caller knows it).
  std::vector<Finding> findings;

  bool Positive() const { return code >= 200 && code < 300; }
  /// All lines' text joined with " / " for one-line messages (raw bytes escaped).
  std::string Summary() const;
};

/// Parses one reply line (without its line ending). False when it is not a reply line:
/// the code must match %x32-35 %x30-35 %x30-39 and be followed by '-', SP or nothing.
bool ParseReplyLine(std::string_view line, ReplyLine& out);

/// Renders bytes for a terminal or a web page: printable ASCII as is, everything else as \xHH.
std::string EscapeForDisplay(std::string_view bytes);

}  // namespace stx::smtp
