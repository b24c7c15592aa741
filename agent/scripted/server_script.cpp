#include "scripted/server_script.hpp"

namespace stx::scripted {

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

}  // namespace stx::scripted
