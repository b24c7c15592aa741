#include "config/config_loader.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>

namespace stx::config {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

// Pinned hosts as the loader stores them: host targets, each with its port.
std::vector<CheckTarget> Hosts(std::initializer_list<const char*> texts) {
  std::vector<CheckTarget> hosts;
  for (const char* text : texts) {
    auto target = std::get<CheckTarget>(ParseCheckTarget(text));
    EXPECT_TRUE(target.port.has_value()) << text;
    target.kind = CheckTarget::Kind::kHost;
    hosts.push_back(std::move(target));
  }
  return hosts;
}

// ----- invalid configurations: each maps to its exact message -----------------------------

struct InvalidCase {
  std::string name;  // test name
  std::string toml;
  std::string message;  // what(), positions included
};

void PrintTo(const InvalidCase& c, std::ostream* os) { *os << c.name; }

class ConfigLoaderInvalid : public testing::TestWithParam<InvalidCase> {};

TEST_P(ConfigLoaderInvalid, FailsWithExactMessage) {
  const InvalidCase& c = GetParam();
  try {
    const ExporterConfig config = ParseConfig(c.toml, "cfg.toml");
    FAIL() << "accepted:\n" << c.toml;
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.what(), c.message) << c.toml;
  }
}

// Partners' mx lines used by several cases.
const std::string kBank = "[[partner]]\ndomain = \"bank.example\"\n";

// Every profile name of the table, as an error lists them.
std::string ProfileList() {
  std::string all;
  for (const std::string_view name : smtp::ProfileNames()) {
    all += (all.empty() ? "" : ", ") + std::string(name);
  }
  return all;
}

