#pragma once
// Reading SMTP replies from a stream (plain TCP or TLS) into the sans-I/O ReplyReader.
#include <array>
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

  /// Bytes received after the last complete reply and not consumed.
  const std::string& pending() const { return pending_; }

  /// Takes whatever is buffered plus what the socket already holds (without waiting), and
  /// parses it into complete reply lines: what a server sent after a final line.
  template <class Socket>
  std::vector<smtp::ReplyLine> DrainTrailingLines(Socket& socket, std::size_t& raw_bytes) {
    boost::system::error_code ec;
    std::size_t available = socket.available(ec);
    while (!ec && available > 0 && pending_.size() < limits_.max_reply_octets) {
      const std::size_t n = socket.read_some(asio::buffer(chunk_), ec);  // data is there: no wait
      pending_.append(chunk_.data(), n);
      available = socket.available(ec);
    }
    raw_bytes = pending_.size();
    std::vector<smtp::ReplyLine> lines;
    smtp::ReplyReader reader(limits_);
    std::string_view rest = pending_;
    while (!rest.empty()) {
      rest.remove_prefix(reader.Feed(rest));
      if (!reader.Complete()) break;
      for (auto& line : reader.TakeReply().lines) lines.push_back(std::move(line));
    }
    pending_.clear();
    return lines;
  }

  /// Takes and clears the unconsumed bytes.
  std::string TakePending() { return std::exchange(pending_, std::string()); }

 private:
  smtp::ReplyReader reader_;
  smtp::ReplyLimits limits_;
  std::string pending_;
  std::array<char, 4096> chunk_{};
};

}  // namespace stx::probe
