#include "config/web_table.hpp"

#include <algorithm>

#include "config/web_values.hpp"

namespace stx::config {
namespace {

constexpr const char* kPathExpected = "a path such as \"/etc/starttls_exporter/web.pem\"";

struct Given {
  const toml::key* key = nullptr;
  const toml::node* value = nullptr;
};

std::vector<std::pair<std::string, std::string>> ReadUsers(const NodeReader& reader,
                                                           const toml::node& node,
                                                           const std::string& path) {
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    reader.FailType(node, path,
                    "a table of user names and bcrypt hashes, such as "
                    "{ prometheus = \"$2b$10$...\" }");
  }
  if (table->empty()) {
    // An empty table reads as "authentication on" to a human and "off" to a loader: refuse it.
    reader.Fail(node.source(), path,
                "found an empty table; expected name = \"bcrypt hash\" entries (leave "
                "basic_auth_users out for no authentication)");
  }
  std::vector<std::pair<std::string, std::string>> users;
  for (const auto& [key, value] : InFileOrder(*table)) {
    const std::string key_path = KeyPath(path, key->str());
    if (const std::string why = CheckUserName(key->str()); !why.empty()) {
      reader.Fail(key->source(), key_path, why);
    }
    const std::string& hash =
        reader.String(*value, key_path, "a bcrypt hash string such as \"$2b$10$...\"");
    if (const std::string why = CheckBcryptHash(hash); !why.empty()) {
      reader.Fail(value->source(), key_path, why);
    }
    users.emplace_back(key->str(), hash);
  }
  std::sort(users.begin(), users.end());
  return users;
}

}  // namespace

WebSettings ReadWebTable(const NodeReader& reader, const toml::node& node) {
  const std::string path = "web";
  const toml::table* table = node.as_table();
  if (table == nullptr) reader.FailType(node, path, "a [web] table");
  WebSettings web;
  Given cert, key, min_version;
  for (const auto& [name_key, value] : InFileOrder(*table)) {
    const std::string name(name_key->str());
    const std::string key_path = KeyPath(path, name);
    if (name == "tls_cert_file") {
      reader.String(*value, key_path, kPathExpected);
      cert = {name_key, value};
    } else if (name == "tls_key_file") {
      reader.String(*value, key_path, kPathExpected);
      key = {name_key, value};
    } else if (name == "tls_min_version") {
      web.tls_min_version = reader.Require(
          CheckTlsMinVersion(reader.String(*value, key_path, "\"TLS1.2\" or \"TLS1.3\"")), *value,
          key_path);
      min_version = {name_key, value};
    } else if (name == "basic_auth_users") {
      web.basic_auth_users = ReadUsers(reader, *value, key_path);
    } else {
      reader.FailUnknownKey(*name_key, key_path, KeyScope::kWeb);
    }
  }
  // A certificate without its key (or the reverse) is a half-done TLS setup: serving plain
  // HTTP instead would be a silent downgrade.
  if ((cert.key == nullptr) != (key.key == nullptr)) {
    const bool has_cert = cert.key != nullptr;
    const Given& given = has_cert ? cert : key;
    reader.Fail(given.key->source(), KeyPath(path, given.key->str()),
                std::string("found ") +
                    (has_cert ? "tls_cert_file without tls_key_file"
                              : "tls_key_file without tls_cert_file") +
                    "; expected both (TLS) or neither (plain HTTP)");
  }
  if (min_version.key != nullptr && cert.key == nullptr) {
    reader.Fail(min_version.key->source(), KeyPath(path, "tls_min_version"),
                "found tls_min_version without TLS; expected it with tls_cert_file and "
                "tls_key_file");
  }
  if (cert.key != nullptr) {
    const std::string cert_path = KeyPath(path, "tls_cert_file");
    const std::string key_path = KeyPath(path, "tls_key_file");
    web.tls_cert_file =
        reader.Require(CheckTlsCertFile(cert.value->as_string()->get(), reader.directory()),
                       *cert.value, cert_path);
    web.tls_key_file = reader.Require(
        CheckTlsKeyFile(key.value->as_string()->get(), reader.directory(), web.tls_cert_file),
        *key.value, key_path);
  }
  return web;
}

}  // namespace stx::config