INSTANTIATE_TEST_SUITE_P(
    Config, ConfigLoaderInvalid,
    testing::Values(
        // TOML syntax: toml++'s own message and position.
        InvalidCase{
            "Syntax", "interval = \"5m\nport = 25\n",
            "cfg.toml:1:15: Error while parsing string: unescaped control characters other than "
            "TAB (U+0009) are explicitly prohibited"},
        InvalidCase{"MissingValue", "port =\n",
                    "cfg.toml:1:7: Error while parsing key-value pair: expected value, saw '\\n'"},
        InvalidCase{"RedefinedKey", "port = 25\nport = 26\n",
                    "cfg.toml:2:8: Error while parsing key-value pair: cannot redefine existing "
                    "integer 'port'"},
        // Unknown keys.
        InvalidCase{"TypoSuggested", "intervall = \"5m\"\n",
                    "cfg.toml:1:1: intervall: unknown key 'intervall'; did you mean 'interval'?"},
        InvalidCase{"TranspositionSuggested", "timoeut = \"5s\"\n",
                    "cfg.toml:1:1: timoeut: unknown key 'timoeut'; did you mean 'timeout'?"},
        InvalidCase{"UnknownListsKeys", "colour = \"blue\"\n",
                    "cfg.toml:1:1: colour: unknown key 'colour'; expected one of interval, "
                    "timeout, ehlo_name, concurrency, dns_server, dns_trust_anchor_file, mx, "
                    "address_families, port, ca_file, allow_adhoc_probes, senders, web, "
                    "partner"},
        InvalidCase{"PartnerTypo", kBank + "intervall = \"10m\"\n",
                    "cfg.toml:3:1: partner[1].intervall: unknown key 'intervall'; did you mean "
                    "'interval'?"},
        InvalidCase{"GlobalKeyBelowPartner", kBank + "concurrency = 4\n",
                    "cfg.toml:3:1: partner[1].concurrency: unknown key 'concurrency'; "
                    "'concurrency' is a global setting: expected it above the first [[partner]]"},
        InvalidCase{"PartnerKeyAtTop", "domain = \"bank.example\"\n",
                    "cfg.toml:1:1: domain: unknown key 'domain'; expected it in a [[partner]] "
                    "entry"},
        InvalidCase{"GlobalTable", "[global]\ninterval = \"5m\"\n",
                    "cfg.toml:1:2: global: unknown key 'global'; there is no [global] table: "
                    "expected the global settings as top-level keys"},
        // Durations.
        InvalidCase{"IntervalInteger", "interval = 300\n",
                    "cfg.toml:1:12: interval: found integer 300; expected a duration string "
                    "such as \"5m\""},
        InvalidCase{"IntervalText", "interval = \"5 minutes\"\n",
                    "cfg.toml:1:12: interval: found \"5 minutes\": unknown unit \" minutes\"; "
                    "expected a duration such as "
                    "\"30s\", \"5m\" or \"1h30m\" (units ms, s, m, h, d)"},
        InvalidCase{"IntervalTooShort", "interval = \"5s\"\ntimeout = \"1s\"\n",
                    "cfg.toml:1:12: interval: found \"5s\"; expected at least 10s (partners' "
                    "mail servers must not be hammered)"},
        InvalidCase{"TimeoutZero", "timeout = \"0s\"\n",
                    "cfg.toml:1:11: timeout: found \"0s\"; expected more than 0s"},
        InvalidCase{"TimeoutNotBelowInterval", "interval = \"1m\"\ntimeout = \"1m\"\n",
                    "cfg.toml:2:11: timeout: found \"1m\"; expected less than the interval (1m)"},
        InvalidCase{"IntervalBelowDefaultTimeout", "interval = \"20s\"\n",
                    "cfg.toml:1:12: interval: found \"20s\"; expected more than the timeout (30s)"},
        InvalidCase{"PartnerIntervalBelowGlobalTimeout", kBank + "interval = \"15s\"\n",
                    "cfg.toml:3:12: partner[1].interval: found \"15s\"; expected more than the "
                    "timeout (30s)"},
        InvalidCase{"PartnerTimeoutNotBelowInterval",
                    kBank + "timeout = \"10m\"\ninterval = \"10m\"\n",
                    "cfg.toml:3:11: partner[1].timeout: found \"10m\"; expected less than the "
                    "interval (10m)"},
        // Other global values.
        InvalidCase{"EhloNotQualified", "ehlo_name = \"probe\"\n",
                    "cfg.toml:1:13: ehlo_name: found \"probe\", not fully qualified; expected a "
                    "fully qualified host name such as \"probe.example.com\" or an address "
                    "literal such as \"[192.0.2.1]\" or \"[IPv6:2001:db8::1]\""},
        InvalidCase{"EhloUntaggedIpv6", "ehlo_name = \"[2001:db8::1]\"\n",
                    "cfg.toml:1:13: ehlo_name: found \"[2001:db8::1]\"; expected "
                    "\"[IPv6:2001:db8::1]\" (RFC 5321 §4.1.3 tags IPv6 address literals)"},
        InvalidCase{"ConcurrencyZero", "concurrency = 0\n",
                    "cfg.toml:1:15: concurrency: found 0; expected a number from 1 to 10000"},
        InvalidCase{"ConcurrencyFloat", "concurrency = 8.5\n",
                    "cfg.toml:1:15: concurrency: found float 8.5; expected a number from 1 to "
                    "10000"},
        InvalidCase{"DnsServerPort", "dns_server = \"127.0.0.1:99999\"\n",
                    "cfg.toml:1:14: dns_server: found \"127.0.0.1:99999\": port must be 1-65535; "
                    "expected an IP address with an optional port, such as \"127.0.0.1\", "
                    "\"127.0.0.1:5353\" or \"[::1]:53\""},
        InvalidCase{"MxSelection", "mx = \"any\"\n",
                    "cfg.toml:1:6: mx: found \"any\"; expected \"all\" or \"primary\""},
        InvalidCase{"MxListAtTop", "mx = [\"mx1.example.com\"]\n",
                    "cfg.toml:1:6: mx: found an array; expected \"all\" or \"primary\" (static "
                    "hosts go in a [[partner]] entry's mx)"},
        InvalidCase{"FamiliesEmpty", "address_families = []\n",
                    "cfg.toml:1:20: address_families: found []; expected [\"ipv4\"], [\"ipv6\"] "
                    "or [\"ipv4\", \"ipv6\"]"},
        InvalidCase{"FamilyUnknown", "address_families = [\"ipv4\", \"ip6\"]\n",
                    "cfg.toml:1:29: address_families[2]: found \"ip6\"; expected \"ipv4\" or "
                    "\"ipv6\""},
        InvalidCase{"FamilyTwice", "address_families = [\"ipv4\", \"ipv4\"]\n",
                    "cfg.toml:1:29: address_families[2]: found \"ipv4\" again; expected each "
                    "family once"},
        InvalidCase{"PortRange", "port = 70000\n",
                    "cfg.toml:1:8: port: found 70000; expected a port from 1 to 65535"},
        InvalidCase{"PortString", "port = \"25\"\n",
                    "cfg.toml:1:8: port: found string \"25\"; expected a port from 1 to 65535"},
        InvalidCase{"AdhocString", "allow_adhoc_probes = \"false\"\n",
                    "cfg.toml:1:22: allow_adhoc_probes: found string \"false\"; expected true or "
                    "false"},
        InvalidCase{"CaFileMissing", "ca_file = \"/nonexistent/ca.pem\"\n",
                    "cfg.toml:1:11: ca_file: found \"/nonexistent/ca.pem\", which cannot be read "
                    "(No such file or directory); expected a readable PEM file"},
        InvalidCase{"TrustAnchorMissing", "dns_trust_anchor_file = \"/nonexistent/root.key\"\n",
                    "cfg.toml:1:25: dns_trust_anchor_file: found \"/nonexistent/root.key\", "
                    "which cannot be read (No such file or directory); expected a file of DNSSEC "
                    "trust anchors such as /usr/share/dns/root.key (package dns-root-data)"},
        InvalidCase{"TrustAnchorNotAString", "dns_trust_anchor_file = false\n",
                    "cfg.toml:1:25: dns_trust_anchor_file: found boolean false; expected a path "
                    "such as \"/usr/share/dns/root.key\""},
        InvalidCase{"CaFileEmpty", "ca_file = \"\"\n",
                    "cfg.toml:1:11: ca_file: found \"\"; expected a path to a PEM file (leave "
                    "ca_file out to trust the system store only)"},
        // The partner list.
        InvalidCase{"PartnerSingleBrackets", "[partner]\ndomain = \"bank.example\"\n",
                    "cfg.toml:1:1: partner: found a table ([partner]); expected [[partner]] "
                    "entries, with double brackets"},
        InvalidCase{"PartnerNotTable", "partner = [\"bank.example\"]\n",
                    "cfg.toml:1:12: partner[1]: found string \"bank.example\"; expected a "
                    "[[partner]] table"},
        InvalidCase{"DomainMissing", kBank + "[[partner]]\nname = \"Insurer\"\n",
                    "cfg.toml:3:1: partner[2]: found no domain; expected domain = "
                    "\"example.com\" in every [[partner]] entry"},
        InvalidCase{"DomainEmptyLabel", "[[partner]]\ndomain = \"a..b\"\n",
                    "cfg.toml:2:10: partner[1].domain: found \"a..b\": the name has an empty "
                    "label (\"..\" or a leading dot); expected a mail domain such as "
                    "\"example.com\""},
        InvalidCase{"DomainWithPort", "[[partner]]\ndomain = \"bank.example:25\"\n",
                    "cfg.toml:2:10: partner[1].domain: found \"bank.example:25\": the character "
                    "':' is not allowed in a host name; expected a mail domain such as "
                    "\"example.com\" (pin hosts and ports with mx = [\"host:port\"])"},
        InvalidCase{"DomainAddress", "[[partner]]\ndomain = \"192.0.2.1\"\n",
                    "cfg.toml:2:10: partner[1].domain: found \"192.0.2.1\", an address; expected "
                    "a mail domain such as \"example.com\" (pin addresses with mx = "
                    "[\"192.0.2.1:25\"])"},
        InvalidCase{"DomainTwice", kBank + "\n[[partner]]\ndomain = \"Bank.Example.\"\n",
                    "cfg.toml:5:10: partner[2].domain: found \"bank.example\" again (partner[1], "
                    "line 2); expected each domain once"},
        InvalidCase{"NameEmpty", kBank + "name = \"\"\n",
                    "cfg.toml:3:8: partner[1].name: found \"\"; expected a display name (leave "
                    "name out to show the domain)"},
        // Labels.
        InvalidCase{"LabelsNotTable", kBank + "labels = [\"payments\"]\n",
                    "cfg.toml:3:10: partner[1].labels: found an array; expected a table such as "
                    "{ team = \"payments\" }"},
        InvalidCase{"LabelNameDash", kBank + "labels = { team-name = \"payments\" }\n",
                    "cfg.toml:3:12: partner[1].labels.team-name: found \"team-name\"; expected a "
                    "Prometheus label name: a letter or '_', then letters, digits or '_'"},
        InvalidCase{"LabelNameReserved", kBank + "labels = { __team = \"payments\" }\n",
                    "cfg.toml:3:12: partner[1].labels.__team: found \"__team\"; expected a name "
                    "that does not start with \"__\" (Prometheus reserves those)"},
        InvalidCase{"LabelNameDomain", kBank + "[partner.labels]\ndomain = \"x\"\n",
                    "cfg.toml:4:1: partner[1].labels.domain: found \"domain\"; expected another "
                    "name (starttls_partner_info has \"domain\" and \"name\" already)"},
        InvalidCase{"LabelValueInteger", kBank + "labels = { team = \"payments\", tier = 1 }\n",
                    "cfg.toml:3:38: partner[1].labels.tier: found integer 1; expected a string "
                    "(label values are text: tier = \"1\")"},
        InvalidCase{"LabelValueEmpty", kBank + "labels = { team = \"\" }\n",
                    "cfg.toml:3:19: partner[1].labels.team: found \"\"; expected a value "
                    "(Prometheus treats an empty label as no label)"},
        // Static MX hosts.
        InvalidCase{"StaticMxString", kBank + "mx = \"primary\"\n",
                    "cfg.toml:3:6: partner[1].mx: found string \"primary\"; expected an array of "
                    "hosts such as [\"mx1.example.com:25\", \"192.0.2.1:25\"] (mx = \"all\" or "
                    "\"primary\" is a global setting)"},
        InvalidCase{"StaticMxEmpty", kBank + "mx = []\n",
                    "cfg.toml:3:6: partner[1].mx: found []; expected at least one host (leave mx "
                    "out to look up the MX records)"},
        InvalidCase{"StaticMxPort",
                    kBank + "mx = [\"mx1.bank.example:25\", \"mx2.bank.example:0\"]\n",
                    "cfg.toml:3:30: partner[1].mx[2]: found \"mx2.bank.example:0\": port must be "
                    "a number from 1 to 65535; expected a host with an optional port, such as "
                    "\"mx1.example.com\", \"mx1.example.com:25\", \"192.0.2.1:25\" or "
                    "\"[2001:db8::1]:25\""},
        InvalidCase{"StaticMxBadHost", kBank + "mx = [\"mx 1.bank.example\"]\n",
                    "cfg.toml:3:7: partner[1].mx[1]: found \"mx 1.bank.example\": the character "
                    "' ' is not allowed in a host name; expected a host with an optional port, "
                    "such as \"mx1.example.com\", \"mx1.example.com:25\", \"192.0.2.1:25\" or "
                    "\"[2001:db8::1]:25\""},
        InvalidCase{"StaticMxTwice",
                    kBank + "port = 2525\nmx = [\"MX1.bank.example\", \"mx1.bank.example:2525\"]\n",
                    "cfg.toml:4:27: partner[1].mx[2]: found \"mx1.bank.example:2525\" again "
                    "(mx[1]); expected each host once"},
        InvalidCase{"StaticMxInteger", kBank + "mx = [25]\n",
                    "cfg.toml:3:7: partner[1].mx[1]: found integer 25; expected a string such "
                    "as \"mx1.example.com:25\""},
        // The senders this company runs: profile names of the table.
        InvalidCase{"SenderTypoSuggested", "senders = [\"strict\", \"postfx\"]\n",
                    "cfg.toml:1:22: senders[2]: found \"postfx\"; expected a sender profile (did "
                    "you mean \"postfix\"?)"},
        InvalidCase{"SenderUnknownListsProfiles", kBank + "senders = [\"outlook\"]\n",
                    "cfg.toml:3:12: partner[1].senders[1]: found \"outlook\"; expected a sender "
                    "profile (" + ProfileList() + ")"},
        InvalidCase{"SenderTwice", "senders = [\"postfix\", \"postfix\"]\n",
                    "cfg.toml:1:23: senders[2]: found \"postfix\" again; expected each sender once"},
        InvalidCase{"SendersEmpty", "senders = []\n",
                    "cfg.toml:1:11: senders: found []; expected at least one sender (leave senders "
                    "out for the default, [\"strict\", \"lenient\"])"},
        InvalidCase{"SendersString", "senders = \"postfix\"\n",
                    "cfg.toml:1:11: senders: found string \"postfix\"; expected a list of senders "
                    "such as [\"postfix\", \"cisco_esa\"]"}),
    [](const testing::TestParamInfo<InvalidCase>& param) { return param.param.name; });

