#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace stx::test {

class ChildProcess;

/// How to run a private Postfix instance that sends mail.
struct PostfixSenderOptions {
  /// Where every message goes: relayhost = [address]:port, so no DNS is asked. Empty: no
  /// relayhost; each recipient's domain is routed by its MX records, looked up in DNS
  /// (smtp_dns_support_level = enabled, smtp_host_lookup = dns; extra_main_cf may say dnssec),
  /// to the port smtp_tcp_port names (relay_port is then unused). Give such an instance a
  /// resolv_conf: the machine's name servers know nothing of a test's zones.
  std::string relay_address = "127.0.0.1";
  std::uint16_t relay_port = 25;
  /// When not empty, master (and so every daemon it starts) runs in a mount namespace of its
  /// own (unshare(1), util-linux) where this file is bind-mounted on /etc/resolv.conf: the libc
  /// resolver of Postfix's smtp client asks the name servers it names, and nothing else on the
  /// machine sees the change. The file must be readable by the postfix user.
  std::string resolv_conf;
  std::string myhostname = "client.postfix.test";
  /// main.cf lines; one naming a generated parameter replaces it, others are appended.
  std::vector<std::string> extra_main_cf;
  /// Bound on start-up, until master listens on the pickup and qmgr FIFOs.
  std::chrono::milliseconds startup_timeout{15000};
};

/// What the Postfix SMTP client logged for a message.
struct PostfixDelivery {
  /// "sent", "deferred", "bounced"; "" when no status was logged within the wait.
  std::string status;
  /// Every line the smtp client logged (TLS failures, retries, the status line).
  std::string smtp_log;
};

/// A real Postfix 3.x (Debian package `postfix`) run as a sender for the duration of a test:
/// pickup, cleanup, qmgr and the smtp client, with its own main.cf/master.cf, queue and data
/// directories under a fresh temp dir, relaying every message to one address and port (or,
/// with no relay address, to each domain's MX hosts) with opportunistic TLS
/// (smtp_tls_security_level = may, the default of a Debian install that enables TLS). It
/// listens on no port. Needs root, as Postfix's master does.
///
/// The constructor returns once master serves the pickup and qmgr FIFOs; otherwise it throws
/// std::runtime_error carrying master's stderr and the mail log, so the test FAILS.
class PostfixSender {
 public:
  explicit PostfixSender(PostfixSenderOptions options);
  ~PostfixSender();
  PostfixSender(const PostfixSender&) = delete;
  PostfixSender& operator=(const PostfixSender&) = delete;

  /// Submits `message` with Postfix's sendmail(1) and waits, at most `limit`, until the smtp
  /// client logs a status for it. Throws when sendmail fails.
  PostfixDelivery Send(const std::string& from, const std::string& to, const std::string& message,
                       std::chrono::milliseconds limit);

  /// Waits, at most `limit`, until the smtp client has logged "status=<status>" for a
  /// recipient; the delivery's status is "" when it has not.
  PostfixDelivery WaitForStatus(const std::string& status, std::chrono::milliseconds limit);

  const std::string& dir() const { return dir_; }
  std::string maillog_path() const { return dir_ + "/maillog"; }
  /// master's stderr and the mail log so far, for failure messages.
  std::string Log() const;

 private:
  void WriteConfig() const;

  PostfixSenderOptions options_;
  std::string dir_;
  std::unique_ptr<ChildProcess> master_;
};

}  // namespace stx::test
