// Walks the parsed document (toml++), checks each node's type and position, and leaves the
// rules about values to config_values.cpp; the [web] table is read by web_table.cpp.
#include "config/config_loader.hpp"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "common/duration.hpp"
#include "config/config_keys.hpp"
#include "config/config_values.hpp"
#include "config/file_text.hpp"
#include "config/toml_reader.hpp"
#include "config/web_table.hpp"

namespace stx::config {
namespace {

using std::chrono::milliseconds;

constexpr std::int64_t kMaxConcurrency = 10000;
constexpr std::size_t kMaxConfigBytes = 64 * 1024 * 1024;

constexpr const char* kDurationExpected = "a duration string such as \"5m\"";
constexpr const char* kStaticMxExpected =
    "an array of hosts such as [\"mx1.example.com:25\", \"192.0.2.1:25\"]";

/// Walks one parsed document; every problem throws a ConfigError at the node it concerns.
class DocumentReader : private NodeReader {
 public:
  explicit DocumentReader(std::string source) : NodeReader(std::move(source)) {}

  ExporterConfig Read(const toml::table& root) const {
    ExporterConfig config;
    config.source = source();
    const toml::node* partners = ReadGlobal(root, config);
    if (partners == nullptr) return config;  // an idle exporter is valid: self-metrics only
    const toml::array* entries = partners->as_array();
    if (entries == nullptr) {
      if (partners->is_table()) {
        Fail(partners->source(), "partner",
             "found a table ([partner]); expected [[partner]] entries, with double brackets");
      }
      FailType(*partners, "partner", "[[partner]] entries");
    }
    std::map<std::string, std::pair<std::size_t, toml::source_position>> first_seen;
    for (std::size_t i = 0; i < entries->size(); ++i) {
      Partner partner = ReadPartner(*entries->get(i), i, config.global);
      const toml::node* domain = entries->get(i)->as_table()->get("domain");
      const auto [first, inserted] =
          first_seen.emplace(partner.domain, std::pair(i, domain->source().begin));
      if (!inserted) {
        Fail(domain->source(), ElementPath("partner", i) + ".domain",
             "found " + Quoted(partner.domain) + " again (" +
                 ElementPath("partner", first->second.first) + ", line " +
                 std::to_string(first->second.second.line) + "); expected each domain once");
      }
      config.partners.push_back(std::move(partner));
    }
    return config;
  }

 private:
  /// The nodes that set interval and timeout in one scope, for their cross-check.
  struct Given {
    const toml::node* interval = nullptr;
    const toml::node* timeout = nullptr;
  };

  std::uint16_t Port(const toml::node& node, const std::string& path) const {
    return static_cast<std::uint16_t>(Integer(node, path, 1, 65535, "a port from 1 to 65535"));
  }

  /// `check` is CheckInterval or CheckTimeout.
  milliseconds Duration(const toml::node& node, const std::string& path,
                        Checked<milliseconds> (*check)(std::string_view)) const {
    return Require(check(String(node, path, kDurationExpected)), node, path);
  }

  /// A probe must end before the next one of the same partner is due.
  void CheckTimeoutBelowInterval(const Given& given, const std::string& path, milliseconds interval,
                                 milliseconds timeout) const {
    if (timeout < interval) return;
    if (given.timeout != nullptr) {
      Fail(given.timeout->source(), KeyPath(path, "timeout"),
           "found " + Shown(*given.timeout) + "; expected less than the interval (" +
               FormatDuration(interval) + ")");
    }
    if (given.interval != nullptr) {
      Fail(given.interval->source(), KeyPath(path, "interval"),
           "found " + Shown(*given.interval) + "; expected more than the timeout (" +
               FormatDuration(timeout) + ")");
    }
  }

