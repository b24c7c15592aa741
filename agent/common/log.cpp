#include "common/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "common/display_text.hpp"

namespace stx::log {
namespace {

struct LoggerState {
  std::shared_ptr<spdlog::logger> logger;
  Format format = Format::kLogfmt;
};

LoggerState& State() {
  static LoggerState state = [] {
    LoggerState s;
    s.logger = spdlog::stderr_logger_mt("starttls_exporter");
    return s;
  }();
  return state;
}

spdlog::level::level_enum ToSpd(Level level) {
  switch (level) {
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

const char* Name(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

}  // namespace

bool ParseLevel(std::string_view text, Level& level) {
  for (const Level l : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError}) {
    if (text == Name(l)) {
      level = l;
      return true;
    }
  }
  return false;
}

bool ParseFormat(std::string_view text, Format& format) {
  if (text == "logfmt")
    format = Format::kLogfmt;
  else if (text == "json")
    format = Format::kJson;
  else
    return false;
  return true;
}

void Configure(Level level, Format format) {
  LoggerState& s = State();
  s.format = format;
  s.logger->set_level(ToSpd(level));
  // spdlog supplies the timestamp (UTC, milliseconds); the rest of the line is ours.
  s.logger->set_pattern(format == Format::kJson ? "{\"ts\":\"%Y-%m-%dT%H:%M:%S.%eZ\",%v}"
                                                : "ts=%Y-%m-%dT%H:%M:%S.%eZ %v",
                        spdlog::pattern_time_type::utc);
  s.logger->flush_on(spdlog::level::debug);
}

bool Enabled(Level level) { return State().logger->should_log(ToSpd(level)); }

std::string LogfmtValue(std::string_view value) {
  bool quote = value.empty() || !IsValidUtf8(value);
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == ' ' || c == '"' || c == '=' || byte < 0x20 || byte == 0x7f) quote = true;
  }
  if (!quote) {
    for (std::string_view rest = value; !rest.empty();) {
      const auto c = DecodeUtf8(rest);
      if (IsControl(c->code_point)) quote = true;  // C1, e.g. U+009B CSI
      rest.remove_prefix(c->length);
    }
  }
  if (!quote) return std::string(value);
  // One record, one line, valid UTF-8: no control character reaches the log raw (a CR would
  // let a value, such as a partner's reply quoted in an error, overwrite the line on a
  // terminal) and a byte that is not UTF-8 is U+FFFD. The escapes are Go's, as in go-logfmt.
  std::string out = "\"";
  for (std::string_view rest = value; !rest.empty();) {
    const auto c = DecodeUtf8(rest);
    if (!c) {
      out += "\\ufffd";
      rest.remove_prefix(1);
      continue;
    }
    switch (c->code_point) {
      case '"':
      case '\\':
        out += '\\';
        out += rest[0];
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (IsControl(c->code_point)) {
          constexpr const char* kHex = "0123456789abcdef";
          out += "\\u00";
          out += kHex[(c->code_point >> 4) & 0xf];
          out += kHex[c->code_point & 0xf];
        } else {
          out.append(rest.data(), c->length);
        }
    }
    rest.remove_prefix(c->length);
  }
  return out + "\"";
}

void Write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  LoggerState& s = State();
  if (!s.logger->should_log(ToSpd(level))) return;
  std::string line;
  if (s.format == Format::kJson) {
    nlohmann::json object = {{"level", Name(level)}, {"msg", message}};
    for (const auto& [key, value] : fields) object[std::string(key)] = value;
    const std::string dumped =
        object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    line = dumped.substr(1, dumped.size() - 2);  // the pattern supplies the braces and "ts"
  } else {
    line = std::string("level=") + Name(level) + " msg=" + LogfmtValue(message);
    for (const auto& [key, value] : fields)
      line += " " + std::string(key) + "=" + LogfmtValue(value);
  }
  s.logger->log(ToSpd(level), "{}", line);
}

}  // namespace stx::log
