#include "support/postfix_sender.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "support/child_process.hpp"
#include "support/postfix_config.hpp"

namespace stx::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr char kSendmailPath[] = "/usr/sbin/sendmail";
constexpr char kUnsharePath[] = "/usr/bin/unshare";
constexpr char kMountPath[] = "/bin/mount";

// The queue directories the daemons write into; postfix-script (which we bypass by running
// master directly) would create them. maildrop is where postdrop leaves a submitted message
// for pickup: writable by the postdrop group, sticky (postfix(1) set-permissions).
constexpr const char* kQueueDirs[] = {"incoming", "active", "deferred", "defer", "bounce",
                                      "trace",    "flush",  "hold",     "corrupt", "saved"};

// The lines of `log` that the smtp client wrote ("postfix/smtp[pid]: ...").
std::string SmtpLines(const std::string& log) {
  std::istringstream in(log);
  std::string lines;
  for (std::string line; std::getline(in, line);) {
    if (line.find("postfix/smtp[") != std::string::npos) lines += line + "\n";
  }
  return lines;
}

// The status the smtp client logged for a recipient: "status=sent (...)" -> "sent".
std::string StatusIn(const std::string& smtp_lines) {
  const std::size_t at = smtp_lines.find(" status=");
  if (at == std::string::npos) return "";
  const std::size_t begin = at + 8;
  return smtp_lines.substr(begin, smtp_lines.find_first_of(" \n", begin) - begin);
}

}  // namespace

