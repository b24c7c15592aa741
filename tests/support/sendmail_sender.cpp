#include "support/sendmail_sender.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "support/child_process.hpp"
#include "support/postfix_config.hpp"

namespace stx::test {
namespace {

constexpr char kM4Path[] = "/usr/bin/m4";
constexpr char kUnsharePath[] = "/usr/bin/unshare";

void Require(const std::string& path, const std::string& how) {
  if (::access(path.c_str(), F_OK) != 0) {
    throw std::runtime_error("SendmailSender: " + path + " missing: " + how);
  }
}

}  // namespace

SendmailSender::SendmailSender(SendmailSenderOptions options) : options_(std::move(options)) {
  Require(kSendmailBinary, "scripts/install-deps unpacks sendmail-bin there");
  Require(std::string(kSendmailCfDir) + "/m4/cf.m4",
          "scripts/install-deps unpacks sendmail-cf there");
  Require(kM4Path, "install the Debian package m4");
  Require(kUnsharePath, "install the Debian package util-linux");
  if (::geteuid() != 0) {
    throw std::runtime_error("SendmailSender: namespaces and bind mounts need root");
  }
  dir_ = MakeTempDir("stx-sendmail-sender");
  // Sendmail refuses a queue directory others can reach (safefile checks), and runs as root.
  postfix::MakeDir(dir_ + "/mqueue", 0700, 0, 0);
  WriteConfig();
}

SendmailSender::~SendmailSender() { postfix::RemoveUnlessFailed(dir_); }

bool SendmailSender::Queued() const {
  // A queued message is a qf (control) file beside its df (data) file.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_ + "/mqueue", ec)) {
    if (entry.path().filename().string().starts_with("qf")) return true;
  }
  return false;
}

SendmailDelivery SendmailSender::Send(const std::string& from, const std::string& to,
                                      const std::string& message, std::chrono::milliseconds limit) {
  // -odi: deliver before exiting (interactive delivery mode). -oeq: errors only in the exit
  // status, so a failed message's bounce is not mailed (to the scripted server). -oi: a line
  // of one dot does not end the message. -v: the SMTP dialogue on standard output.
  const ProgramRun run =
      RunProgram({kUnsharePath, "--uts", "--mount", dir_ + "/run-sendmail", "-C",
                  dir_ + "/sendmail.cf", "-odi", "-oeq", "-oi", "-v", "-f", from, "--", to},
                 message, limit);
  if (run.exit_status == -1) {
    throw std::runtime_error("SendmailSender: sendmail still ran after the time limit\n" + run.out +
                             run.err);
  }
  SendmailDelivery delivery;
  delivery.exit_status = run.exit_status;
  delivery.transcript = run.out + run.err;
  // A deferred message stays queued, and sendmail still exits 0 (its submission worked); a
  // failed one (with -oeq) leaves the queue and exits non-zero (EX_UNAVAILABLE, ...).
  delivery.status = Queued() ? "deferred" : run.exit_status == 0 ? "sent" : "bounced";
  return delivery;
}

