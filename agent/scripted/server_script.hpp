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
  /// Read the ClientHello, send the first record of the real server flight (the ServerHello)
  /// and then nothing more: read and discard until the client gives up.
  kStallMidHandshake,
};

/// How a scripted server ends a connection on its own initiative.
enum class Hangup {
  kNone,   ///< go on with the dialogue
  kClose,  ///< orderly close: FIN after the last byte sent
  kReset,  ///< abortive close: RST (SO_LINGER {on, 0}, then close)
  kMute,   ///< never read nor write again; the connection stays open until `idle_timeout`
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
  /// What the server does right after the banner (kNone: wait for commands). A banner cut
  /// mid-line with kClose is a server dying mid-greeting; an empty one with kMute accepts the
  /// connection and then neither speaks nor reads.
  Hangup after_banner = Hangup::kNone;
  /// Sent `hangup_delay` after the banner or the EHLO reply, right before an `after_banner` /
  /// `after_ehlo` hangup: e.g. an unsolicited "421 ..." (RFC 5321 §3.8 lets a server send it
  /// at any time, even "asynchronously from command receipt", and close).
  std::string hangup_notice;
  std::chrono::milliseconds hangup_delay{0};
  /// SO_RCVBUF of each accepted connection (0: the system's). A tiny buffer and a server that
  /// never reads (kMute) close the TCP window, so the client's writes stall.
  int receive_buffer = 0;

  // --- Plaintext dialogue ---
  std::string ehlo_reply =
      "250-mx.test Hello\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n"
      "250 8BITMIME\r\n";
  /// When non-zero, the EHLO replies (plaintext and TLS) go out in writes of this many bytes
  /// with `ehlo_chunk_delay` between them: a slow or fragmenting server.
  std::size_t ehlo_chunk_size = 0;
  std::chrono::milliseconds ehlo_chunk_delay{0};
  /// When non-zero (and less than its size), the plaintext EHLO reply goes out in two writes:
  /// its first `ehlo_split_at` bytes, then, `ehlo_split_pause` later, the rest. The connection
  /// has TCP_NODELAY, so each write leaves at once as a segment of its own, and the client
  /// reads the first before the second arrives: a reply split across TCP segments anywhere.
  std::size_t ehlo_split_at = 0;
  std::chrono::milliseconds ehlo_split_pause{15};
  std::string helo_reply = "250 mx.test\r\n";
  /// What the server does right after the plaintext EHLO reply (and its flood, if any).
  Hangup after_ehlo = Hangup::kNone;
  /// When non-empty, the plaintext EHLO reply is followed by this, written again and again as
  /// fast as the client takes it, until a write fails or `idle_timeout` passes: a firehose
  /// (an endless line when neither holds a line end, an endless reply when this is lines).
  std::string ehlo_flood;

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
  /// When non-zero, the served chain is padded with copies of its last certificate until it
  /// holds at least this many DER bytes: far beyond any sane chain (a few KiB) and beyond the
  /// 100 KiB OpenSSL-based clients accept by default (SSL_CTX_set_max_cert_list).
  std::size_t cert_chain_padding = 0;
  std::string tls_host = "mx.test";
  /// OpenSSL protocol versions (TLS1_2_VERSION, TLS1_3_VERSION, ...); 0 = library default.
  int min_tls_version = 0;
  int max_tls_version = 0;
  /// OpenSSL cipher list for TLS 1.2 and below, in the server's order of preference (it
  /// chooses, not the client), at security level 0; empty = the library's default.
  std::string cipher_list;
  std::string ehlo_reply_tls =
      "250-mx.test Hello\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n";
  /// Reply to STARTTLS once TLS is active (RFC 3207 §4.2: STARTTLS is no longer offered).
  std::string starttls_again_reply = "554 5.5.1 Error: TLS already active\r\n";

  // --- Everything else ---
  std::string quit_reply = "221 2.0.0 Bye\r\n";
  std::string noop_reply = "250 2.0.0 Ok\r\n";  ///< NOOP and RSET (RFC 5321 §4.1.1.5, §4.1.1.9)
  /// Any other command, MAIL, RCPT and DATA included unless `accept_mail`.
  std::string unknown_reply = "502 5.5.2 Error: command not recognized\r\n";
  /// Take mail like a receiving MTA (RFC 5321 §3.3): MAIL and RCPT get 250, DATA gets 354,
  /// the message is read up to its "." line (§4.1.1.4) and answered 250; each message taken
  /// is counted in the connection's record, in clear or over TLS. What a real sender did with
  /// the server is read from those counts.
  bool accept_mail = false;
  /// Longest message taken; a longer one is answered 552 (§4.5.3.1.10) and not counted.
  std::size_t max_message_octets = 1 << 20;
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

  // --- Hostile presets: each must cost a client at most its deadline ---
  /// The EHLO reply one byte per `per_byte`.
  static ServerScript Dripping(std::chrono::milliseconds per_byte = std::chrono::seconds(1));
  /// "250-mx.test " and then bytes without a line end, as fast as the client reads.
  static ServerScript EndlessLine();
  /// "250-..." continuation lines without a final line, as fast as the client reads.
  static ServerScript EndlessReply();
  /// An EHLO reply of `lines` continuation lines, then "250 STARTTLS".
  static ServerScript HugeEhlo(int lines = 100000);
  /// NUL, 8-bit and invalid UTF-8 bytes inside an otherwise compliant EHLO reply.
  static ServerScript BinaryBytes();
  /// An EHLO reply whose lines carry different codes (RFC 5321 §4.2 wants one).
  static ServerScript MixedCodes();
  /// The banner cut mid-line ("220 mx.te"), then FIN.
  static ServerScript ClosedMidBanner();
  /// The EHLO reply cut mid-line ("250-mx.test Hel"), then FIN.
  static ServerScript ClosedMidEhlo();
  /// A complete EHLO reply, then RST.
  static ServerScript ResetAfterEhlo();
  /// RST instead of the EHLO reply.
  static ServerScript ResetOnEhlo();
  /// 220 to STARTTLS, then silence: no TLS byte ever.
  static ServerScript SilentAfterReady();
  /// 220 to STARTTLS, the ServerHello, then silence.
  static ServerScript StallMidHandshake();
  /// A chain padded to `bytes` (default 10 MiB).
  static ServerScript HugeCertChain(std::size_t bytes = std::size_t{10} << 20);
  /// "554 5.3.2" as the greeting (RFC 5321 §3.1: no service).
  static ServerScript RejectingBanner();
  /// "421 4.7.0 Too many connections" as the greeting, then FIN (rate limiting).
  static ServerScript BusyBanner();
  /// "421 4.3.2 Service not available" as the reply to EHLO, then FIN.
  static ServerScript UnavailableOnEhlo();
  /// "421 4.3.2 Service not available" as the reply to STARTTLS, then FIN.
  static ServerScript UnavailableOnStarttls();
  /// The banner, then at once an unsolicited "421 ..." and FIN, without reading anything.
  static ServerScript Unsolicited421();
  /// The banner, then never reads (tiny receive buffer) nor writes.
  static ServerScript NeverReads();
  /// Accepts the connection, then never reads nor writes: not even a banner.
  static ServerScript NeverReadsNorSpeaks();
};

}  // namespace stx::scripted