  /// Fills the global settings and the web settings; returns the `partner` node, if any.
  const toml::node* ReadGlobal(const toml::table& root, ExporterConfig& config) const {
    GlobalSettings& global = config.global;
    const toml::node* partners = nullptr;
    Given given;
    for (const auto& [key, value] : InFileOrder(root)) {
      const std::string name(key->str());
      if (name == "interval") {
        global.interval = Duration(*value, name, &CheckInterval);
        given.interval = value;
      } else if (name == "timeout") {
        global.timeout = Duration(*value, name, &CheckTimeout);
        given.timeout = value;
      } else if (name == "ehlo_name") {
        global.ehlo_name = String(*value, name, "a host name such as \"probe.example.com\"");
        if (const std::string why = CheckEhloName(global.ehlo_name); !why.empty()) {
          Fail(value->source(), name, why);
        }
      } else if (name == "concurrency") {
        global.concurrency = static_cast<std::size_t>(
            Integer(*value, name, 1, kMaxConcurrency, "a number from 1 to 10000"));
      } else if (name == "dns_server") {
        global.dns_server = Require(
            CheckDnsServer(String(*value, name, "a string such as \"127.0.0.1\"")), *value, name);
      } else if (name == "dns_trust_anchor_file") {
        global.dns_trust_anchor_file = Require(
            CheckTrustAnchorFile(String(*value, name, "a path such as \"/usr/share/dns/root.key\""),
                                 directory()),
            *value, name);
      } else if (name == "mx") {
        if (value->is_array()) {
          FailType(*value, name,
                   "\"all\" or \"primary\" (static hosts go in a [[partner]] entry's mx)");
        }
        global.mx =
            Require(CheckMxSelection(String(*value, name, "\"all\" or \"primary\"")), *value, name);
      } else if (name == "address_families") {
        ReadAddressFamilies(*value, global);
      } else if (name == "port") {
        global.port = Port(*value, name);
      } else if (name == "ca_file") {
        // Checked now, so a missing CA file fails the load rather than every probe later.
        global.ca_file =
            Require(CheckCaFile(String(*value, name, "a path such as \"/etc/ssl/partner-ca.pem\""),
                                directory()),
                    *value, name);
      } else if (name == "allow_adhoc_probes") {
        global.allow_adhoc_probes = Boolean(*value, name);
      } else if (name == "senders") {
        global.senders = ReadSenders(*value, name);
      } else if (name == "web") {
        config.web = ReadWebTable(*this, *value);
      } else if (name == "partner") {
        partners = value;
      } else {
        FailUnknownKey(*key, name, KeyScope::kGlobal);
      }
    }
    CheckTimeoutBelowInterval(given, "", global.interval, global.timeout);
    return partners;
  }

  void ReadAddressFamilies(const toml::node& node, GlobalSettings& global) const {
    const std::string path = "address_families";
    constexpr const char* kExpected = "[\"ipv4\"], [\"ipv6\"] or [\"ipv4\", \"ipv6\"]";
    const toml::array* families = node.as_array();
    if (families == nullptr) FailType(node, path, kExpected);
    if (families->empty()) {
      Fail(node.source(), path, std::string("found []; expected ") + kExpected);
    }
    global.ipv4 = global.ipv6 = false;
    for (std::size_t i = 0; i < families->size(); ++i) {
      const toml::node& element = *families->get(i);
      const std::string element_path = ElementPath(path, i);
      const std::string& family = String(element, element_path, "\"ipv4\" or \"ipv6\"");
      if (const std::string why = AddAddressFamily(family, global); !why.empty()) {
        Fail(element.source(), element_path, why);
      }
    }
  }

  Partner ReadPartner(const toml::node& node, std::size_t index,
                      const GlobalSettings& global) const {
    const std::string path = ElementPath("partner", index);
    const toml::table* table = node.as_table();
    if (table == nullptr) FailType(node, path, "a [[partner]] table");
    Partner partner = DefaultPartner(global, "");
    Given given;
    const toml::node* mx = nullptr;
    for (const auto& [key, value] : InFileOrder(*table)) {
      const std::string name(key->str());
      const std::string key_path = KeyPath(path, name);
      if (name == "domain") {
        partner.domain = Require(
            CheckPartnerDomain(String(*value, key_path, "a mail domain such as \"example.com\"")),
            *value, key_path);
      } else if (name == "name") {
        partner.name = String(*value, key_path, "a display name such as \"Example Bank\"");
        if (partner.name.empty()) {
          Fail(value->source(), key_path,
               "found \"\"; expected a display name (leave name out to show the domain)");
        }
      } else if (name == "labels") {
        partner.labels = ReadLabels(*value, key_path);
      } else if (name == "interval") {
        partner.interval = Duration(*value, key_path, &CheckInterval);
        given.interval = value;
      } else if (name == "timeout") {
        partner.timeout = Duration(*value, key_path, &CheckTimeout);
        given.timeout = value;
      } else if (name == "port") {
        partner.port = Port(*value, key_path);
      } else if (name == "mx") {
        if (!value->is_array()) {
          FailType(
              *value, key_path,
              std::string(kStaticMxExpected) +
                  (value->is_string() ? " (mx = \"all\" or \"primary\" is a global setting)" : ""));
        }
        mx = value;  // read below, once the partner's port is known
      } else if (name == "senders") {
        partner.senders = ReadSenders(*value, key_path);
      } else {
        FailUnknownKey(*key, key_path, KeyScope::kPartner);
      }
    }
    if (partner.domain.empty()) {
      Fail(table->source(), path,
           "found no domain; expected domain = \"example.com\" in every [[partner]] entry");
    }
    if (partner.name.empty()) partner.name = partner.domain;
    CheckTimeoutBelowInterval(given, path, partner.interval, partner.timeout);
    if (mx != nullptr) {
      partner.static_mx = ReadStaticMx(*mx->as_array(), KeyPath(path, "mx"), partner.port);
    }
    return partner;
  }

