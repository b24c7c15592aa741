#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace stx::test {

class ChildProcess;

/// Where OpenSMTPD's files are: the Debian package `opensmtpd` unpacked (not installed: it
/// conflicts with postfix) by scripts/install-deps.
inline constexpr char kOpenSmtpdRoot[] = "/opt/stx-senders/opensmtpd";

/// How to run a private OpenSMTPD instance that sends mail.
struct OpenSmtpdSenderOptions {
  /// Where every message goes: `relay host smtp://address:port`, so no MX is looked up.
  std::string relay_address = "127.0.0.1";
  std::uint16_t relay_port = 25;
  /// The name it gives in EHLO (the relay action's `helo`), and its host name.
  std::string helo = "client.opensmtpd.test";
  /// Bound on start-up, until smtpd has set up all its processes.
  std::chrono::milliseconds startup_timeout{15000};
};

/// What OpenSMTPD logged for a message.
struct OpenSmtpdDelivery {
  /// The result of its first delivery attempt: "Ok", "TempFail", "PermFail"; "" when none
  /// was logged within the wait.
  std::string result;
  /// Every line the mta process logged about connections and deliveries.
  std::string mta_log;
};

/// A real OpenSMTPD 6.8 (Debian 12's `opensmtpd`, unpacked under kOpenSmtpdRoot) run as a
/// sender for the duration of a test: `smtpd -d` with its own smtpd.conf, relaying every
/// message to one address and port with the relay action's default TLS (opportunistic: no
/// `tls` keyword). It listens on no port; messages go in through its sendmail(8).
///
/// Its binary has its spool (/var/spool/smtpd) and control socket (/var/run/smtpd.sock) built
/// in: smtpd runs in a mount namespace of its own where a temp dir is bound over /var/spool
/// and /run, so the instance writes nothing outside the temp dir and instances do not share a
/// queue. Needs root (smtpd and the mounts do), the users opensmtpd and opensmtpq and the
/// chroot directory /var/lib/opensmtpd/empty that scripts/install-deps makes.
///
/// The constructor returns once smtpd has set up its processes; otherwise it throws
/// std::runtime_error with smtpd's log, so the test FAILS.
class OpenSmtpdSender {
 public:
  explicit OpenSmtpdSender(OpenSmtpdSenderOptions options);
  ~OpenSmtpdSender();
  OpenSmtpdSender(const OpenSmtpdSender&) = delete;
  OpenSmtpdSender& operator=(const OpenSmtpdSender&) = delete;

  /// Submits `message` with OpenSMTPD's sendmail(8), run in smtpd's mount namespace, and
  /// waits, at most `limit`, until the mta logs the result of a delivery attempt. Throws when
  /// sendmail fails.
  OpenSmtpdDelivery Send(const std::string& from, const std::string& to, const std::string& message,
                         std::chrono::milliseconds limit);

  const std::string& dir() const { return dir_; }
  /// smtpd's log so far (it runs in the foreground: everything goes to stderr).
  std::string Log() const;

 private:
  void WriteConfig() const;

  OpenSmtpdSenderOptions options_;
  std::string dir_;
  std::unique_ptr<ChildProcess> smtpd_;
};

}  // namespace stx::test