PostfixSender::PostfixSender(PostfixSenderOptions options) : options_(std::move(options)) {
  if (::access(kSendmailPath, X_OK) != 0) {
    throw std::runtime_error("PostfixSender: " + std::string(kSendmailPath) +
                             " missing: install the Debian package postfix");
  }
  const postfix::Accounts accounts = postfix::RequireMaster("PostfixSender");
  dir_ = MakeTempDir("stx-postfix-sender");
  postfix::MakeInstanceDirs(dir_, accounts);
  for (const char* queue : kQueueDirs) {
    postfix::MakeDir(dir_ + "/queue/" + queue, 0700, accounts.postfix_uid, 0);
  }
  postfix::MakeDir(dir_ + "/queue/maildrop", 01730, accounts.postfix_uid, accounts.postdrop_gid);
  WriteConfig();
  std::vector<std::string> argv = {postfix::kMasterPath, "-c", dir_ + "/etc", "-d"};
  if (!options_.resolv_conf.empty()) {
    for (const char* tool : {kUnsharePath, kMountPath}) {
      if (::access(tool, X_OK) != 0) {
        throw std::runtime_error("PostfixSender: " + std::string(tool) +
                                 " missing: install the Debian packages util-linux and mount");
      }
    }
    // unshare and sh exec in turn, so master keeps the pid (and process group) ChildProcess
    // signals; the bind mount lives and dies with the namespace, the host's file is untouched.
    // master.cf runs no daemon chrooted: a chrooted smtp would read the queue dir's
    // etc/resolv.conf instead.
    std::vector<std::string> wrapped = {
        kUnsharePath, "--mount", "--propagation", "private", "/bin/sh", "-c",
        std::string(kMountPath) + " --bind \"$0\" /etc/resolv.conf && exec \"$@\"",
        options_.resolv_conf};
    wrapped.insert(wrapped.end(), argv.begin(), argv.end());
    argv = std::move(wrapped);
  }
  master_ = std::make_unique<ChildProcess>(argv, dir_ + "/master.stderr");
  // master creates the FIFOs of pickup and qmgr once it has read its configuration: then a
  // submitted message is picked up at once (postdrop writes to the pickup FIFO).
  const Clock::time_point deadline = Clock::now() + options_.startup_timeout;
  struct stat st {};
  while (Clock::now() < deadline) {
    if (!master_->Running()) break;
    const std::string fatal =
        postfix::FirstLineContaining(ReadFile(maillog_path()), {"fatal:", "panic:"});
    if (!fatal.empty()) break;
    if (::stat((dir_ + "/queue/public/pickup").c_str(), &st) == 0 && S_ISFIFO(st.st_mode) &&
        ::stat((dir_ + "/queue/public/qmgr").c_str(), &st) == 0 && S_ISFIFO(st.st_mode)) {
      return;
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  const std::string log = Log();
  master_.reset();
  throw std::runtime_error("PostfixSender did not start (temp dir kept: " + dir_ + ")\n" + log);
}

PostfixSender::~PostfixSender() {
  master_.reset();  // SIGTERM to master's group: master passes it on to its children
  postfix::RemoveUnlessFailed(dir_);
}

std::string PostfixSender::Log() const { return postfix::InstanceLog(dir_); }

PostfixDelivery PostfixSender::Send(const std::string& from, const std::string& to,
                                    const std::string& message, milliseconds limit) {
  const ProgramRun submit = RunProgram(
      {kSendmailPath, "-C", dir_ + "/etc", "-f", from, "--", to}, message, milliseconds(10000));
  if (submit.exit_status != 0) {
    throw std::runtime_error("PostfixSender: sendmail exited " +
                             std::to_string(submit.exit_status) + ": " + submit.err + "\n" + Log());
  }
  return WaitForStatus("", limit);
}

PostfixDelivery PostfixSender::WaitForStatus(const std::string& status, milliseconds limit) {
  const Clock::time_point deadline = Clock::now() + limit;
  const std::string wanted = " status=" + status;
  PostfixDelivery delivery;
  for (;;) {
    delivery.smtp_log = SmtpLines(ReadFile(maillog_path()));
    const std::size_t at = delivery.smtp_log.find(wanted);
    if (at != std::string::npos) {
      delivery.status = StatusIn(delivery.smtp_log.substr(at));
      return delivery;
    }
    if (Clock::now() >= deadline) return delivery;
    std::this_thread::sleep_for(milliseconds(20));
  }
}

void PostfixSender::WriteConfig() const {
  postfix::MainCf main = postfix::BaseMainCf("PostfixSender", dir_, options_.myhostname);
  // The smtp client binds its connections to this address: loopback only.
  main.Set("inet_interfaces", "127.0.0.1");
  main.Set("inet_protocols", "ipv4");
  if (options_.relay_address.empty()) {
    // Nothing is local (BaseMainCf) and there is no relay host: every recipient goes to its
    // domain's MX hosts, found in DNS (RFC 5321 §5.1), their addresses too.
    main.Set("smtp_dns_support_level", "enabled");
    main.Set("smtp_host_lookup", "dns");
  } else {
    // Nothing is local (BaseMainCf): every recipient goes to the relay host, named by address
    // in brackets (no MX or address lookup), and no DNS is asked for anything else either.
    main.Set("relayhost",
             "[" + options_.relay_address + "]:" + std::to_string(options_.relay_port));
    main.Set("smtp_dns_support_level", "disabled");
    main.Set("smtp_host_lookup", "native");
  }
  // Opportunistic TLS, as Debian's postinst writes it; no session cache, so every message
  // makes a full handshake.
  main.Set("smtp_tls_security_level", "may");
  main.Set("smtp_tls_loglevel", "1");
  main.Set("smtp_tls_session_cache_database", "");
  // One message, one connection: the test reads the scripted server's record of it.
  main.Set("smtp_connection_cache_on_demand", "no");
  // A scripted server that stalls costs seconds, not Postfix's minutes.
  for (const char* timeout : {"smtp_connect_timeout", "smtp_helo_timeout", "smtp_starttls_timeout",
                              "smtp_mail_timeout", "smtp_rcpt_timeout", "smtp_data_init_timeout",
                              "smtp_data_xfer_timeout", "smtp_data_done_timeout",
                              "smtp_quit_timeout"}) {
    main.Set(timeout, "5s");
  }
  for (const auto& line : options_.extra_main_cf) main.Add(line);
  postfix::WriteConfigFile(dir_ + "/etc/main.cf", main.Text());

  // Submission (pickup, cleanup), the queue manager and the smtp client with the helpers
  // they call. chroot is off: a chroot would need copies of /etc files inside the queue dir.
  const std::string master =
      "# Written by stx::test::PostfixSender for one test.\n"
      "# service type       private unpriv chroot wakeup maxproc command\n"
      "pickup    fifo       n       -      n      60     1       pickup\n"
      "cleanup   unix       n       -      n      -      0       cleanup\n"
      "qmgr      fifo       n       -      n      300    1       qmgr\n"
      "tlsmgr    unix       -       -      n      1000?  1       tlsmgr\n"
      "rewrite   unix       -       -      n      -      -       trivial-rewrite\n"
      "bounce    unix       -       -      n      -      0       bounce\n"
      "defer     unix       -       -      n      -      0       bounce\n"
      "trace     unix       -       -      n      -      0       bounce\n"
      "verify    unix       -       -      n      -      1       verify\n"
      "flush     unix       n       -      n      1000?  0       flush\n"
      "proxymap  unix       -       -      n      -      -       proxymap\n"
      "smtp      unix       -       -      n      -      -       smtp\n"
      "relay     unix       -       -      n      -      -       smtp\n"
      "error     unix       -       -      n      -      -       error\n"
      "retry     unix       -       -      n      -      -       error\n"
      "discard   unix       -       -      n      -      -       discard\n"
      "anvil     unix       -       -      n      -      1       anvil\n"
      "scache    unix       -       -      n      -      1       scache\n"
      "postlog   unix-dgram n       -      n      -      1       postlogd\n";
  postfix::WriteConfigFile(dir_ + "/etc/master.cf", master);
}

}  // namespace stx::test
