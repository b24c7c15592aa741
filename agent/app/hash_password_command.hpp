#pragma once
// `starttls_exporter hash-password`: a bcrypt hash for [web.basic_auth_users], so that users
// need neither htpasswd nor Python.
#include <iosfwd>

namespace stx::app {

struct HashPasswordOptions {
  int cost = 10;  ///< bcrypt cost, within what the config loader accepts
};

/// Reads a password from `in` (its first line, without the line end) and prints its bcrypt
/// hash ("$2b$..") and a newline on `out`. When `in_fd` is a terminal, the password is asked
/// for twice on `err` with echo off. Exit status: 0; 2 for an empty password, two entries that
/// differ, or a failure of libxcrypt.
int RunHashPassword(const HashPasswordOptions& options, std::istream& in, int in_fd,
                    std::ostream& out, std::ostream& err);

}  // namespace stx::app