TEST(ConfigLoaderInvalid, ErrorCarriesItsParts) {
  try {
    ParseConfig("port = 0\n", "cfg.toml");
    FAIL() << "accepted port 0";
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.file(), "cfg.toml");
    EXPECT_EQ(error.line(), 1);
    EXPECT_EQ(error.column(), 8);
    EXPECT_EQ(error.message(), "port: found 0; expected a port from 1 to 65535");
  }
}

// ----- valid configurations: the structs they make ----------------------------------------

TEST(ConfigLoaderValid, EmptyFileIsAnIdleExporterWithDefaults) {
  const ExporterConfig config = ParseConfig("", "cfg.toml");
  EXPECT_EQ(config.source, "cfg.toml");
  EXPECT_EQ(config.global, GlobalSettings{});
  EXPECT_EQ(config.global.interval, minutes(5));
  EXPECT_EQ(config.global.timeout, seconds(30));
  EXPECT_TRUE(config.partners.empty());
}

TEST(ConfigLoaderValid, GlobalSettings) {
  const ExporterConfig config = ParseConfig(R"(
interval = "1m30s"
timeout = "10s"
ehlo_name = "probe.example.com"
concurrency = 4
dns_server = "::1"
mx = "primary"
address_families = ["ipv6"]
port = 2525
allow_adhoc_probes = true
partner = []
)",
                                            "cfg.toml");
  GlobalSettings expected;
  expected.interval = seconds(90);
  expected.timeout = seconds(10);
  expected.ehlo_name = "probe.example.com";
  expected.concurrency = 4;
  expected.dns_server = "[::1]:53";
  expected.mx = MxSelection::kPrimary;
  expected.ipv4 = false;
  expected.ipv6 = true;
  expected.port = 2525;
  expected.allow_adhoc_probes = true;
  EXPECT_EQ(config.global, expected);
  EXPECT_TRUE(config.partners.empty());
}

