#pragma once
#include <chrono>
#include <cstddef>
#include <string>

namespace stx::scripted {

/// What the scripted server does once it has sent the reply to STARTTLS.
enum class AfterStarttls {
  kHandshake,  ///< TLS server handshake, then the dialogue continues over TLS (RFC 3207 §4)
  kStayPlain,  ///< the reply refused STARTTLS (454, 502, ...): keep talking plaintext
  kStall,      ///< never speak TLS: read and discard whatever comes, answer nothing
  kGarbage,    ///< wait for the ClientHello, answer it with `tls_garbage`, close
  kClose,      ///< close the connection right after the reply
};

/// Data describing one scripted partner; every connection to a ScriptedSmtpServer plays it
/// from the start. Byte strings are sent exactly as written: they may hold bare LF, NUL,
/// non-UTF-8 and over-long lines, so the client's parser can be fed anything.
struct ServerScript {
  // --- Greeting (RFC 5321 §4.2, §4.3.1) ---
  std::string banner = "220 mx.test ESMTP ready\r\n";
  std::chrono::milliseconds banner_delay{0};
  /// Send nothing at all, ever (no banner, no replies); read and record until the client
  /// closes or `idle_timeout` passes.
  bool silent = false;

  // --- Plaintext dialogue ---
  std::string ehlo_reply =
      "250-mx.test Hello\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n"
      "250 8BITMIME\r\n";
  /// When non-zero, the EHLO replies (plaintext and TLS) go out in writes of this many bytes
  /// with `ehlo_chunk_delay` between them: a slow or fragmenting server.
  std::size_t ehlo_chunk_size = 0;
  std::chrono::milliseconds ehlo_chunk_delay{0};
  std::string helo_reply = "250 mx.test\r\n";

  // --- STARTTLS (RFC 3207) ---
  std::string starttls_reply = "220 2.0.0 Ready to start TLS\r\n";
  /// Plaintext sent in the same write right after `starttls_reply` (the injection of
  /// CVE-2011-0411); RFC 3207 §4.2 has the client discard pre-TLS knowledge, so a correct
  /// client must not act on it.
  std::string starttls_injection;
  AfterStarttls after_starttls = AfterStarttls::kHandshake;
  std::string tls_garbage = "this is not a ServerHello\r\n";

  // --- TLS ---
  /// PEM chain (leaf first) and key served in the handshake. When both are empty, the server
  /// generates a EphemeralPki of its own with a valid certificate for `tls_host` (see
  /// ScriptedSmtpServer::ca_path()).
  std::string cert_chain_path;
  std::string key_path;
  std::string tls_host = "mx.test";
  /// OpenSSL protocol versions (TLS1_2_VERSION, TLS1_3_VERSION, ...); 0 = library default.
  int min_tls_version = 0;
  int max_tls_version = 0;
  std::string ehlo_reply_tls =
      "250-mx.test Hello\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n";
  /// Reply to STARTTLS once TLS is active (RFC 3207 §4.2: STARTTLS is no longer offered).
  std::string starttls_again_reply = "554 5.5.1 Error: TLS already active\r\n";

  // --- Everything else ---
  std::string quit_reply = "221 2.0.0 Bye\r\n";
  std::string noop_reply = "250 2.0.0 Ok\r\n";  ///< NOOP and RSET (RFC 5321 §4.1.1.5, §4.1.1.9)
  /// Any other command, MAIL, RCPT and DATA included: this server never accepts mail.
  std::string unknown_reply = "502 5.5.2 Error: command not recognized\r\n";
  /// Longest command line kept, terminator included. RFC 5321 §4.5.3.1.4 allows 512 octets;
  /// a longer line gets `line_too_long_reply` and the connection closes, so a client cannot
  /// make the server buffer without bound.
  std::size_t max_line_length = 2048;
  std::string line_too_long_reply = "500 5.5.2 Error: line too long\r\n";
  /// A connection with nothing received for this long is closed (RFC 5321 §4.5.3.2.7 allows a
  /// server 5 minutes; tests need far less).
  std::chrono::milliseconds idle_timeout{10000};

  // --- Presets ---
  /// A compliant server: banner, EHLO with STARTTLS last but one, TLS, EHLO without STARTTLS.
  static ServerScript Compliant();
  /// The EHLO reply of the Cisco ESA article: 250-STARTTLS before the greeting line.
  static ServerScript Misordered();
  /// EHLO without STARTTLS; STARTTLS anyway gets 502 and the dialogue stays plaintext.
  static ServerScript NoStarttls();
  /// STARTTLS advertised, refused with 454 4.7.0 (RFC 3207 §4).
  static ServerScript StarttlsRefused();
  /// 220 to STARTTLS, then bytes that are not a TLS ServerHello.
  static ServerScript BrokenTls();
  /// A greeting spread over three 220 lines (RFC 5321 §4.2.1 multiline reply).
  static ServerScript MultiLineBanner();
  static ServerScript SlowBanner(std::chrono::milliseconds delay);
  static ServerScript Silent();
  /// A Cisco PIX/ASA "SMTP fixup" rewrote STARTTLS to 250-XXXXXXXA and mangles the command.
  static ServerScript MaskedStarttls();
  /// A final "250 " line first, then more lines in the same write.
  static ServerScript PrematureFinalLine();
  /// "250 injected" in the same write as the 220 to STARTTLS, then a real handshake.
  static ServerScript PlaintextInjection();
};

}  // namespace stx::scripted
