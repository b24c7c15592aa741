#pragma once
#include <stdexcept>
#include <string>

namespace stx::config {

/// A configuration that cannot be used. what() reads "FILE:LINE:COLUMN: KEY: what was found;
/// what is expected" (or "FILE: message" when no position applies, e.g. an unreadable file),
/// the form editors and CI logs turn into a link to the offending spot.
class ConfigError : public std::runtime_error {
 public:
  /// `line` and `column` count from 1; 0 means "no position" (the whole file).
  ConfigError(std::string file, int line, int column, std::string message);

  const std::string& file() const { return file_; }
  int line() const { return line_; }
  int column() const { return column_; }
  /// what() without the "FILE:LINE:COLUMN: " prefix.
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  int line_;
  int column_;
  std::string message_;
};

}  // namespace stx::config
