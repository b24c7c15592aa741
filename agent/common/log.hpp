#pragma once
// Structured logs in the Prometheus style: logfmt (default) or JSON lines on stderr.
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace stx::log {

enum class Level { kDebug, kInfo, kWarn, kError };
enum class Format { kLogfmt, kJson };

/// "debug", "info", "warn", "error"; false for anything else.
bool ParseLevel(std::string_view text, Level& level);
/// "logfmt", "json"; false for anything else.
bool ParseFormat(std::string_view text, Format& format);

void Configure(Level level, Format format);
bool Enabled(Level level);

using Field = std::pair<std::string_view, std::string>;

/// One line: ts=... level=... msg="..." key=value ... (or the same as one JSON object).
void Write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

inline void Debug(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kDebug, m, f);
}
inline void Info(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kInfo, m, f);
}
inline void Warn(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kWarn, m, f);
}
inline void Error(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kError, m, f);
}

/// logfmt value: bare when it has no space, quote, '=' or control character and is valid
/// UTF-8; else quoted, with '"' and '\\' escaped, control characters (C0, DEL, C1) written as
/// \n, \r, \t or \u00XX and bytes that are not UTF-8 as \ufffd, so that a record is always
/// one line of valid UTF-8.
std::string LogfmtValue(std::string_view value);

}  // namespace stx::log
