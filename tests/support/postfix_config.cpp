#include "support/postfix_config.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "support/child_process.hpp"

namespace stx::test::postfix {
// Postfix's daemons run as the postfix user and chdir into the queue directory (Exim's
// delivery processes as Debian-exim likewise), so every directory above it must be searchable
// by others (a TMPDIR under /root would not be).
void RequireSearchableByOthers(const std::string& dir) {
  for (std::filesystem::path p(dir); p.has_relative_path(); p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || (st.st_mode & S_IXOTH) == 0) {
      throw std::runtime_error("MTA instance: " + p.string() +
                               " is not searchable by the MTA's own user; set TMPDIR elsewhere");
    }
  }
}

Accounts RequireMaster(const std::string& who) {
  if (::access(kMasterPath, X_OK) != 0) {
    throw std::runtime_error(who + ": " + kMasterPath + " missing: install the Debian package postfix");
  }
  if (::geteuid() != 0) throw std::runtime_error(who + ": Postfix's master needs root");
  const passwd* owner = ::getpwnam("postfix");
  if (owner == nullptr) throw std::runtime_error(who + ": no user 'postfix'");
  const group* postdrop = ::getgrnam("postdrop");
  return {owner->pw_uid, owner->pw_gid, postdrop != nullptr ? postdrop->gr_gid : owner->pw_gid};
}

void MakeInstanceDirs(const std::string& dir, const Accounts& accounts) {
  // Ownership and modes as `postfix set-permissions` would make them: the pid dir root's,
  // the rendezvous-socket dirs and the data dir the postfix user's.
  MakeDir(dir, 0755, 0, 0);
  RequireSearchableByOthers(dir);
  MakeDir(dir + "/etc", 0755, 0, 0);
  MakeDir(dir + "/queue", 0755, 0, 0);
  MakeDir(dir + "/queue/pid", 0755, 0, 0);
  MakeDir(dir + "/queue/private", 0700, accounts.postfix_uid, 0);
  MakeDir(dir + "/queue/public", 0710, accounts.postfix_uid, accounts.postdrop_gid);
  MakeDir(dir + "/data", 0700, accounts.postfix_uid, 0);
}

void MakeDir(const std::string& path, mode_t mode, uid_t uid, gid_t gid) {
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
    throw std::runtime_error("Postfix instance: mkdir " + path + ": " + std::strerror(errno));
  }
  // chmod after mkdir because the umask may have masked bits away.
  if (::chmod(path.c_str(), mode) != 0 || ::chown(path.c_str(), uid, gid) != 0) {
    throw std::runtime_error("Postfix instance: chmod/chown " + path + ": " + std::strerror(errno));
  }
}

// Postfix reads main.cf only once it has "cooled down": while its mtime is within about a
// second of now, dict_load_fp() sleeps 300 ms and looks again, which made every start take
// 1.5-2.5 s. A config we just wrote is complete, so we date it back instead of waiting.
void BackdateMtime(const std::string& path) {
  timespec times[2]{};
  ::clock_gettime(CLOCK_REALTIME, &times[0]);
  times[0].tv_sec -= 60;
  times[1] = times[0];
  if (::utimensat(AT_FDCWD, path.c_str(), times, 0) != 0) {
    throw std::runtime_error("Postfix instance: utimensat " + path + ": " + std::strerror(errno));
  }
}

std::string FirstLineContaining(const std::string& text, const std::vector<std::string>& needles) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    for (const auto& needle : needles) {
      if (line.find(needle) != std::string::npos) return line;
    }
  }
  return "";
}

std::string InstanceLog(const std::string& dir) {
  return "--- " + dir + "/master.stderr ---\n" + ReadFile(dir + "/master.stderr") + "--- " + dir +
         "/maillog ---\n" + ReadFile(dir + "/maillog");
}

void RemoveUnlessFailed(const std::string& dir) {
  if (!::testing::Test::HasFailure() && std::getenv("STX_KEEP_TEST_DIRS") == nullptr) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
}

MainCf BaseMainCf(const std::string& who, const std::string& dir, const std::string& myhostname) {
  MainCf main;
  main.Comment("Written by " + who + " (tests/support/).");
  main.Set("compatibility_level", "3.6");
  // Everything this instance writes stays under the temp dir.
  main.Set("queue_directory", dir + "/queue");
  main.Set("data_directory", dir + "/data");
  // Postfix 3.4+ logging through postlogd to a file; it accepts only paths under a listed
  // prefix, and the default prefixes are /var and /dev/stdout.
  main.Set("maillog_file", dir + "/maillog");
  main.Set("maillog_file_prefixes", dir);
  main.Set("myhostname", myhostname);
  for (const char* empty : {"mydestination", "relay_domains", "relayhost", "local_recipient_maps",
                            "alias_maps", "alias_database"}) {
    main.Set(empty, "");
  }
  main.Set("biff", "no");
  return main;
}

void WriteConfigFile(const std::string& path, const std::string& text) {
  WriteFile(path, text);
  BackdateMtime(path);
}

}  // namespace stx::test::postfix
