#include "scripted/server_script.hpp"

namespace stx::scripted {
namespace {

// A firehose writes this much per write: large enough to fill any socket buffer quickly,
// small enough that the server itself stays small.
constexpr std::size_t kFloodWrite = 16 * 1024;

std::string Repeat(const std::string& unit, std::size_t at_least) {
  std::string out;
  out.reserve(at_least + unit.size());
  while (out.size() < at_least) out += unit;
  return out;
}

constexpr const char* kUnavailable =
    "421 4.3.2 mx.test Service not available, closing transmission channel\r\n";

}  // namespace

ServerScript ServerScript::Compliant() { return ServerScript{}; }

ServerScript ServerScript::Misordered() {
  // Verbatim from the seed article (Cisco ESA "STARTTLS command not supported"): the first
  // EHLO line must be the greeting (RFC 5321 §4.1.1.1, RFC 1869 ehlo-ok-rsp), so a strict
  // client takes "STARTTLS" for the domain and never sees the extension.
  ServerScript s;
  s.banner = "220 mail.domain1.com ESMTP Service ready\r\n";
  s.ehlo_reply =
      "250-STARTTLS\r\n"
      "250-mail.domain1.com\r\n"
      "250-8BITMIME\r\n"
      "250-PIPELINING\r\n"
      "250-HELP\r\n"
      "250-DELIVERBY 300\r\n"
      "250 SIZE 30000000\r\n";
  s.ehlo_reply_tls =
      "250-mail.domain1.com\r\n"
      "250-8BITMIME\r\n"
      "250-PIPELINING\r\n"
      "250-HELP\r\n"
      "250-DELIVERBY 300\r\n"
      "250 SIZE 30000000\r\n";
  return s;
}

ServerScript ServerScript::NoStarttls() {
  ServerScript s;
  s.ehlo_reply = "250-mx.test Hello\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n";
  s.starttls_reply = "502 5.5.1 Error: command not implemented\r\n";
  s.after_starttls = AfterStarttls::kStayPlain;
  return s;
}

ServerScript ServerScript::StarttlsRefused() {
  ServerScript s;
  s.starttls_reply = "454 4.7.0 TLS not available due to local problem\r\n";
  s.after_starttls = AfterStarttls::kStayPlain;
  return s;
}

ServerScript ServerScript::BrokenTls() {
  ServerScript s;
  s.after_starttls = AfterStarttls::kGarbage;
  return s;
}

ServerScript ServerScript::MultiLineBanner() {
  ServerScript s;
  s.banner =
      "220-mx.test ESMTP ready\r\n"
      "220-This is a scripted test server.\r\n"
      "220 It accepts no mail.\r\n";
  return s;
}

ServerScript ServerScript::SlowBanner(std::chrono::milliseconds delay) {
  ServerScript s;
  s.banner_delay = delay;
  return s;
}

ServerScript ServerScript::Silent() {
  ServerScript s;
  s.silent = true;
  return s;
}

ServerScript ServerScript::MaskedStarttls() {
  // The PIX/ASA fixup overwrites the extension's letters with X (keeping the line length) and
  // replaces any command outside its allow-list by X's, which the server rejects.
  ServerScript s;
  s.ehlo_reply =
      "250-mx.test Hello\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-XXXXXXXA\r\n"
      "250 8BITMIME\r\n";
  s.starttls_reply = "500 5.5.1 Command unrecognized: \"XXXXXXXX\"\r\n";
  s.after_starttls = AfterStarttls::kStayPlain;
  return s;
}

ServerScript ServerScript::PrematureFinalLine() {
  // "250 " ends a reply (RFC 5321 §4.2.1); the lines after it belong to no reply. A client
  // that reads on for STARTTLS is desynchronised. Sent in one write, so they arrive together.
  ServerScript s;
  s.ehlo_reply = "250 mx.test\r\n250-STARTTLS\r\n250 SIZE 1000\r\n";
  return s;
}

ServerScript ServerScript::PlaintextInjection() {
  ServerScript s;
  s.starttls_injection = "250 injected\r\n";
  return s;
}

ServerScript ServerScript::Dripping(std::chrono::milliseconds per_byte) {
  ServerScript s;
  s.ehlo_chunk_size = 1;
  s.ehlo_chunk_delay = per_byte;
  return s;
}

ServerScript ServerScript::EndlessLine() {
  ServerScript s;
  s.ehlo_reply = "250-mx.test ";
  s.ehlo_flood = std::string(kFloodWrite, 'X');
  return s;
}

ServerScript ServerScript::EndlessReply() {
  ServerScript s;
  s.ehlo_reply = "250-mx.test Hello\r\n";
  s.ehlo_flood =
      Repeat("250-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\r\n", kFloodWrite);
  return s;
}

ServerScript ServerScript::HugeEhlo(int lines) {
  ServerScript s;
  s.ehlo_reply = "250-mx.test Hello\r\n";
  s.ehlo_reply += Repeat("250-X\r\n", static_cast<std::size_t>(lines) * 7);
  s.ehlo_reply += "250 STARTTLS\r\n";
  return s;
}

ServerScript ServerScript::BinaryBytes() {
  // RFC 5321 §4.2: reply text is printable US-ASCII. NUL, a lone continuation byte, an
  // over-long encoding and Latin-1 all appear here; STARTTLS itself is intact and well placed.
  ServerScript s;
  s.ehlo_reply = std::string(
      "250-mx.test Hello \xff\xfe\r\n"
      "250-X-NUL \0 inside\r\n"
      "250-X-BAD-UTF8 \xc0\xaf \x80 caf\xe9\r\n"
      "250-STARTTLS\r\n"
      "250 8BITMIME\r\n",
      96);
  return s;
}

ServerScript ServerScript::MixedCodes() {
  ServerScript s;
  s.ehlo_reply = "250-mx.test Hello\r\n220-PIPELINING\r\n251-STARTTLS\r\n250 8BITMIME\r\n";
  return s;
}

ServerScript ServerScript::ClosedMidBanner() {
  ServerScript s;
  s.banner = "220 mx.te";
  s.after_banner = Hangup::kClose;
  return s;
}

ServerScript ServerScript::ClosedMidEhlo() {
  ServerScript s;
  s.ehlo_reply = "250-mx.test Hel";
  s.after_ehlo = Hangup::kClose;
  return s;
}

ServerScript ServerScript::ResetAfterEhlo() {
  ServerScript s;
  s.after_ehlo = Hangup::kReset;
  return s;
}

ServerScript ServerScript::ResetOnEhlo() {
  ServerScript s;
  s.ehlo_reply.clear();
  s.after_ehlo = Hangup::kReset;
  return s;
}

ServerScript ServerScript::SilentAfterReady() {
  ServerScript s;
  s.after_starttls = AfterStarttls::kStall;
  return s;
}

ServerScript ServerScript::StallMidHandshake() {
  ServerScript s;
  s.after_starttls = AfterStarttls::kStallMidHandshake;
  return s;
}

ServerScript ServerScript::HugeCertChain(std::size_t bytes) {
  ServerScript s;
  s.cert_chain_padding = bytes;
  return s;
}

ServerScript ServerScript::RejectingBanner() {
  ServerScript s;
  s.banner = "554 5.3.2 mx.test No SMTP service here\r\n";
  return s;
}

ServerScript ServerScript::BusyBanner() {
  ServerScript s;
  s.banner = "421 4.7.0 mx.test Too many connections, try again later\r\n";
  s.after_banner = Hangup::kClose;
  return s;
}

ServerScript ServerScript::UnavailableOnEhlo() {
  ServerScript s;
  s.ehlo_reply = kUnavailable;
  s.after_ehlo = Hangup::kClose;
  return s;
}

ServerScript ServerScript::UnavailableOnStarttls() {
  ServerScript s;
  s.starttls_reply = kUnavailable;
  s.after_starttls = AfterStarttls::kClose;
  return s;
}

ServerScript ServerScript::Unsolicited421() {
  // RFC 5321 §3.8: "421 ... can be issued ... asynchronously from command receipt (on the
  // assumption that the client will receive it after the next command is issued)".
  ServerScript s;
  s.hangup_notice = "421 4.3.2 mx.test Service shutting down, closing transmission channel\r\n";
  s.after_banner = Hangup::kClose;
  return s;
}

ServerScript ServerScript::NeverReads() {
  ServerScript s;
  s.after_banner = Hangup::kMute;
  s.receive_buffer = 1;  // the kernel rounds it up to its minimum (a few KiB)
  return s;
}

ServerScript ServerScript::NeverReadsNorSpeaks() {
  ServerScript s = NeverReads();
  s.banner.clear();
  return s;
}

}  // namespace stx::scripted
