#pragma once
// Internals of ScriptedSmtpServer: one connection playing a ServerScript. Not for tests to
// include; they use scripted_smtp_server.hpp, which keeps Asio out of their compile.
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// clang-format off
#include "common/asio.hpp"  // first: it makes Asio's headers compile on Boost 1.74
#include <boost/asio/ssl.hpp>
// clang-format on

#include "scripted/scripted_smtp_server.hpp"
#include "scripted/server_script.hpp"

namespace stx::scripted {

/// The records of every connection, written by the server thread, read by the test thread.
/// A log that does not keep records (a fleet serving thousands of partners for hours) only
/// counts connections: Snapshot() is empty and every session edits one scratch record.
class ConnectionLog {
 public:
  explicit ConnectionLog(bool keep_records = true) : keep_records_(keep_records) {}
  std::size_t Open(std::string peer);
  template <class Edit>
  void Update(std::size_t index, Edit&& edit) {
    {
      std::lock_guard lock(mutex_);
      edit(records_[index]);
    }
    changed_.notify_all();
  }
  std::vector<ConnectionRecord> Snapshot() const;
  std::size_t Count() const;
  bool WaitForClosed(std::size_t count, std::chrono::milliseconds timeout) const;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  const bool keep_records_;
  std::size_t opened_ = 0;
  std::vector<ConnectionRecord> records_;
};

/// Plays the script on one accepted connection. All members run on the server's single
/// thread; only the ConnectionLog is shared with other threads.
class ScriptedSession : public std::enable_shared_from_this<ScriptedSession> {
 public:
  ScriptedSession(asio::ip::tcp::socket socket, const ServerScript& script,
                  asio::ssl::context& tls_context, ConnectionLog& log);

  /// Plays the script until QUIT, the client's close, the idle timeout or Abort(). Never
  /// throws; marks the record closed at the end.
  awaitable<void> Run();
  /// Closes the connection now (server shutdown).
  void Abort();

 private:
  enum class Next { kContinue, kClose, kQuit, kStartTls };
  using TlsStream = asio::ssl::stream<asio::ip::tcp::socket&>;

  awaitable<void> Play();
  awaitable<Next> OnStarttls();
  awaitable<void> ServeTls();
  awaitable<void> Watchdog(std::shared_ptr<ScriptedSession> self);
  awaitable<bool> Sleep(std::chrono::milliseconds delay);
  awaitable<void> DiscardUntilClosed();

  template <class Stream>
  awaitable<Next> Converse(Stream& stream, bool over_tls);
  template <class Stream>
  awaitable<std::optional<std::string>> ReadLine(Stream& stream, bool over_tls);
  template <class Stream>
  awaitable<bool> Send(Stream& stream, std::string_view bytes, bool chunked);

  void Touch();
  void ShortenDeadline(std::chrono::milliseconds within);

  asio::ip::tcp::socket socket_;
  const ServerScript& script_;
  asio::ssl::context& tls_context_;
  ConnectionLog& log_;
  std::size_t index_;
  std::optional<TlsStream> tls_;
  asio::steady_timer delay_timer_;
  asio::steady_timer idle_timer_;
  std::chrono::steady_clock::time_point deadline_;
  std::string inbuf_;  // bounded by max_line_length + chunk_.size()
  std::array<char, 4096> chunk_{};
  bool read_failed_ = false;
  bool line_too_long_ = false;
  bool finished_ = false;
  bool aborted_ = false;
};

}  // namespace stx::scripted
