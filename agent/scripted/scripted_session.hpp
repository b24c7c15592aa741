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
#include <utility>
#include <vector>

// clang-format off
#include "common/asio.hpp"  // first: it makes Asio's headers compile on Boost 1.74
#include <boost/asio/ssl.hpp>
// clang-format on

#include "scripted/scripted_smtp_server.hpp"
#include "scripted/server_script.hpp"

namespace stx::scripted {

/// Pads the context's certificate chain with copies of its last certificate (the leaf when it
/// has no intermediates) until the chain holds at least `bytes` DER bytes
/// (ServerScript::cert_chain_padding). Every listener serving such a script calls it.
void PadCertificateChain(asio::ssl::context& context, std::size_t bytes);

/// The TLS server context a script asks for: `chain_path` (PEM, leaf first) and `key_path`,
/// the script's TLS version range and chain padding, SNI acknowledged. One for a
/// ScriptedSmtpServer, one per distinct script in a fleet. Throws std::invalid_argument for a
/// version range OpenSSL refuses, and whatever Asio throws for unreadable files.
std::unique_ptr<asio::ssl::context> MakeServerTlsContext(const ServerScript& script,
                                                         const std::string& chain_path,
                                                         const std::string& key_path);

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
  /// Adds `bytes` written to connection `index`'s bytes_sent.
  void CountSent(std::size_t index, std::size_t bytes) {
    if (bytes > 0) Update(index, [bytes](ConnectionRecord& r) { r.bytes_sent += bytes; });
  }
  bool WaitForClosed(std::size_t count, std::chrono::milliseconds timeout) const;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  const bool keep_records_;
  std::size_t opened_ = 0;
  std::vector<ConnectionRecord> records_;
};

/// The TLS stream's next layer: the connection's socket, counting every byte written through it
/// (TLS records, the handshake included) into the connection's record.
class CountingSocket {
 public:
  using executor_type = asio::ip::tcp::socket::executor_type;
  using lowest_layer_type = asio::ip::tcp::socket::lowest_layer_type;

  CountingSocket(asio::ip::tcp::socket& socket, ConnectionLog& log, std::size_t index)
      : socket_(&socket), log_(&log), index_(index) {}

  executor_type get_executor() { return socket_->get_executor(); }
  lowest_layer_type& lowest_layer() { return socket_->lowest_layer(); }

  template <class Buffers, class Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler) {
    socket_->async_read_some(buffers, std::forward<Handler>(handler));
  }
  template <class Buffers, class Handler>
  void async_write_some(const Buffers& buffers, Handler&& handler) {
    auto counted = [log = log_, index = index_, inner = std::forward<Handler>(handler)](
                       const boost::system::error_code& ec, std::size_t n) mutable {
      log->CountSent(index, n);
      std::move(inner)(ec, n);
    };
    socket_->async_write_some(buffers, std::move(counted));
  }

 private:
  asio::ip::tcp::socket* socket_;
  ConnectionLog* log_;
  std::size_t index_;
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
  using TlsStream = asio::ssl::stream<CountingSocket>;

  awaitable<void> Play();
  awaitable<Next> OnStarttls();
  awaitable<void> ServeTls();
  awaitable<void> Watchdog(std::shared_ptr<ScriptedSession> self);
  awaitable<bool> Sleep(std::chrono::milliseconds delay);
  awaitable<void> DiscardUntilClosed();
  awaitable<bool> HangUp(Hangup how);
  awaitable<void> SendServerHello();

  template <class Stream>
  awaitable<Next> Converse(Stream& stream, bool over_tls);
  template <class Stream>
  awaitable<std::optional<std::string>> ReadLine(Stream& stream, bool over_tls);
  template <class Stream>
  awaitable<bool> Send(Stream& stream, std::string_view bytes, bool chunked);
  /// The plaintext EHLO reply: chunked, split in two, or in one write, as the script says.
  awaitable<bool> SendEhloReply();
  /// MAIL, RCPT and DATA of a server that takes mail; false when the connection ended.
  template <class Stream>
  awaitable<bool> TakeMail(Stream& stream, const std::string& verb, bool over_tls);

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
  bool mail_from_ = false;  // a MAIL command was accepted in the current transaction
  bool recipient_ = false;  // and at least one RCPT
};

}  // namespace stx::scripted
