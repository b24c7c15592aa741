#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace stx::test {

class ChildProcess;

/// How to run a private Postfix instance for a test.
struct PostfixOptions {
  /// 0: a free port is chosen, and re-chosen (3 tries) if taken before master binds it.
  std::uint16_t port = 0;
  /// "127.0.0.1" or "::1"; Postfix listens on this address only.
  std::string bind_address = "127.0.0.1";
  std::string myhostname = "mx.postfix.test";
  /// PEM certificate chain (leaf first) and its private key. Both empty: STARTTLS is not
  /// offered (smtpd_tls_security_level = none).
  std::string tls_chain_path;
  std::string tls_key_path;
  /// main.cf lines; one naming a generated parameter replaces it, others are appended.
  std::vector<std::string> extra_main_cf;
  /// With TLS, start-up waits until EHLO lists STARTTLS and STARTTLS is answered 220. false:
  /// the banner suffices (for servers whose TLS is broken on purpose, e.g. to get a 454).
  bool require_working_starttls = true;
  /// Bound on start-up, until the readiness check above passes.
  std::chrono::milliseconds startup_timeout{15000};
};

/// A real Postfix 3.x (Debian package `postfix`) run as a child for the duration of a test:
/// its own main.cf/master.cf, queue and data directories under a fresh temp dir, listening on
/// one loopback address and port, never relaying or delivering (every RCPT is rejected, no
/// queue manager runs). Needs root, because Postfix's master refuses to run otherwise.
///
/// The constructor returns once the server has answered a connection with its 220 banner
/// (and, with TLS, listed STARTTLS and answered 220 to it); otherwise it throws
/// std::runtime_error carrying master's stderr and the mail log, so the test FAILS.
/// The destructor stops master and all its children (one process group); it removes the temp
/// dir only when the current test has not failed and STX_KEEP_TEST_DIRS is unset.
class PostfixServer {
 public:
  explicit PostfixServer(PostfixOptions options = {});
  ~PostfixServer();
  PostfixServer(const PostfixServer&) = delete;
  PostfixServer& operator=(const PostfixServer&) = delete;

  const std::string& address() const { return options_.bind_address; }
  std::uint16_t port() const { return port_; }
  const std::string& myhostname() const { return options_.myhostname; }
  bool tls() const { return !options_.tls_chain_path.empty(); }
  /// The temp dir holding etc/ (main.cf, master.cf), queue/, data/, maillog, master.stderr.
  const std::string& dir() const { return dir_; }
  std::string config_dir() const { return dir_ + "/etc"; }
  std::string maillog_path() const { return dir_ + "/maillog"; }
  /// From starting master until the banner was served.
  std::chrono::milliseconds startup_time() const { return startup_time_; }
  /// master's stderr and the mail log so far, for failure messages.
  std::string Log() const;

 private:
  void WriteConfig() const;
  /// Empty when serving; otherwise why not.
  std::string WaitUntilServing(std::chrono::steady_clock::time_point deadline);
  [[noreturn]] void Fail(const std::string& why) const;

  PostfixOptions options_;
  std::string dir_;
  std::uint16_t port_ = 0;
  std::chrono::milliseconds startup_time_{0};
  std::unique_ptr<ChildProcess> master_;
};

}  // namespace stx::test
