#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "smtp/reply.hpp"

namespace stx::smtp {

/// Bounds on what one reply may cost. A hostile server can make a reply fail, never make the
/// reader grow past these.
struct ReplyLimits {
  std::size_t max_line_octets = 4096;  ///< RFC 5321 allows 512; generous, then refuse
  std::size_t max_lines = 256;         ///< real EHLO replies have a few dozen lines
  std::size_t max_reply_octets = 65536;
};

enum class ReplyError {
  kNone,
  kMalformedLine,  ///< a line that is not "<code>[-| ]text"
  kLineTooLong,    ///< a line longer than max_line_octets
  kTooManyLines,
  kReplyTooLarge,
};
/// "malformed-line", "line-too-long", "too-many-lines", "reply-too-large".
std::string_view ToString(ReplyError error);

/// Incremental, sans-I/O reader for one SMTP reply (RFC 5321 §4.2). Feed it bytes as they
/// arrive; it consumes exactly up to the end of the final line, so whatever the server sent
/// after the reply stays with the caller (pipelined data, or a premature final line).
/// Work per byte is constant: a server dripping bytes cannot make it quadratic.
class ReplyReader {
 public:
  explicit ReplyReader(ReplyLimits limits = {});

  /// Consumes bytes from the front of `input`; returns how many were consumed. Stops after
  /// the final line of the reply, or at the first error.
  std::size_t Feed(std::string_view input);

  bool Complete() const { return complete_; }
  bool Failed() const { return error_ != ReplyError::kNone; }
  ReplyError error() const { return error_; }
  /// A specific, human-readable reason when Failed().
  const std::string& error_detail() const { return error_detail_; }
  /// The reply so far (complete when Complete()); lines parsed before an error are kept.
  const Reply& reply() const { return reply_; }
  Reply TakeReply();
  /// The bytes of the line being received, not yet ended (at most max_line_octets): the
  /// evidence when a server stops or closes mid-line.
  const std::string& unterminated_line() const { return partial_; }

  /// Starts over for the next reply (keeps the limits).
  void Reset();

 private:
  void FinishLine();
  void Fail(ReplyError error, std::string detail);

  ReplyLimits limits_;
  Reply reply_;
  std::string partial_;  // the line being received, bounded by max_line_octets
  std::size_t reply_octets_ = 0;
  std::size_t bare_lf_lines_ = 0;
  std::size_t long_lines_ = 0;
  std::size_t non_ascii_lines_ = 0;
  bool complete_ = false;
  ReplyError error_ = ReplyError::kNone;
  std::string error_detail_;
};

}  // namespace stx::smtp
