#include "config/config_keys.hpp"

#include <algorithm>
#include <span>
#include <utility>

#include "config/config_values.hpp"
#include "config/key_suggestion.hpp"

namespace stx::config {
namespace {

constexpr std::pair<std::string_view, std::string_view> kToolkitKeys[] = {
    {"cert_file", "tls_cert_file"},
    {"key_file", "tls_key_file"},
    {"min_version", "tls_min_version"}};

bool Contains(std::span<const std::string_view> keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

}  // namespace

std::string KeyPath(const std::string& path, std::string_view key) {
  bool bare = !key.empty();
  for (const char c : key) {
    bare = bare && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-');
  }
  const std::string part = bare ? std::string(key) : Quoted(key);
  return path.empty() ? part : path + "." + part;
}

std::string ElementPath(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index + 1) + "]";
}

std::string UnknownKeyMessage(std::string_view key, KeyScope scope) {
  const std::string name(key);
  std::string message = "unknown key '" + name + "'";
  const bool in_partner = scope == KeyScope::kPartner;
  const bool in_web = scope == KeyScope::kWeb;
  const std::span<const std::string_view> known =
      in_partner ? std::span<const std::string_view>(kPartnerKeys)
      : in_web   ? std::span<const std::string_view>(kWebKeys)
                 : kGlobalKeys;
  if (!in_web && Contains(kWebKeys, name)) {
    return message + "; expected it in the [web] table";
  }
  if (in_web) {
    // TOML puts every key after a [web] line into that table, as after a [[partner]] line.
    if (Contains(kGlobalKeys, name)) {
      return message + "; '" + name + "' is a global setting: expected it above the [web] line";
    }
    if (Contains(kPartnerKeys, name)) return message + "; expected it in a [[partner]] entry";
    // Prometheus' exporter-toolkit web-config names, for those who copy from it.
    for (const auto& [toolkit, ours] : kToolkitKeys) {
      if (name == toolkit) return message + "; did you mean '" + std::string(ours) + "'?";
    }
    if (name == "tls_server_config") {
      return message +
             "; there is no tls_server_config table: expected tls_cert_file, tls_key_file and "
             "tls_min_version directly in [web]";
    }
  }
  // TOML puts every key after a [[partner]] line into that partner, and keys before the first
  // one at the top: the usual mistake is a setting on the wrong side of that line.
  if (in_partner && name != "partner" && Contains(kGlobalKeys, name)) {
    return message + "; '" + name +
           "' is a global setting: expected it above the first [[partner]]";
  }
  if (scope == KeyScope::kGlobal && Contains(kPartnerKeys, name)) {
    return message + "; expected it in a [[partner]] entry";
  }
  if (scope == KeyScope::kGlobal && name == "global") {
    return message + "; there is no [global] table: expected the global settings as top-level keys";
  }
  if (const std::string suggestion = SuggestKey(name, known); !suggestion.empty()) {
    return message + "; did you mean '" + suggestion + "'?";
  }
  message += "; expected one of ";
  for (std::size_t i = 0; i < known.size(); ++i)
    message += (i == 0 ? "" : ", ") + std::string(known[i]);
  return message;
}

}  // namespace stx::config
