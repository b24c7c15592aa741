// libFuzzer target: the TOML configuration loader. ConfigError is its designed error path
// (file:line:column + message); any other exception, a crash, or a sanitizer report is a
// finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/config_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view toml(reinterpret_cast<const char*>(data), size);
  try {
    const auto config = stx::config::ParseConfig(toml, "fuzz.toml");
    (void)config;
  } catch (const stx::config::ConfigError& error) {
    if (error.line() < 0 || error.column() < 0) __builtin_trap();
    if (std::string_view(error.what()).substr(0, 9) != "fuzz.toml") __builtin_trap();
    if (error.file() != "fuzz.toml") __builtin_trap();
  }
  // Anything else propagates: libFuzzer reports an uncaught exception as a crash (abort).
  return 0;
}