TEST(ConfigLoaderValid, PartnersGetDefaultsOverridesSortedLabelsAndStaticMx) {
  const ExporterConfig config = ParseConfig(R"(
interval = "10m"
port = 2525

[[partner]]
domain = "Bank.Example."
labels = { tier = "1", team = "payments" }

[[partner]]
domain = "insurer.example"
name = "Insurer"
interval = "1h"
timeout = "1m"
mx = ["MX1.insurer.example", "192.0.2.1", "2001:db8::1", "[2001:db8::2]:2526",
      "mx2.insurer.example.:26"]
port = 25  # after mx in the file, and still the port of mx entries without one
[partner.labels]
zone = "eu"
a_first = "yes"
)",
                                            "cfg.toml");
  ASSERT_EQ(config.partners.size(), 2u);

  Partner bank;
  bank.domain = "bank.example";
  bank.name = "bank.example";
  bank.labels = {{"team", "payments"}, {"tier", "1"}};
  bank.interval = minutes(10);
  bank.timeout = seconds(30);
  bank.port = 2525;
  EXPECT_EQ(config.partners[0], bank);

  Partner insurer;
  insurer.domain = "insurer.example";
  insurer.name = "Insurer";
  insurer.labels = {{"a_first", "yes"}, {"zone", "eu"}};
  insurer.interval = minutes(60);
  insurer.timeout = minutes(1);
  insurer.port = 25;
  insurer.static_mx = Hosts({"mx1.insurer.example:25", "192.0.2.1:25", "[2001:db8::1]:25",
                             "[2001:db8::2]:2526", "mx2.insurer.example:26"});
  EXPECT_EQ(config.partners[1], insurer);
}

