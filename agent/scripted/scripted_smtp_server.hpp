#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scripted/server_script.hpp"

namespace stx::scripted {

/// What one client did on one connection, as the scripted server saw it.
struct ConnectionRecord {
  static constexpr std::size_t kNoTls = static_cast<std::size_t>(-1);

  std::string peer;  ///< "127.0.0.1:54321"
  /// Every command line received, in order, without its line terminator (CRLF or bare LF).
  std::vector<std::string> lines;
  /// Index in `lines` of the first line received over TLS; kNoTls when none was.
  std::size_t first_tls_line = kNoTls;
  /// A line ended in a bare LF: RFC 5321 §2.3.8 requires CRLF from the client.
  bool bare_lf = false;
  /// The client sent bytes after STARTTLS before the handshake (RFC 3207 §4: STARTTLS must
  /// end a pipelined group); the server discarded them.
  bool pipelined_after_starttls = false;
  bool line_too_long = false;
  bool tls_attempted = false;    ///< a TLS server handshake was started
  bool tls_established = false;  ///< and it succeeded
  std::string tls_error;         ///< why it failed, when it did
  std::string tls_version;       ///< "TLSv1.3", ... when established
  std::string sni;               ///< server name the ClientHello carried ("" when none)
  /// Messages taken (ServerScript::accept_mail) before TLS and over TLS.
  std::size_t messages_in_clear = 0;
  std::size_t messages_over_tls = 0;
  bool closed = false;           ///< the server is done with this connection
  /// Bytes the server wrote (that the kernel accepted) on this connection, TLS records included.
  std::uint64_t bytes_sent = 0;

  /// Lines received before TLS (all of them when TLS never started).
  std::vector<std::string> PlaintextLines() const;
  /// Lines received over TLS.
  std::vector<std::string> TlsLines() const;
  /// True when some line's verb (first word, case-insensitive, RFC 5321 §2.4) is `verb`.
  bool HasCommand(std::string_view verb) const;
};

/// An in-process SMTP server on a loopback address that plays a ServerScript to every
/// connection. It runs its own io_context on its own thread, so a test may drive a client on
/// another io_context (or block) in the test thread. It takes mail only when the script says
/// so (accept_mail), and then only counts it.
/// Binds in the constructor, so port() is valid at once; throws when it cannot listen.
class ScriptedSmtpServer {
 public:
  /// `address` must be a loopback address ("127.0.0.1", "::1"); port 0 picks a free port.
  explicit ScriptedSmtpServer(ServerScript script, std::string address = "127.0.0.1",
                              std::uint16_t port = 0);
  ~ScriptedSmtpServer();  ///< Stop()s
  ScriptedSmtpServer(const ScriptedSmtpServer&) = delete;
  ScriptedSmtpServer& operator=(const ScriptedSmtpServer&) = delete;

  std::uint16_t port() const;
  const std::string& address() const;
  const ServerScript& script() const;
  /// The CA to trust when the server generated its own certificate (the script named none);
  /// "" otherwise.
  const std::string& ca_path() const;

  /// Closes the listener and every connection, then joins the server thread. Idempotent.
  void Stop();

  /// A snapshot of every connection so far, in accept order. Thread-safe.
  std::vector<ConnectionRecord> Connections() const;
  std::size_t ConnectionCount() const;
  /// Waits until at least `count` connections have been accepted and all of them are closed;
  /// false on timeout. Use it before asserting on Connections() to avoid racing the server.
  bool WaitForClosed(std::size_t count, std::chrono::milliseconds timeout) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stx::scripted
