#pragma once
// What every private Postfix instance of the tests shares: where master is, how its
// directories and main.cf are written, and how the users it runs as are found.
#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

namespace stx::test::postfix {

// Debian keeps Postfix's daemons outside $PATH. We run master directly, not `postfix
// start-fg`: that runs `master -s` unless it is PID 1 (`-i` is PID 1 only), and -s calls
// setsid(). Run as a child, master then leaves our process group for a session of its own,
// out of reach of ChildProcess's group kill; as a process-group leader (how ChildProcess
// starts it) setsid() fails and master exits 1 without a word. `master -d` does not setsid,
// stays in the foreground in its group, and keeps our stderr.
inline constexpr char kMasterPath[] = "/usr/lib/postfix/sbin/master";

/// The postfix user's uid and gid and the postdrop group's gid.
struct Accounts {
  uid_t postfix_uid = 0;
  gid_t postfix_gid = 0;
  gid_t postdrop_gid = 0;
};

/// Checks what master needs (its binary, root, the postfix user) and returns the accounts;
/// throws std::runtime_error naming what is missing. `who` starts the message.
Accounts RequireMaster(const std::string& who);

/// Creates `dir` with etc/, queue/{pid,private,public} and data/ owned and moded as `postfix
/// set-permissions` would make them. Throws when a directory above cannot be searched by the
/// postfix user.
void MakeInstanceDirs(const std::string& dir, const Accounts& accounts);

/// Throws unless every directory from `dir` up is searchable by other users: an MTA that
/// drops root to a user of its own must reach its queue under it.
void RequireSearchableByOthers(const std::string& dir);

/// mkdir (EEXIST is fine), then chmod and chown: throws on failure.
void MakeDir(const std::string& path, mode_t mode, uid_t uid, gid_t gid);

/// Dates a file written just now a minute back (see the definition for why).
void BackdateMtime(const std::string& path);

/// The first line of `text` that holds one of `needles`; "" when none does.
std::string FirstLineContaining(const std::string& text, const std::vector<std::string>& needles);

/// master's stderr and the mail log of the instance in `dir`, for failure messages.
std::string InstanceLog(const std::string& dir);

/// Removes the instance's `dir`, unless the current test failed or STX_KEEP_TEST_DIRS is set
/// (then it stays for a look).
void RemoveUnlessFailed(const std::string& dir);

/// Writes `text` to `path` and dates it back (BackdateMtime).
void WriteConfigFile(const std::string& path, const std::string& text);

/// main.cf as ordered "name = value" lines; a later setting of the same name replaces the
/// earlier one in place, so extra lines override without Postfix's "overriding earlier entry"
/// warnings.
class MainCf {
 public:
  void Set(const std::string& name, const std::string& value) {
    Add(name + " =" + (value.empty() ? "" : " " + value));
  }
  void Comment(const std::string& text) { lines_.push_back({"", "# " + text}); }
  void Add(const std::string& line) {
    const auto eq = line.find('=');
    std::string name = eq == std::string::npos || line.starts_with('#') || line.starts_with(' ')
                           ? ""
                           : Trim(line.substr(0, eq));
    if (!name.empty()) {
      for (auto& [existing, text] : lines_) {
        if (existing == name) {
          text = line;
          return;
        }
      }
    }
    lines_.push_back({std::move(name), line});
  }
  std::string Text() const {
    std::string text;
    for (const auto& entry : lines_) text += entry.second + "\n";
    return text;
  }

 private:
  static std::string Trim(const std::string& s) {
    const auto begin = s.find_first_not_of(" \t");
    const auto end = s.find_last_not_of(" \t");
    return begin == std::string::npos ? "" : s.substr(begin, end - begin + 1);
  }
  std::vector<std::pair<std::string, std::string>> lines_;
};


/// The main.cf lines every instance starts with: the compatibility level, the queue, data and
/// log under `dir`, `myhostname`, and no local or relay domains or alias maps (nothing is
/// delivered on this machine). `who` names the writer in a comment.
MainCf BaseMainCf(const std::string& who, const std::string& dir, const std::string& myhostname);

}  // namespace stx::test::postfix
