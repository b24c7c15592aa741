#include "config/file_text.hpp"

#include <cerrno>
#include <cstdio>
#include <memory>

namespace stx::config {

std::optional<std::string> ReadFileText(const std::string& path, std::size_t max_bytes,
                                        std::error_code& error) {
  errno = 0;
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                             &std::fclose);
  if (!file) {
    error = std::error_code(errno, std::generic_category());
    return std::nullopt;
  }
  std::string content;
  char buffer[65536];
  for (;;) {
    const std::size_t got = std::fread(buffer, 1, sizeof buffer, file.get());
    content.append(buffer, got);
    if (content.size() > max_bytes) {
      error = std::make_error_code(std::errc::file_too_large);
      return std::nullopt;
    }
    if (got < sizeof buffer) break;
  }
  // A directory opens fine and fails here, with EISDIR.
  if (std::ferror(file.get()) != 0) {
    error = std::error_code(errno, std::generic_category());
    return std::nullopt;
  }
  error.clear();
  return content;
}

}  // namespace stx::config