TEST(ConfigLoaderValid, AddressLiteralsAsEhloName) {
  EXPECT_EQ(ParseConfig("ehlo_name = \"[192.0.2.1]\"", "c").global.ehlo_name, "[192.0.2.1]");
  EXPECT_EQ(ParseConfig("ehlo_name = \"[IPv6:2001:db8::1]\"", "c").global.ehlo_name,
            "[IPv6:2001:db8::1]");
}

// ----- files --------------------------------------------------------------------------------

/// A fresh directory under the system's temporary directory, removed at the end of the test.
class ConfigFiles : public testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "stx-config-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& content) const {
    const std::filesystem::path path = dir_ / name;
    std::ofstream(path) << content;
    return path.string();
  }

  static std::string MessageOf(const std::string& path) {
    try {
      LoadConfigFile(path);
    } catch (const ConfigError& error) {
      return error.what();
    }
    return "accepted";
  }

  std::filesystem::path dir_;
};

TEST_F(ConfigFiles, UnreadableFileSaysWhy) {
  const std::string missing = (dir_ / "missing.toml").string();
  EXPECT_EQ(MessageOf(missing), missing + ": cannot read: No such file or directory");
  EXPECT_EQ(MessageOf(dir_.string()), dir_.string() + ": cannot read: Is a directory");
}

