#pragma once
// Reading SMTP replies from a stream (plain TCP or TLS) into the sans-I/O ReplyReader.
#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/asio.hpp"
#include "smtp/reply_reader.hpp"

#include <boost/system/error_code.hpp>

namespace stx::probe {

struct ReadOutcome {
  std::optional<smtp::Reply> reply;  ///< set when a complete reply was read
  boost::system::error_code io_error;
  smtp::ReplyError parse_error = smtp::ReplyError::kNone;
  std::string parse_detail;
  smtp::Reply partial;       ///< lines read before a failure (evidence)
  std::string unterminated;  ///< bytes of a line cut by an I/O failure (evidence, raw)
};

/// Owns the bytes received but not yet consumed. Its buffer never holds more than one read
/// chunk beyond what the ReplyReader has accepted, so memory is bounded by ReplyLimits.
class ReplyChannel {
 public:
  explicit ReplyChannel(smtp::ReplyLimits limits) : reader_(limits), limits_(limits) {}

  template <class Stream>
  awaitable<ReadOutcome> Read(Stream& stream) {
    ReadOutcome out;
    for (;;) {
      if (!pending_.empty()) {
        pending_.erase(0, reader_.Feed(pending_));
        if (reader_.Complete()) {
          out.reply = reader_.TakeReply();
          co_return out;
        }
        if (reader_.Failed()) {
          out.parse_error = reader_.error();
          out.parse_detail = reader_.error_detail();
          out.partial = reader_.TakeReply();
          co_return out;
        }
      }
      const std::size_t n = co_await stream.async_read_some(
          asio::buffer(chunk_), asio::redirect_error(asio::use_awaitable, out.io_error));
      if (out.io_error) {
        out.unterminated = reader_.unterminated_line();
        out.partial = reader_.TakeReply();
        co_return out;
      }
      pending_.append(chunk_.data(), n);
    }
  }

  /// What a server sent after a reply's final line.
  struct Trailing {
    std::vector<smtp::ReplyLine> lines;  ///< the complete lines among it
    std::size_t bytes = 0;               ///< all of it, a line still unterminated included
  };

  /// Takes whatever is buffered plus what the socket already holds, without waiting: what a
  /// server sent after a final line.
  template <class Socket>
  Trailing DrainTrailing(Socket& socket) {
    TakeAvailable(socket);
    Trailing out;
    ParsePending(out.lines);
    return Finish(std::move(out));
  }

  /// As DrainTrailing, then waits for more until `until` while more can arrive and matter:
  /// while what arrived so far stops short of the end of a final line (a line or a reply cut
  /// between TCP segments), and, when nothing arrived at all, only if `wait_if_nothing`. Ends
  /// early when what arrived ends with a final line, when the server closes, or at garbage.
  template <class Socket>
  awaitable<Trailing> ReadTrailing(Socket& socket, std::chrono::steady_clock::time_point until,
                                   bool wait_if_nothing) {
    Trailing out;
    for (;;) {
      TakeAvailable(socket);
      out.lines.clear();
      const PendingState state = ParsePending(out.lines);
      const bool more_can_matter =
          state == PendingState::kCutShort || (state == PendingState::kNothing && wait_if_nothing);
      if (!more_can_matter || pending_.size() >= limits_.max_reply_octets ||
          std::chrono::steady_clock::now() >= until) {
        break;
      }
      if (!(co_await Readable(socket, until))) break;
      boost::system::error_code ec;
      if (socket.available(ec) == 0) break;  // readable with nothing to read: closed
    }
    co_return Finish(std::move(out));
  }

 private:
  enum class PendingState {
    kNothing,   ///< no byte after the final line
    kEnded,     ///< complete replies, the last one ended by its final line
    kCutShort,  ///< a line or a reply not yet ended
    kBroken,    ///< not SMTP reply lines: nothing more to wait for
  };

  template <class Socket>
  void TakeAvailable(Socket& socket) {
    boost::system::error_code ec;
    std::size_t available = socket.available(ec);
    while (!ec && available > 0 && pending_.size() < limits_.max_reply_octets) {
      const std::size_t n = socket.read_some(asio::buffer(chunk_), ec);  // data is there: no wait
      pending_.append(chunk_.data(), n);
      available = socket.available(ec);
    }
  }

  // The complete reply lines in pending_ (which it keeps), and how it ends.
  PendingState ParsePending(std::vector<smtp::ReplyLine>& lines) const {
    if (pending_.empty()) return PendingState::kNothing;
    smtp::ReplyReader reader(limits_);
    std::string_view rest = pending_;
    while (!rest.empty()) {
      rest.remove_prefix(reader.Feed(rest));
      if (reader.Failed()) return PendingState::kBroken;
      if (!reader.Complete()) return PendingState::kCutShort;
      for (auto& line : reader.TakeReply().lines) lines.push_back(std::move(line));
    }
    return PendingState::kEnded;
  }

  Trailing Finish(Trailing out) {
    out.bytes = pending_.size();
    pending_.clear();
    return out;
  }

  // Waits until the socket has bytes to read (or is closed) or `until` passes; false on
  // timeout or error. Boost 1.74 cannot race a wait against a timer, so the timer cancels the
  // wait; the flag keeps a timer that fired too late from cancelling a later operation.
  template <class Socket>
  static awaitable<bool> Readable(Socket& socket, std::chrono::steady_clock::time_point until) {
    asio::steady_timer timer(socket.get_executor(), until);
    auto waiting = std::make_shared<bool>(true);
    auto on_timeout = [&socket, waiting](const boost::system::error_code& ec) {
      if (!ec && *waiting) socket.cancel();
    };
    timer.async_wait(on_timeout);
    boost::system::error_code ec;
    co_await socket.async_wait(Socket::wait_read, asio::redirect_error(asio::use_awaitable, ec));
    *waiting = false;
    timer.cancel();
    co_return !ec;
  }

  smtp::ReplyReader reader_;
  smtp::ReplyLimits limits_;
  std::string pending_;
  std::array<char, 4096> chunk_{};
};

}  // namespace stx::probe
