#include "support/exim_sender.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "support/child_process.hpp"
#include "support/postfix_config.hpp"

namespace stx::test {
namespace {

// Debian builds Exim with EXIM_USER=ref:Debian-exim, looked up when exim starts (exim.c):
// without the user, exim refuses to run at all.
constexpr char kEximUser[] = "Debian-exim";

// The delivery line of the main log for `to`: "=> to ..." (delivered), "== to ..."
// (deferred), "** to ..." (failed). The last one counts: a later attempt supersedes.
std::string StatusIn(const std::string& log, const std::string& to) {
  std::istringstream in(log);
  std::string status;
  for (std::string line; std::getline(in, line);) {
    if (line.find(" => " + to) != std::string::npos) status = "sent";
    if (line.find(" == " + to) != std::string::npos) status = "deferred";
    if (line.find(" ** " + to) != std::string::npos) status = "bounced";
  }
  return status;
}

}  // namespace

EximSender::EximSender(EximSenderOptions options) : options_(std::move(options)) {
  if (::access(kEximPath, X_OK) != 0) {
    throw std::runtime_error(std::string("EximSender: ") + kEximPath +
                             " missing: scripts/install-deps unpacks exim4-daemon-light there");
  }
  if (::geteuid() != 0) throw std::runtime_error("EximSender: exim -C keeps root only for root");
  const passwd* user = ::getpwnam(kEximUser);
  if (user == nullptr) {
    throw std::runtime_error(std::string("EximSender: no user ") + kEximUser +
                             " (scripts/install-deps adds it as exim4-base's postinst does)");
  }
  dir_ = MakeTempDir("stx-exim-sender");
  // exim delivers as Debian-exim: it must reach the spool and the logs.
  postfix::MakeDir(dir_, 0755, 0, 0);
  postfix::RequireSearchableByOthers(dir_);
  postfix::MakeDir(dir_ + "/spool", 0750, user->pw_uid, user->pw_gid);
  postfix::MakeDir(dir_ + "/log", 0750, user->pw_uid, user->pw_gid);
  WriteConfig();
}

EximSender::~EximSender() { postfix::RemoveUnlessFailed(dir_); }

std::string EximSender::Log() const {
  return "--- " + dir_ + "/log/mainlog ---\n" + ReadFile(dir_ + "/log/mainlog") + "--- " + dir_ +
         "/log/paniclog ---\n" + ReadFile(dir_ + "/log/paniclog");
}

EximDelivery EximSender::Send(const std::string& from, const std::string& to,
                              const std::string& message, std::chrono::milliseconds limit) {
  // -odf: deliver in the foreground, so the run ends with the delivery attempt (the retry in
  // clear after a failed handshake included). -oi: a line of one dot does not end the message.
  const ProgramRun run = RunProgram(
      {kEximPath, "-C", dir_ + "/exim.conf", "-odf", "-oi", "-f", from, "--", to}, message, limit);
  EximDelivery delivery;
  delivery.main_log = ReadFile(dir_ + "/log/mainlog");
  delivery.status = StatusIn(delivery.main_log, to);
  if (run.exit_status != 0) {
    throw std::runtime_error("EximSender: exim exited " + std::to_string(run.exit_status) + ": " +
                             run.err + "\n" + Log());
  }
  return delivery;
}

void EximSender::WriteConfig() const {
  const std::string port = std::to_string(options_.relay_port);
  // One line of the file per line here.
  // clang-format off
  const std::string config =
      "# Written by stx::test::EximSender (tests/support/) for one test.\n"
      "primary_hostname = " + options_.primary_hostname + "\n"
      "qualify_domain = client.test\n"
      "spool_directory = " + dir_ + "/spool\n"
      "log_file_path = " + dir_ + "/log/%slog\n"
      // Re-executions (deliveries of bounces) run the same binary.
      "exim_path = " + kEximPath + "\n"
      "disable_ipv6 = true\n"
      "keep_environment =\n"
      "log_selector = +tls_certificate_verified +outgoing_port\n"
      "\n"
      "begin routers\n"
      // Every message with a sender goes to the relay, named by address: no MX or address
      // lookup. A bounce (empty sender) has no route: it stays frozen in this spool instead
      // of reaching the scripted server as a second message.
      "relay:\n"
      "  driver = manualroute\n"
      "  condition = ${if !eq{$sender_address}{}}\n"
      "  route_list = * " + options_.relay_address + "\n"
      // The relay is this machine: send to it anyway (the default would freeze the message).
      "  self = send\n"
      "  transport = relay_smtp\n"
      "  no_more\n"
      "\n"
      "begin transports\n"
      "relay_smtp:\n"
      "  driver = smtp\n"
      "  port = " + port + "\n"
      "  allow_localhost\n"
      // TLS as Exim does it by default: STARTTLS when offered (hosts_avoid_tls unset), the
      // certificate checked but a failure tolerated (tls_try_verify_hosts = *), GnuTLS's
      // NORMAL priorities (tls_require_ciphers unset), and after a failed handshake a retry
      // in clear on a new connection (tls_tempfail_tryclear = true, hosts_require_tls unset).
      //
      // Exim 4.96 connects with TCP Fast Open to every host (hosts_try_fastopen = *):
      // sendto(MSG_FASTOPEN | MSG_DONTWAIT) with no data, which does not wait for the TCP
      // handshake (ip.c ip_connect()). The scripted server does not enable TFO, so the kernel
      // falls back to an ordinary handshake; but whether the SYN asks for a cookie, carries
      // one, or is sent plain depends on net.ipv4.tcp_fastopen and the kernel's cookie cache
      // from earlier runs. TFO changes nothing in the SMTP dialogue: turn it off so every run
      // connects the same way whatever the machine.
      "  hosts_try_fastopen =\n"
      // A scripted server that stalls costs seconds, not Exim's minutes.
      "  connect_timeout = 5s\n"
      "  command_timeout = 5s\n"
      "  data_timeout = 5s\n"
      "  final_timeout = 5s\n"
      "\n"
      "begin retry\n"
      // A deferred message stays queued (with no rule it would bounce at once).
      "* * F,1h,15m\n";
  // clang-format on
  // Exim keeping root dies on a configuration file that root does not own or that others
  // may write (readconf.c readconf_main(); "Configure owner: 0:0" in exim -bV), whatever
  // the umask.
  const std::string path = dir_ + "/exim.conf";
  WriteFile(path, config);
  if (::chmod(path.c_str(), 0644) != 0) {
    throw std::runtime_error("EximSender: chmod " + path + ": " + std::strerror(errno));
  }
}

}  // namespace stx::test