  std::vector<std::pair<std::string, std::string>> ReadLabels(const toml::node& node,
                                                              const std::string& path) const {
    const toml::table* table = node.as_table();
    if (table == nullptr) FailType(node, path, "a table such as { team = \"payments\" }");
    std::vector<std::pair<std::string, std::string>> labels;
    for (const auto& [key, value] : InFileOrder(*table)) {
      const std::string key_path = KeyPath(path, key->str());
      if (const std::string why = CheckLabelName(key->str()); !why.empty()) {
        Fail(key->source(), key_path, why);
      }
      const std::string& text =
          String(*value, key_path, "a string (label values are text: tier = \"1\")");
      if (text.empty()) {
        Fail(value->source(), key_path,
             "found \"\"; expected a value (Prometheus treats an empty label as no label)");
      }
      labels.emplace_back(key->str(), text);
    }
    std::sort(labels.begin(), labels.end());
    return labels;
  }

  /// A list of sender profile names; a misspelt one gets the nearest name as a suggestion.
  smtp::ProfileSet ReadSenders(const toml::node& node, const std::string& path) const {
    constexpr const char* kExpected = "a list of senders such as [\"postfix\", \"cisco_esa\"]";
    const toml::array* names = node.as_array();
    if (names == nullptr) FailType(node, path, kExpected);
    if (names->empty()) {
      Fail(node.source(), path,
           std::string("found []; expected at least one sender (leave senders out for the "
                       "default, [\"strict\", \"lenient\"])"));
    }
    smtp::ProfileSet senders;
    for (std::size_t i = 0; i < names->size(); ++i) {
      const toml::node& element = *names->get(i);
      const std::string element_path = ElementPath(path, i);
      const std::string& name = String(element, element_path, "a sender name such as \"postfix\"");
      const std::size_t profile = Require(CheckSenderName(name), element, element_path);
      if (senders.test(profile)) {
        Fail(element.source(), element_path,
             "found " + Quoted(name) + " again; expected each sender once");
      }
      senders.set(profile);
    }
    return senders;
  }

  std::vector<CheckTarget> ReadStaticMx(const toml::array& hosts, const std::string& path,
                                        std::uint16_t port) const {
    if (hosts.empty()) {
      Fail(hosts.source(), path,
           "found []; expected at least one host (leave mx out to look up the MX records)");
    }
    std::vector<CheckTarget> targets;
    std::map<std::string, std::size_t> seen;
    for (std::size_t i = 0; i < hosts.size(); ++i) {
      const toml::node& element = *hosts.get(i);
      const std::string element_path = ElementPath(path, i);
      CheckTarget host = Require(
          CheckStaticMx(String(element, element_path, "a string such as \"mx1.example.com:25\""),
                        port),
          element, element_path);
      if (const auto [first, inserted] = seen.emplace(ToString(host), i); !inserted) {
        Fail(element.source(), element_path,
             "found " + Quoted(first->first) + " again (" + ElementPath("mx", first->second) +
                 "); expected each host once");
      }
      targets.push_back(std::move(host));
    }
    return targets;
  }
};

}  // namespace

Partner DefaultPartner(const GlobalSettings& global, std::string domain) {
  Partner partner;
  partner.domain = std::move(domain);
  partner.name = partner.domain;
  partner.interval = global.interval;
  partner.timeout = global.timeout;
  partner.port = global.port;
  partner.senders = global.senders;
  return partner;
}

ExporterConfig LoadConfigFile(const std::string& path) {
  std::error_code error;
  const auto content = ReadFileText(path, kMaxConfigBytes, error);
  if (!content) throw ConfigError(path, 0, 0, "cannot read: " + error.message());
  return ParseConfig(*content, path);
}

ExporterConfig ParseConfig(std::string_view toml, std::string source) {
  toml::table root;
  try {
    root = toml::parse(toml, std::string(source));
  } catch (const toml::parse_error& error) {
    // toml++'s own words and position: it knows best what it could not parse.
    const toml::source_position& where = error.source().begin;
    throw ConfigError(source, static_cast<int>(where.line), static_cast<int>(where.column),
                      std::string(error.description()));
  }
  return DocumentReader(std::move(source)).Read(root);
}

}  // namespace stx::config