TEST_F(ConfigFiles, PositionsNameTheFile) {
  const std::string path = Write("exporter.toml", "\nport = 0\n");
  EXPECT_EQ(MessageOf(path), path + ":2:8: port: found 0; expected a port from 1 to 65535");
}

TEST_F(ConfigFiles, RelativeCaFileIsTakenFromTheConfigDirectory) {
  Write("ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  const std::string path = Write("exporter.toml", "ca_file = \"ca.pem\"\n");
  const ExporterConfig config = LoadConfigFile(path);
  EXPECT_EQ(config.source, path);
  EXPECT_EQ(config.global.ca_file, (dir_ / "ca.pem").string());
}

TEST_F(ConfigFiles, TrustAnchorFileIsReadNowAndTakenFromTheConfigDirectory) {
  Write("anchor.key", "example. IN DS 12345 13 2 ABCDEF\n");
  const ExporterConfig config =
      LoadConfigFile(Write("exporter.toml", "dns_trust_anchor_file = \"anchor.key\"\n"));
  EXPECT_EQ(config.global.dns_trust_anchor_file, (dir_ / "anchor.key").string());
  // Left out: Debian's root key. "": no validation.
  EXPECT_EQ(LoadConfigFile(Write("default.toml", "port = 25\n")).global.dns_trust_anchor_file,
            "/usr/share/dns/root.key");
  EXPECT_EQ(LoadConfigFile(Write("off.toml", "dns_trust_anchor_file = \"\"\n"))
                .global.dns_trust_anchor_file,
            "");
  Write("hosts", "127.0.0.1 localhost\n");
  const std::string hosts = Write("hosts.toml", "dns_trust_anchor_file = \"hosts\"\n");
  EXPECT_EQ(MessageOf(hosts), hosts + ":1:25: dns_trust_anchor_file: found \"" +
                                  (dir_ / "hosts").string() +
                                  "\", which holds no DS or DNSKEY record; expected DNSSEC "
                                  "trust anchors in zone-file form (\". IN DS 20326 8 2 "
                                  "E06D...\")");
}

