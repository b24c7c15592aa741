// The profile table's real-sender rows, proven by running the senders. Each row of the
// corpus below is a scripted server that takes mail; each test probes it with the exporter's
// real probe, asks the assessment layer what the profile predicts (STARTTLS sent, TLS up,
// and the message's fate: over TLS, in clear, or not sent), then runs the real sender against
// the same server and reads from the server's record what the sender did. They must agree.
//
// A sender that is not installed, or cannot start, FAILS its tests.
#include <gtest/gtest.h>
#include <openssl/tls1.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "assess/sender_verdict.hpp"
#include "scripted/scripted_smtp_server.hpp"
#include "smtp/client_profile.hpp"
#include "support/child_process.hpp"
#include "support/opensmtpd_sender.hpp"
#include "support/exim_sender.hpp"
#include "support/postfix_sender.hpp"
#include "support/probe_runner.hpp"
#include "support/sendmail_sender.hpp"

namespace stx::test {
namespace {

using namespace std::chrono_literals;
using scripted::ConnectionRecord;
using scripted::ServerScript;

constexpr char kFrom[] = "sender@client.test";
constexpr char kTo[] = "rcpt@partner.test";
constexpr char kMessage[] =
    "From: sender@client.test\r\nTo: rcpt@partner.test\r\nSubject: real sender test\r\n\r\n"
    "hello\r\n";

// ----- The corpus: servers that tell the senders apart ---------------------------------------

// An EHLO reply of the given lines: "250-" before each but the last, "250 " before that.
std::string Ehlo(const std::vector<std::string>& lines) {
  std::string reply;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    reply += (i + 1 < lines.size() ? "250-" : "250 ") + lines[i] + "\r\n";
  }
  return reply;
}

struct Variant {
  const char* name;
  std::function<ServerScript()> script;
};

ServerScript WithEhlo(const std::vector<std::string>& lines) {
  ServerScript s = ServerScript::Compliant();
  s.ehlo_reply = Ehlo(lines);
  return s;
}

const std::vector<Variant>& Corpus() {
  static const std::vector<Variant> corpus = {
      {"compliant", [] { return ServerScript::Compliant(); }},
      // The seed article's reply: STARTTLS on line 1, where the greeting belongs.
      {"misordered", [] { return ServerScript::Misordered(); }},
      // RFC 5321 §2.4: keywords are not case-sensitive.
      {"lower_case", [] { return WithEhlo({"mx.test Hello", "starttls", "8BITMIME"}); }},
      {"last_line", [] { return WithEhlo({"mx.test Hello", "8BITMIME", "STARTTLS"}); }},
      // A one-line reply whose only line is the keyword: no greeting at all.
      {"single_line", [] { return WithEhlo({"STARTTLS"}); }},
      {"greeting_names_it", [] { return WithEhlo({"mx.test STARTTLS", "8BITMIME"}); }},
      {"with_parameter", [] { return WithEhlo({"mx.test Hello", "STARTTLS REQUIRED", "8BITMIME"}); }},
      {"tab_after", [] { return WithEhlo({"mx.test Hello", "STARTTLS\tx", "8BITMIME"}); }},
      {"equals_after", [] { return WithEhlo({"mx.test Hello", "STARTTLS=1", "8BITMIME"}); }},
      {"underscore_after", [] { return WithEhlo({"mx.test Hello", "STARTTLS_", "8BITMIME"}); }},
      {"lookalike_longer", [] { return WithEhlo({"mx.test Hello", "STARTTLSX", "8BITMIME"}); }},
      {"lookalike_hyphen", [] { return WithEhlo({"mx.test Hello", "STARTTLS-X", "8BITMIME"}); }},
      {"no_starttls", [] { return ServerScript::NoStarttls(); }},
      // RFC 3207 §4: 454, and the server goes on in clear.
      {"starttls_refused", [] { return ServerScript::StarttlsRefused(); }},
      {"handshake_garbage", [] { return ServerScript::BrokenTls(); }},
      {"tls10_only",
       [] {
         ServerScript s = ServerScript::Compliant();
         s.max_tls_version = TLS1_VERSION;
         return s;
       }},
      // Blanks around the keyword: RFC 5321 §4.1.1.1's ehlo-line has none before it.
      {"leading_space", [] { return WithEhlo({"mx.test Hello", " STARTTLS", "8BITMIME"}); }},
      {"trailing_space", [] { return WithEhlo({"mx.test Hello", "STARTTLS ", "8BITMIME"}); }},
      {"vt_after", [] { return WithEhlo({"mx.test Hello", "STARTTLS\vx", "8BITMIME"}); }},
      {"tab_trailing", [] { return WithEhlo({"mx.test Hello", "STARTTLS\t", "8BITMIME"}); }},
      // The reply ends at its first final line (RFC 5321 §4.2.1): the STARTTLS after it
      // belongs to no reply, and a sender that reads it is out of step with the server.
      {"premature_final_line", [] { return ServerScript::PrematureFinalLine(); }},
      // RFC 3207 §5: text the server sends after its 220 to STARTTLS, before the handshake,
      // must be thrown away by the client; a client that keeps it reads it as a reply later.
      {"injection_after_220", [] { return ServerScript::PlaintextInjection(); }},
      // The server prefers an anonymous cipher (no certificate), which the probe offers and
      // no sender does: what a sender gets is what the server chooses among the others.
      {"anonymous_cipher_preferred",
       [] {
         ServerScript s = ServerScript::Compliant();
         s.max_tls_version = TLS1_2_VERSION;
         s.cipher_list = "AECDH-AES256-SHA:ECDHE-ECDSA-AES256-GCM-SHA384";
         return s;
       }},
      // A certificate for another name than the one the sender connects to.
      {"wrong_host_certificate",
       [] {
         ServerScript s = ServerScript::Compliant();
         s.tls_host = "other.test";
         return s;
       }},
  };
  return corpus;
}

// ----- What a sender did, read from the server's record -------------------------------------

struct Observed {
  bool starttls = false;
  bool tls = false;
  assess::Delivery delivery = assess::Delivery::kDeferred;
};

Observed Observe(const std::vector<ConnectionRecord>& records, std::size_t first) {
  Observed o;
  std::size_t over_tls = 0;
  std::size_t in_clear = 0;
  for (std::size_t i = first; i < records.size(); ++i) {
    o.starttls = o.starttls || records[i].HasCommand("STARTTLS");
    // TLS came up for the sender when it went on over it: a sender that rejects the
    // certificate after the handshake (curl checks the name then) sends nothing over TLS.
    o.tls = o.tls || (records[i].tls_established &&
                      records[i].first_tls_line != ConnectionRecord::kNoTls);
    over_tls += records[i].messages_over_tls;
    in_clear += records[i].messages_in_clear;
  }
  o.delivery = over_tls > 0   ? assess::Delivery::kTls
               : in_clear > 0 ? assess::Delivery::kClear
                              : assess::Delivery::kDeferred;
  return o;
}

// ----- The real senders ------------------------------------------------------------------------

struct Target {
  std::uint16_t port;
  std::string ca_path;
};

/// Runs the sender once against the target; returns what it printed or logged, for failures.
using RunSender = std::function<std::string(const Target&)>;

void RequireProgram(const std::string& path, const std::string& package) {
  if (::access(path.c_str(), X_OK) != 0) {
    throw std::runtime_error(path + " missing: install the Debian package " + package);
  }
}

void RequireFile(const std::string& path, const std::string& package) {
  if (::access(path.c_str(), R_OK) != 0) {
    throw std::runtime_error(path + " missing: install the Debian package " + package);
  }
}

std::string Describe(const ProgramRun& run) {
  return "exit " + std::to_string(run.exit_status) + "\n--- stdout ---\n" + run.out +
         "--- stderr ---\n" + run.err;
}

std::string RunPython(const Target& t) {
  // Debian's interpreter, not whichever python3 comes first on PATH.
  RequireProgram("/usr/bin/python3", "python3");
  return Describe(RunProgram({"/usr/bin/python3",
                              STX_SOURCE_DIR "/tests/senders/drivers/smtplib_send.py", "127.0.0.1",
                              std::to_string(t.port)},
                             "", 30s));
}

std::string RunCurl(const Target& t) {
  RequireProgram("/usr/bin/curl", "curl");
  const std::string port = std::to_string(t.port);
  // --ssl: STARTTLS when offered (CURLUSESSL_TRY). The server's name is mx.test, reached on
  // 127.0.0.1 (--connect-to): curl verifies the certificate against the test CA for it.
  return Describe(RunProgram({"/usr/bin/curl", "--silent", "--show-error", "--max-time", "20",
                              "--ssl", "--cacert", t.ca_path, "--connect-to",
                              "mx.test:" + port + ":127.0.0.1:" + port, "--mail-from", kFrom,
                              "--mail-rcpt", kTo, "--upload-file", "-",
                              "smtp://mx.test:" + port + "/client.test"},
                             kMessage, 30s));
}

std::string RunSwaks(const Target& t) {
  RequireProgram("/usr/bin/swaks", "swaks");
  // --tls-optional-strict: STARTTLS when offered, and an error when it does not work (the
  // saner of its two optional modes, its manual says).
  return Describe(RunProgram({"/usr/bin/swaks", "--server", "127.0.0.1", "--port",
                              std::to_string(t.port), "--helo", "client.test", "--from", kFrom,
                              "--to", kTo, "--tls-optional-strict", "--timeout", "10", "--data",
                              "-"},
                             kMessage, 30s));
}

std::string RunMsmtp(const Target& t) {
  RequireProgram("/usr/bin/msmtp", "msmtp");
  // No configuration file (--file=/dev/null): every setting on the command line. STARTTLS
  // required, the certificate checked against the test CA for the name mx.test.
  return Describe(RunProgram({"/usr/bin/msmtp", "--file=/dev/null", "--host=127.0.0.1",
                              "--port=" + std::to_string(t.port), "--domain=client.test",
                              std::string("--from=") + kFrom, "--tls=on", "--tls-starttls=on",
                              "--tls-trust-file=" + t.ca_path, "--tls-host-override=mx.test",
                              "--timeout=10", kTo},
                             kMessage, 30s));
}

std::string RunPerl(const Target& t) {
  // Debian's perl, with Net::SMTP (perl-modules) and IO::Socket::SSL for starttls().
  RequireProgram("/usr/bin/perl", "perl");
  RequireFile("/usr/share/perl5/IO/Socket/SSL.pm", "libio-socket-ssl-perl");
  return Describe(RunProgram({"/usr/bin/perl",
                              STX_SOURCE_DIR "/tests/senders/drivers/net_smtp_send.pl", "127.0.0.1",
                              std::to_string(t.port), t.ca_path},
                             "", 30s));
}

std::string RunRuby(const Target& t) {
  // Debian's ruby 3.1, whose bundled net-smtp gem the driver loads.
  RequireProgram("/usr/bin/ruby3.1", "ruby3.1");
  return Describe(RunProgram({"/usr/bin/ruby3.1",
                              STX_SOURCE_DIR "/tests/senders/drivers/net_smtp_send.rb", "127.0.0.1",
                              std::to_string(t.port), t.ca_path},
                             "", 30s));
}

std::string RunGo(const Target& t) {
  // Built at build time from drivers/netsmtp_send.go with Debian's Go (tests/CMakeLists.txt).
  RequireProgram(STX_GO_DRIVER, "golang-go");
  return Describe(RunProgram(
      {STX_GO_DRIVER, "127.0.0.1", std::to_string(t.port), t.ca_path, "mx.test"}, "", 30s));
}

// A driver script run by its interpreter, with the target as its arguments.
std::string RunScript(const char* interpreter, const char* script, const Target& t) {
  return Describe(RunProgram(
      {interpreter, script, "127.0.0.1", std::to_string(t.port), t.ca_path, "mx.test"}, "", 30s));
}

std::string RunPhp(const Target& t) {
  RequireProgram("/usr/bin/php", "php-cli");
  RequireFile("/usr/share/php/libphp-phpmailer/autoload.php", "libphp-phpmailer");
  return RunScript("/usr/bin/php", STX_SOURCE_DIR "/tests/senders/drivers/phpmailer_send.php", t);
}

std::string RunNodemailer(const Target& t) {
  // Node.js comes from outside Debian on this machine (nodesource); nodemailer is Debian's.
  RequireProgram("/usr/bin/node", "nodejs");
  RequireFile("/usr/share/nodejs/nodemailer/lib/nodemailer.js", "node-nodemailer");
  return RunScript("/usr/bin/node", STX_SOURCE_DIR "/tests/senders/drivers/nodemailer_send.js", t);
}

std::string RunJava(const Target& t) {
  RequireProgram("/usr/bin/java", "default-jre-headless");
  RequireFile("/usr/share/java/jakarta-mail.jar", "libjakarta-mail-java");
  // Built at build time from drivers/JakartaMailSend.java (tests/CMakeLists.txt).
  RequireFile(STX_JAVA_DRIVER_CLASSES "/JakartaMailSend.class", "default-jdk-headless");
  // The JVM resolves mx.test to 127.0.0.1 from a hosts file of its own, so Jakarta Mail
  // connects to the name the certificate is for, as curl does with --connect-to. Jakarta
  // Mail's manifest names jakarta.activation.jar, which Debian ships as
  // jakarta-activation.jar: the class path names it. C1 alone (TieredStopAtLevel=1) starts
  // the JVM faster and changes nothing it does.
  return Describe(RunProgram(
      {"/usr/bin/java", "-XX:TieredStopAtLevel=1",
       "-Djdk.net.hosts.file=" STX_SOURCE_DIR "/tests/senders/drivers/mx.test.hosts", "-cp",
       STX_JAVA_DRIVER_CLASSES ":/usr/share/java/jakarta-mail.jar:"
                               "/usr/share/java/jakarta-activation.jar",
       "JakartaMailSend", "mx.test", std::to_string(t.port), t.ca_path},
      "", 30s));
}

std::string RunPostfix(const Target& t) {
  PostfixSenderOptions options;
  options.relay_port = t.port;
  PostfixSender postfix(options);
  const PostfixDelivery delivery = postfix.Send(kFrom, kTo, kMessage, 30s);
  return "status=" + delivery.status + "\n" + delivery.smtp_log;
}

std::string RunOpenSmtpd(const Target& t) {
  OpenSmtpdSenderOptions options;
  options.relay_port = t.port;
  OpenSmtpdSender opensmtpd(options);
  const OpenSmtpdDelivery delivery = opensmtpd.Send(kFrom, kTo, kMessage, 30s);
  return "result=" + delivery.result + "\n" + delivery.mta_log;
}

std::string RunExim(const Target& t) {
  EximSenderOptions options;
  options.relay_port = t.port;
  EximSender exim(options);
  const EximDelivery delivery = exim.Send(kFrom, kTo, kMessage, 30s);
  return "status=" + delivery.status + "\n" + delivery.main_log;
}

std::string RunSendmail(const Target& t) {
  SendmailSenderOptions options;
  options.relay_port = t.port;
  SendmailSender sendmail(options);
  const SendmailDelivery delivery = sendmail.Send(kFrom, kTo, kMessage, 30s);
  return "status=" + delivery.status + " exit=" + std::to_string(delivery.exit_status) + "\n" +
         delivery.transcript;
}

struct RealSender {
  const char* profile;
  RunSender run;
};

const std::vector<RealSender>& Senders() {
  static const std::vector<RealSender> senders = {
      {"postfix", RunPostfix},
      {"python", RunPython},
      {"curl", RunCurl},
      {"swaks", RunSwaks},
      {"msmtp", RunMsmtp},
      {"perl", RunPerl},
      {"ruby", RunRuby},
      {"opensmtpd", RunOpenSmtpd},
      {"exim", RunExim},
      {"sendmail", RunSendmail},
      {"go", RunGo},
      {"php", RunPhp},
      {"nodemailer", RunNodemailer},
      {"java", RunJava},
  };
  return senders;
}

// ----- The table: corpus x senders ---------------------------------------------------------

class RealSenders : public ::testing::TestWithParam<std::tuple<std::size_t, std::size_t>> {};

TEST_P(RealSenders, DoWhatTheirProfilePredicts) {
  const Variant& variant = Corpus()[std::get<0>(GetParam())];
  const RealSender& sender = Senders()[std::get<1>(GetParam())];
  const auto profile = smtp::FindClientProfile(sender.profile);
  ASSERT_TRUE(profile.has_value()) << "no profile named " << sender.profile;
  EXPECT_FALSE(smtp::ClientProfiles()[*profile].verified_with.empty())
      << "a row proven here says by which version";

  ServerScript script = variant.script();
  script.accept_mail = true;
  script.idle_timeout = 15s;
  scripted::ScriptedSmtpServer server(script);

  // The prediction, from the exporter's own probe of the server.
  probe::ProbeOptions options;
  options.SetTimeout(10s);
  const ProbeRun probed = RunProbe("127.0.0.1", server.port(), server.ca_path(), options);
  const assess::SenderOutcome predicted = assess::Outcome(probed.result, *profile);
  ASSERT_TRUE(server.WaitForClosed(server.ConnectionCount(), 10s));
  const std::size_t first = server.ConnectionCount();

  // What the real sender does.
  const std::string log = sender.run({server.port(), server.ca_path()});
  ASSERT_TRUE(server.WaitForClosed(server.ConnectionCount(), 20s));
  const std::vector<ConnectionRecord> records = server.Connections();
  ASSERT_GT(records.size(), first) << "the sender never connected\n" << log;
  const Observed observed = Observe(records, first);

  // One line per row, for the table of what each sender did (README, "Real senders").
  std::cout << "[ sender ] " << variant.name << " " << sender.profile
            << " starttls=" << observed.starttls << " tls=" << observed.tls
            << " outcome=" << assess::ToString(observed.delivery) << "\n";
  const std::string context = "prediction: " + std::string(ToString(predicted.delivery)) + " (" +
                              predicted.reason + ")\nsender:\n" + log;
  EXPECT_EQ(observed.starttls, predicted.starttls) << "STARTTLS sent\n" << context;
  EXPECT_EQ(observed.tls, predicted.tls) << "TLS up\n" << context;
  if (predicted.copy_in_clear) {
    // The sender reports a failure after sending the message in clear: whether the server
    // took it depends on how far the sender's writes got before it hung up, so both are
    // what the row says; that it went as far as DATA is not.
    EXPECT_NE(observed.delivery, assess::Delivery::kTls) << context;
    EXPECT_TRUE(std::any_of(records.begin() + static_cast<std::ptrdiff_t>(first), records.end(),
                            [](const ConnectionRecord& r) { return r.HasCommand("DATA"); }))
        << "the message was not sent\n"
        << context;
  } else {
    // The server sees TLS, not whether the sender authenticated it: an authenticated session
    // is checked as TLS here (the rows' checks are held to the certificate variants).
    const assess::Delivery seen = predicted.delivery == assess::Delivery::kTlsAuthenticated
                                      ? assess::Delivery::kTls
                                      : predicted.delivery;
    EXPECT_EQ(assess::ToString(observed.delivery), assess::ToString(seen)) << context;
  }
  // A row that says "retry in clear on a new connection" is held to it.
  if (predicted.reason.find("new connection") != std::string::npos) {
    EXPECT_GE(records.size() - first, 2u) << context;
  }
}

// The postfix row says more than one attempt shows: a failed handshake defers the message,
// and a later attempt sends it in clear once the message has waited minimal_backoff_time
// (300 s by default). Postfix counts that wait in whole seconds of the clock (a message that
// arrives at x.95 s and is taken at x+1.05 s has waited "1 s"), so with the time at 2 s the
// first attempt never qualifies, and with the queue scanned every second the later attempt
// comes within seconds.
TEST(PostfixAfterAFailedHandshake, SendsInClearOnALaterAttempt) {
  const auto profile = smtp::FindClientProfile("postfix");
  ASSERT_TRUE(profile.has_value());
  ASSERT_EQ(smtp::ClientProfiles()[*profile].no_tls.failed, smtp::NoTlsAction::kDeferThenClear);
  ServerScript script = ServerScript::BrokenTls();
  script.accept_mail = true;
  scripted::ScriptedSmtpServer server(script);
  PostfixSenderOptions options;
  options.relay_port = server.port();
  options.extra_main_cf = {"minimal_backoff_time = 2s", "maximal_backoff_time = 3s",
                           "queue_run_delay = 1s"};
  PostfixSender postfix(options);

  const PostfixDelivery first = postfix.Send(kFrom, kTo, kMessage, 30s);
  ASSERT_EQ(first.status, "deferred") << first.smtp_log;
  const PostfixDelivery later = postfix.WaitForStatus("sent", 30s);
  ASSERT_EQ(later.status, "sent") << later.smtp_log;
  ASSERT_TRUE(server.WaitForClosed(server.ConnectionCount(), 20s));

  const std::vector<ConnectionRecord> records = server.Connections();
  ASSERT_GE(records.size(), 2u);
  EXPECT_TRUE(records.front().HasCommand("STARTTLS"));
  EXPECT_FALSE(records.front().tls_established);
  EXPECT_EQ(records.front().messages_in_clear + records.front().messages_over_tls, 0u);
  EXPECT_FALSE(records.back().HasCommand("STARTTLS")) << "the later attempt does not try TLS";
  EXPECT_EQ(records.back().messages_in_clear, 1u);
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, RealSenders,
    ::testing::Combine(::testing::Range<std::size_t>(0, Corpus().size()),
                       ::testing::Range<std::size_t>(0, Senders().size())),
    [](const ::testing::TestParamInfo<std::tuple<std::size_t, std::size_t>>& row) {
      return std::string(Corpus()[std::get<0>(row.param)].name) + "_" +
             Senders()[std::get<1>(row.param)].profile;
    });

}  // namespace
}  // namespace stx::test
