#include "support/opensmtpd_sender.hpp"

#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/child_process.hpp"

namespace stx::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

const std::string kSmtpd = std::string(kOpenSmtpdRoot) + "/usr/sbin/smtpd";
// sendmail is smtpctl under another name: it hands the message to smtpd's control socket.
const std::string kSendmail = std::string(kOpenSmtpdRoot) + "/usr/sbin/sendmail";
constexpr char kUnshare[] = "/usr/bin/unshare";
constexpr char kNsenter[] = "/usr/bin/nsenter";
// Built into Debian's smtpd (its PATH_CHROOT): the chroot of its unprivileged
// processes.
constexpr char kChroot[] = "/var/lib/opensmtpd/empty";

void Require(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("OpenSmtpdSender: " + what);
}

// smtpd logs its first delivery attempt's result as
// `... mta delivery evpid=... result="TempFail" stat="..."` (mta.c mta_log()).
std::string ResultIn(const std::string& log) {
  const std::size_t delivery = log.find(" mta delivery ");
  if (delivery == std::string::npos) return "";
  const std::size_t at = log.find(" result=\"", delivery);
  if (at == std::string::npos) return "";
  const std::size_t begin = at + 9;
  const std::size_t end = log.find('"', begin);
  return end == std::string::npos ? "" : log.substr(begin, end - begin);
}

// The lines of smtpd's log about the mta's connections and deliveries: its session lines
// (" mta ..."), the opportunistic TLS fallback ("smtp-out: ...") and the mta's debug lines.
std::string MtaLines(const std::string& log) {
  std::istringstream in(log);
  std::string lines;
  for (std::string line; std::getline(in, line);) {
    if (line.find(" mta ") != std::string::npos || line.find("smtp-out:") != std::string::npos ||
        line.find("debug: mta: 0x") != std::string::npos) {
      lines += line + "\n";
    }
  }
  return lines;
}

}  // namespace

OpenSmtpdSender::OpenSmtpdSender(OpenSmtpdSenderOptions options) : options_(std::move(options)) {
  const std::string install = " (scripts/install-deps unpacks the Debian package opensmtpd)";
  Require(::access(kSmtpd.c_str(), X_OK) == 0, kSmtpd + " missing" + install);
  Require(::access(kSendmail.c_str(), X_OK) == 0, kSendmail + " missing" + install);
  Require(::getpwnam("opensmtpd") != nullptr && ::getpwnam("opensmtpq") != nullptr,
          "the users opensmtpd and opensmtpq are missing" + install);
  struct stat st {};
  Require(::stat(kChroot, &st) == 0 && S_ISDIR(st.st_mode),
          std::string(kChroot) + " missing" + install);
  Require(::access(kUnshare, X_OK) == 0 && ::access(kNsenter, X_OK) == 0,
          "unshare and nsenter missing: install the Debian package util-linux");
  Require(::geteuid() == 0, "needs root: smtpd and the mounts of its namespace do");

  dir_ = MakeTempDir("stx-opensmtpd-sender");
  // Bound over /var/spool and /run in smtpd's namespace; smtpd makes /var/spool/smtpd and
  // its queue directories itself, with the owners and modes it checks.
  for (const char* sub : {"/spool", "/run"}) {
    std::filesystem::create_directory(dir_ + sub);
    ::chmod((dir_ + sub).c_str(), 0755);
  }
  WriteConfig();
  // unshare and sh exec in turn: the child's pid is smtpd's, in the new namespaces, and the
  // mounts vanish with its last process. A host name of its own, with a dot, spares smtpd
  // and sendmail (getmailname(): no /etc/mailname here) a lookup to canonicalize the
  // machine's name.
  const std::string script =
      "hostname \"$3\" && mount --bind \"$1/spool\" /var/spool && "
      "mount --bind \"$1/run\" /run && exec \"$2\" -d -v -f \"$1/smtpd.conf\"";
  smtpd_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{kUnshare, "--mount", "--uts", "--propagation", "private", "--",
                               "/bin/sh", "-c", script, "sh", dir_, kSmtpd, options_.helo},
      dir_ + "/smtpd.log");
  // "smtpd: setup done" once every process has its peers and the queue is loaded: then a
  // message handed to the control socket is taken at once.
  const Clock::time_point deadline = Clock::now() + options_.startup_timeout;
  while (Clock::now() < deadline && smtpd_->Running()) {
    if (Log().find("smtpd: setup done") != std::string::npos) return;
    std::this_thread::sleep_for(milliseconds(10));
  }
  const std::string log = Log();
  smtpd_.reset();
  throw std::runtime_error("OpenSmtpdSender: smtpd did not start (temp dir kept: " + dir_ + ")\n" +
                           log);
}

OpenSmtpdSender::~OpenSmtpdSender() {
  smtpd_.reset();  // SIGTERM to smtpd's group: the parent stops its processes and waits
  if (!::testing::Test::HasFailure() && std::getenv("STX_KEEP_TEST_DIRS") == nullptr) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

std::string OpenSmtpdSender::Log() const { return ReadFile(dir_ + "/smtpd.log"); }

OpenSmtpdDelivery OpenSmtpdSender::Send(const std::string& from, const std::string& to,
                                        const std::string& message, milliseconds limit) {
  // sendmail finds smtpd's control socket at its built-in path, which only smtpd's mount
  // namespace has; it takes the host name of smtpd's namespace too.
  const ProgramRun submit = RunProgram({kNsenter, "--target", std::to_string(smtpd_->pid()),
                                        "--mount", "--uts", kSendmail, "-f", from, "--", to},
                                       message, milliseconds(10000));
  if (submit.exit_status != 0) {
    throw std::runtime_error("OpenSmtpdSender: sendmail exited " +
                             std::to_string(submit.exit_status) + ": " + submit.err + "\n" + Log());
  }
  const Clock::time_point deadline = Clock::now() + limit;
  OpenSmtpdDelivery delivery;
  for (;;) {
    const std::string log = Log();
    delivery.result = ResultIn(log);
    delivery.mta_log = MtaLines(log);
    if (!delivery.result.empty() || Clock::now() >= deadline) return delivery;
    std::this_thread::sleep_for(milliseconds(20));
  }
}

void OpenSmtpdSender::WriteConfig() const {
  // smtpd.conf(5) of OpenSMTPD 6.8. No `tls` on the relay action: opportunistic TLS, the
  // default (mta.c: RELAY_TLS_OPPORTUNISTIC for smtp://, and no RELAY_TLS_VERIFY). `tls`
  // would require STARTTLS and a verified certificate, `tls no-verify` require it unverified.
  // The mta's connection delays (limit.c: 2 s between connections to one relay, 5 s on one
  // route) are set to none: a test makes one delivery attempt and reads it at once.
  std::ostringstream conf;
  conf << "# Written by stx::test::OpenSmtpdSender for one test.\n"
       << "mta limit conn-delay-relay 0\n"
       << "mta limit conn-delay-route 0\n"
       << "action \"relay\" relay host smtp://" << options_.relay_address << ":"
       << options_.relay_port << " helo " << options_.helo << "\n"
       << "match from local for any action \"relay\"\n";
  WriteFile(dir_ + "/smtpd.conf", conf.str());
}

}  // namespace stx::test