TEST_F(ConfigFiles, CaFileWithoutCertificateOrNotAFileIsRejected) {
  Write("key.pem", "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n");
  const std::string path = Write("exporter.toml", "ca_file = \"key.pem\"\n");
  EXPECT_EQ(MessageOf(path), path + ":1:11: ca_file: found \"" + (dir_ / "key.pem").string() +
                                 "\", which holds no PEM certificate; expected a PEM file of CA "
                                 "certificates (\"-----BEGIN CERTIFICATE-----\")");
  const std::string to_dir = Write("dir.toml", "ca_file = \"" + dir_.string() + "\"\n");
  EXPECT_EQ(MessageOf(to_dir), to_dir + ":1:11: ca_file: found \"" + dir_.string() +
                                   "\", which cannot be read (Is a directory); expected a "
                                   "readable PEM file");
}

// ----- the shipped example ------------------------------------------------------------------

const std::string kExample = std::string(STX_SOURCE_DIR) + "/config/starttls_exporter.toml";

TEST(ConfigLoaderValid, SendersGlobalAndPerPartner) {
  const ExporterConfig config = ParseConfig(
      "senders = [\"postfix\", \"msmtp\"]\n"
      "[[partner]]\ndomain = \"a.example\"\n"
      "[[partner]]\ndomain = \"b.example\"\nsenders = [\"curl\"]\n",
      "cfg.toml");
  const auto at = [](const char* name) { return *smtp::FindClientProfile(name); };
  smtp::ProfileSet global;
  global.set(at("postfix")).set(at("msmtp"));
  EXPECT_EQ(config.global.senders, global);
  EXPECT_EQ(config.partners[0].senders, global);
  EXPECT_EQ(config.partners[1].senders, smtp::ProfileSet().set(at("curl")));
  EXPECT_EQ(ParseConfig("", "cfg.toml").global.senders, smtp::DefaultSenders());
}

TEST(ConfigExample, LoadsWithItsPartners) {
  const ExporterConfig config = LoadConfigFile(kExample);
  ASSERT_EQ(config.partners.size(), 3u);
  EXPECT_EQ(config.partners[0].domain, "bank.example");
  EXPECT_EQ(config.partners[0].name, "Example Bank");
  EXPECT_EQ(config.partners[0].labels, (std::vector<std::pair<std::string, std::string>>{
                                           {"team", "payments"}, {"tier", "1"}}));
  EXPECT_EQ(config.partners[1].interval, minutes(10));
  EXPECT_EQ(config.partners[1].timeout, seconds(20));
  EXPECT_EQ(config.partners[1].senders.count(), 3u);
  EXPECT_EQ(config.partners[2].static_mx,
            Hosts({"mx1.pinned.example:25", "192.0.2.25:25", "[2001:db8::25]:2525"}));
}

/// "A commented-out key shows its default": uncommenting the global keys that document a
/// default must change nothing. (ehlo_name, dns_server and ca_file show examples instead.)
TEST(ConfigExample, CommentedGlobalsAreTheDefaults) {
  std::ifstream in(kExample);
  std::string line, uncommented;
  int uncommented_keys = 0;
  while (std::getline(in, line)) {
    for (const char* key : {"interval", "timeout", "concurrency", "mx", "address_families", "port",
                            "allow_adhoc_probes", "senders"}) {
      if (line.rfind(std::string("#") + key + " = ", 0) == 0) {
        line.erase(0, 1);
        ++uncommented_keys;
      }
    }
    uncommented += line + "\n";
  }
  EXPECT_EQ(uncommented_keys, 8);
  const ExporterConfig config = ParseConfig(uncommented, kExample);
  EXPECT_EQ(config.global, GlobalSettings{});
  EXPECT_EQ(config.partners, LoadConfigFile(kExample).partners);
}

}  // namespace
}  // namespace stx::config