void SendmailSender::WriteConfig() const {
  const std::string& host = options_.hostname;
  // The namespace's own resolver files: the host name sendmail qualifies itself with, for
  // IPv6 (sendmail asks AF_INET6 first) and IPv4, and a name server on loopback where nobody
  // listens, so any other lookup fails at once instead of leaving the machine.
  WriteFile(dir_ + "/hosts", "127.0.0.1 localhost " + host + "\n::1 localhost " + host + "\n");
  WriteFile(dir_ + "/resolv.conf", "nameserver 127.0.0.1\n");
  // sendmail's own lookups (service.switch): the hosts file only.
  WriteFile(dir_ + "/service.switch", "hosts files\naliases files\n");
  WriteFile(dir_ + "/aliases", "");

  // Runs inside `unshare --uts --mount` (private mount propagation, util-linux's default):
  // the host name and the bind mounts are seen by sendmail alone.
  // One line of the script per line here.
  // clang-format off
  const std::string wrapper =
      "#!/bin/sh\n"
      "# Written by stx::test::SendmailSender (tests/support/) for one test.\n"
      "set -e\n"
      "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
      "hostname " + host + "\n"
      "mount --bind " + dir_ + "/hosts /etc/hosts\n"
      "if [ -e /etc/resolv.conf ]; then\n"
      "  mount --bind " + dir_ + "/resolv.conf /etc/resolv.conf\n"
      "fi\n"
      "exec " + kSendmailBinary + " \"$@\"\n";
  // clang-format on
  const std::string wrapper_path = dir_ + "/run-sendmail";
  WriteFile(wrapper_path, wrapper);
  if (::chmod(wrapper_path.c_str(), 0755) != 0) {
    throw std::runtime_error("SendmailSender: chmod " + wrapper_path + ": " + std::strerror(errno));
  }

  // sendmail.mc, as cf/README describes it; m4 turns it into sendmail.cf.
  const std::string port = std::to_string(options_.relay_port);
  // One line of the file per line here.
  // clang-format off
  std::string mc =
      "divert(-1)\n"
      "# Written by stx::test::SendmailSender (tests/support/) for one test.\n"
      "divert(0)dnl\n"
      "VERSIONID(`stx::test::SendmailSender')dnl\n"
      "OSTYPE(`linux')dnl\n"
      "define(`confDOMAIN_NAME', `" + host + "')dnl\n"
      // Everything this instance writes stays under the temp dir.
      "define(`QUEUE_DIR', `" + dir_ + "/mqueue')dnl\n"
      "define(`STATUS_FILE', `" + dir_ + "/statistics')dnl\n"
      "define(`confPID_FILE', `" + dir_ + "/sendmail.pid')dnl\n"
      "define(`ALIAS_FILE', `" + dir_ + "/aliases')dnl\n"
      "define(`confSERVICE_SWITCH_FILE', `" + dir_ + "/service.switch')dnl\n"
      "define(`confDONT_PROBE_INTERFACES', `True')dnl\n"
      // Every message goes to the relay, named by address in brackets: no MX or address
      // lookup, and no canonification of the addresses.
      "define(`SMART_HOST', `esmtp:[" + options_.relay_address + "]')dnl\n"
      "define(`ESMTP_MAILER_ARGS', `TCP $h " + port + "')dnl\n"
      "FEATURE(`nocanonify')dnl\n";
  // clang-format on
  // A scripted server that stalls costs seconds, not Sendmail's minutes.
  for (const char* timeout :
       {"confTO_ICONNECT", "confTO_CONNECT", "confTO_INITIAL", "confTO_HELO", "confTO_STARTTLS",
        "confTO_MAIL", "confTO_RCPT", "confTO_DATAINIT", "confTO_DATABLOCK", "confTO_DATAFINAL",
        "confTO_RSET", "confTO_QUIT", "confTO_MISC", "confTO_COMMAND"}) {
    mc += "define(`" + std::string(timeout) + "', `5s')dnl\n";
  }
  // TLS is left as Sendmail has it by default: STARTTLS whenever the server offers it (no
  // try_tls ruleset says otherwise), OpenSSL's defaults (no CipherList, no ClientSSLOptions),
  // no certificate of its own, none required of the server (no tls_server ruleset entry), and
  // no fallback to clear after a failed handshake (TLSFallbacktoClear unset).
  mc += "MAILER(`smtp')dnl\n";
  const std::string mc_path = dir_ + "/sendmail.mc";
  WriteFile(mc_path, mc);
  const ProgramRun m4 = RunProgram({kM4Path, "-D_CF_DIR_=" + std::string(kSendmailCfDir) + "/",
                                    std::string(kSendmailCfDir) + "/m4/cf.m4", mc_path},
                                   "", std::chrono::seconds(20));
  if (m4.exit_status != 0 || m4.out.empty()) {
    throw std::runtime_error("SendmailSender: m4 exited " + std::to_string(m4.exit_status) + ": " +
                             m4.err);
  }
  WriteFile(dir_ + "/sendmail.cf", m4.out);
}

}  // namespace stx::test
