#include "config/config_error.hpp"

#include <utility>

namespace stx::config {
namespace {

std::string Located(const std::string& file, int line, int column, const std::string& message) {
  if (line <= 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

}  // namespace

ConfigError::ConfigError(std::string file, int line, int column, std::string message)
    : std::runtime_error(Located(file, line, column, message)),
      file_(std::move(file)),
      line_(line),
      column_(column),
      message_(std::move(message)) {}

}  // namespace stx::config
