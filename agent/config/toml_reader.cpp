#include "config/toml_reader.hpp"

#include <algorithm>
#include <sstream>

#include "config/config_error.hpp"

namespace stx::config {

std::string Describe(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "string " + Quoted(node.as_string()->get());
    case toml::node_type::integer:
      return "integer " + std::to_string(node.as_integer()->get());
    case toml::node_type::floating_point: {
      std::ostringstream out;
      out << *node.as_floating_point();
      return "float " + out.str();
    }
    case toml::node_type::boolean:
      return node.as_boolean()->get() ? "boolean true" : "boolean false";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::string Shown(const toml::node& node) {
  if (const auto* text = node.as_string()) return Quoted(text->get());
  if (const auto* number = node.as_integer()) return std::to_string(number->get());
  return Describe(node);
}

std::vector<std::pair<const toml::key*, const toml::node*>> InFileOrder(const toml::table& table) {
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  for (auto&& [key, value] : table) entries.emplace_back(&key, &value);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    const auto& x = a.first->source().begin;
    const auto& y = b.first->source().begin;
    return std::pair(x.line, x.column) < std::pair(y.line, y.column);
  });
  return entries;
}

NodeReader::NodeReader(std::string source)
    : source_(std::move(source)), directory_(std::filesystem::path(source_).parent_path()) {}

void NodeReader::Fail(const toml::source_region& where, const std::string& path,
                      const std::string& message) const {
  throw ConfigError(source_, static_cast<int>(where.begin.line),
                    static_cast<int>(where.begin.column), path + ": " + message);
}

void NodeReader::FailType(const toml::node& node, const std::string& path,
                          std::string_view expected) const {
  Fail(node.source(), path, "found " + Describe(node) + "; expected " + std::string(expected));
}

void NodeReader::FailUnknownKey(const toml::key& key, const std::string& path,
                                KeyScope scope) const {
  Fail(key.source(), path, UnknownKeyMessage(key.str(), scope));
}

const std::string& NodeReader::String(const toml::node& node, const std::string& path,
                                      std::string_view expected) const {
  const auto* text = node.as_string();
  if (text == nullptr) FailType(node, path, expected);
  return text->get();
}

std::int64_t NodeReader::Integer(const toml::node& node, const std::string& path, std::int64_t min,
                                 std::int64_t max, const std::string& expected) const {
  const auto* number = node.as_integer();
  if (number == nullptr) FailType(node, path, expected);
  if (number->get() < min || number->get() > max) {
    Fail(node.source(), path, "found " + Shown(node) + "; expected " + expected);
  }
  return number->get();
}

bool NodeReader::Boolean(const toml::node& node, const std::string& path) const {
  const auto* flag = node.as_boolean();
  if (flag == nullptr) FailType(node, path, "true or false");
  return flag->get();
}

}  // namespace stx::config
