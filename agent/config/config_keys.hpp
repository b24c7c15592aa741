#pragma once
// The schema's key names and how messages name a place in the document. Pure; no toml++.
#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace stx::config {

/// Top-level keys: the global settings, the [web] table and the [[partner]] array.
inline constexpr std::array<std::string_view, 14> kGlobalKeys = {
    "interval",         "timeout", "ehlo_name",          "concurrency",
    "dns_server",       "dns_trust_anchor_file",         "mx",
    "address_families", "port",    "ca_file",            "allow_adhoc_probes",
    "senders",          "web",     "partner"};
/// Keys of one [[partner]] entry.
inline constexpr std::array<std::string_view, 8> kPartnerKeys = {
    "domain", "name", "labels", "interval", "timeout", "port", "mx", "senders"};
/// Keys of the [web] table (the exporter's own web endpoint).
inline constexpr std::array<std::string_view, 4> kWebKeys = {"tls_cert_file", "tls_key_file",
                                                             "tls_min_version", "basic_auth_users"};

enum class KeyScope { kGlobal, kPartner, kWeb };

/// "path.key" ("key" when `path` is empty), the key quoted when TOML would need quotes for it:
/// partner[1].labels."team x".
std::string KeyPath(const std::string& path, std::string_view key);

/// "path[N]" with N counting from 1, like the [[partner]] entries a reader counts in the file.
std::string ElementPath(const std::string& path, std::size_t index);

/// "unknown key 'K'; ..." with the likeliest fix: the key's right side of the first [[partner]]
/// line, "did you mean ...?", or the keys `scope` knows.
std::string UnknownKeyMessage(std::string_view key, KeyScope scope);

}  // namespace stx::config
