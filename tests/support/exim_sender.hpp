#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace stx::test {

/// Where scripts/install-deps unpacks Debian's exim4-daemon-light: the package conflicts with
/// the installed postfix, so it is not installed but run from there.
inline constexpr char kEximPath[] = "/opt/stx-senders/exim4-daemon-light/usr/sbin/exim4";

/// How to run a private Exim instance that sends mail.
struct EximSenderOptions {
  /// Where every message goes (a manualroute router to this address, the smtp transport's
  /// port), so no DNS is asked.
  std::string relay_address = "127.0.0.1";
  std::uint16_t relay_port = 25;
  std::string primary_hostname = "client.exim.test";
};

/// What Exim logged for a message.
struct EximDelivery {
  /// "sent" (=>), "deferred" (==), "bounced" (**); "" when no delivery line was logged.
  std::string status;
  /// The main log: the message's arrival, each delivery attempt, TLS failures, the retry in
  /// clear.
  std::string main_log;
};

/// A real Exim 4 (Debian package exim4-daemon-light, built with GnuTLS) run as a sender for
/// one test: no daemon, only the delivery process of each submitted message, with its own
/// configuration, spool and logs under a fresh temp dir. It relays every message to one
/// address and port with Exim's default TLS: STARTTLS whenever the server offers it, the
/// certificate checked but a failure tolerated (tls_try_verify_hosts = *). Needs root, as
/// Exim's -C does (it keeps its privileges only for root) and the Debian-exim user.
///
/// The constructor throws std::runtime_error when Exim or its user is missing, so the test
/// FAILS.
class EximSender {
 public:
  explicit EximSender(EximSenderOptions options);
  ~EximSender();
  EximSender(const EximSender&) = delete;
  EximSender& operator=(const EximSender&) = delete;

  /// Submits `message` with foreground delivery (-odf: exim returns once the delivery
  /// attempt is over) and returns what the main log says of it. Throws when exim fails or
  /// outlives `limit`.
  EximDelivery Send(const std::string& from, const std::string& to, const std::string& message,
                    std::chrono::milliseconds limit);

  const std::string& dir() const { return dir_; }
  /// The main and panic logs so far, for failure messages.
  std::string Log() const;

 private:
  void WriteConfig() const;

  EximSenderOptions options_;
  std::string dir_;
};

}  // namespace stx::test
