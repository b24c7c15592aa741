#include "app/hash_password_command.hpp"

#include <openssl/crypto.h>
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <optional>
#include <string>

#include "http/password_hash.hpp"

namespace stx::app {
namespace {

/// Turns the terminal's echo off for its lifetime.
class EchoOff {
 public:
  explicit EchoOff(int fd) : fd_(fd) {
    if (tcgetattr(fd_, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    active_ = tcsetattr(fd_, TCSANOW, &quiet) == 0;
  }
  ~EchoOff() {
    if (active_) tcsetattr(fd_, TCSANOW, &saved_);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

std::optional<std::string> ReadLine(std::istream& in) {
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::optional<std::string> Prompt(const char* prompt, std::istream& in, int fd, std::ostream& err) {
  // Echo off before the prompt, as getpass(3) does: what is typed as soon as the prompt shows
  // is never echoed.
  const EchoOff quiet(fd);
  err << prompt << std::flush;
  auto line = ReadLine(in);
  err << "\n";
  return line;
}

void Wipe(std::string& text) { OPENSSL_cleanse(text.data(), text.size()); }

}  // namespace

int RunHashPassword(const HashPasswordOptions& options, std::istream& in, int in_fd,
                    std::ostream& out, std::ostream& err) {
  std::optional<std::string> password;
  if (isatty(in_fd) == 1) {
    password = Prompt("Password: ", in, in_fd, err);
    std::optional<std::string> again =
        password ? Prompt("Retype password: ", in, in_fd, err) : std::nullopt;
    const bool same = again && *again == *password;
    if (again) Wipe(*again);
    if (password && !same) {
      Wipe(*password);
      err << "starttls_exporter hash-password: the two passwords differ\n";
      return 2;
    }
  } else {
    password = ReadLine(in);
  }
  if (!password || password->empty()) {
    err << "starttls_exporter hash-password: no password given (write it on standard input)\n";
    return 2;
  }
  if (password->size() > 72) {
    // bcrypt reads 72 bytes at most: the rest changes nothing, which the user should know.
    err << "starttls_exporter hash-password: warning: bcrypt uses only the first 72 bytes of "
           "the password\n";
  }
  try {
    const std::string hash = http::HashPassword(*password, options.cost);
    Wipe(*password);
    out << hash << "\n";
    return 0;
  } catch (const std::exception& e) {
    Wipe(*password);
    err << "starttls_exporter hash-password: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace stx::app
