#pragma once
// What the readers of a parsed toml++ document share (config_loader.cpp, web_table.cpp): how a
// node is described in a message, file order, and type checks that throw a ConfigError at the
// node concerned. Private to config/: only the loader's own files include toml++.
#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config_keys.hpp"
#include "config/config_values.hpp"

namespace stx::config {

/// A node as a message shows it: "string \"5m\"", "integer 300", "a table", ...
std::string Describe(const toml::node& node);

/// A value as the user wrote it, for range errors where its type is already known.
std::string Shown(const toml::node& node);

/// toml++ keeps a table's keys sorted; walking them in file order makes the first problem
/// reported the first one in the file.
std::vector<std::pair<const toml::key*, const toml::node*>> InFileOrder(const toml::table& table);

/// Type checks and failures for one document; every failure throws a ConfigError naming the
/// source file, the node's line and column, and the key path.
class NodeReader {
 public:
  explicit NodeReader(std::string source);

  const std::string& source() const { return source_; }
  /// The config file's directory: where relative paths in it are taken from.
  const std::filesystem::path& directory() const { return directory_; }

  [[noreturn]] void Fail(const toml::source_region& where, const std::string& path,
                         const std::string& message) const;
  [[noreturn]] void FailType(const toml::node& node, const std::string& path,
                             std::string_view expected) const;
  [[noreturn]] void FailUnknownKey(const toml::key& key, const std::string& path,
                                   KeyScope scope) const;

  /// The value of a check of `node`, or the check's error at `node`.
  template <typename T>
  T Require(Checked<T> checked, const toml::node& node, const std::string& path) const {
    if (!checked.value) Fail(node.source(), path, checked.error);
    return std::move(*checked.value);
  }

  const std::string& String(const toml::node& node, const std::string& path,
                            std::string_view expected) const;
  std::int64_t Integer(const toml::node& node, const std::string& path, std::int64_t min,
                       std::int64_t max, const std::string& expected) const;
  bool Boolean(const toml::node& node, const std::string& path) const;

 private:
  std::string source_;
  std::filesystem::path directory_;
};

}  // namespace stx::config
