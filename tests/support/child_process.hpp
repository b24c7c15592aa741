#pragma once
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace stx::test {

/// A real server (dnsmasq, Postfix, ...) run as a child process for the duration of a test.
/// Its stdout and stderr go to `log_path`; the destructor stops it (SIGTERM, then SIGKILL after
/// a bounded wait) together with every process of its process group.
class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, std::string log_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  /// True while the child has not exited (reaps it when it has).
  bool Running();
  /// Stops the child and its process group; bounded by `grace` before SIGKILL.
  void Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(3000));
  /// The child's log so far (for failure messages).
  std::string Log() const;
  /// Exit status once the child was reaped by Running() or Stop(): the exit code, 128+signal
  /// when killed, -1 while running.
  int exit_status() const { return exit_status_; }

 private:
  void Reaped(int status);

  pid_t pid_ = -1;
  int exit_status_ = -1;
  std::string log_path_;
};

/// What a program run to its end returned and printed.
struct ProgramRun {
  /// The exit code, 128+signal when killed; -1 when it had to be killed at the time limit.
  int exit_status = -1;
  std::string out;  ///< standard output
  std::string err;  ///< standard error
};

/// Runs `argv` (argv[0] a path or a name on PATH) with `input` on its standard input, calls
/// `while_running` (when given) with its pid, then waits for it to exit, at most `limit` in
/// all (then it is killed). Standard output and error are kept apart.
ProgramRun RunProgram(const std::vector<std::string>& argv, const std::string& input = "",
                      std::chrono::milliseconds limit = std::chrono::seconds(30),
                      const std::function<void(pid_t)>& while_running = {});

/// Polls until a TCP connection to 127.0.0.1:port (or ::1 when `ipv6`) succeeds; false on
/// timeout or when `child` exits first.
bool WaitForTcpPort(std::uint16_t port, std::chrono::milliseconds timeout,
                    ChildProcess* child = nullptr, bool ipv6 = false);

/// A loopback TCP port that was free a moment ago (bind to port 0, read it, close).
std::uint16_t FreeLoopbackPort();

/// A fresh temporary directory under $TMPDIR (or /tmp); removed by the caller if wanted.
std::string MakeTempDir(const std::string& prefix);

/// Reads a whole file ("" when it cannot be read).
std::string ReadFile(const std::string& path);

/// Writes a whole file; throws std::runtime_error on failure.
void WriteFile(const std::string& path, const std::string& content);

}  // namespace stx::test
