#include "config/config_values.hpp"

#include <arpa/inet.h>

#include <cctype>
#include <system_error>
#include <variant>

#include "common/check_target.hpp"
#include "common/duration.hpp"
#include "common/server_spec.hpp"
#include "config/file_text.hpp"
#include "config/key_suggestion.hpp"

namespace stx::config {
namespace {

constexpr const char* kDomainForms = "a mail domain such as \"example.com\"";
constexpr const char* kMxForms =
    "a host with an optional port, such as \"mx1.example.com\", \"mx1.example.com:25\", "
    "\"192.0.2.1:25\" or \"[2001:db8::1]:25\"";
constexpr const char* kEhloForms =
    "a fully qualified host name such as \"probe.example.com\" or an address literal such as "
    "\"[192.0.2.1]\" or \"[IPv6:2001:db8::1]\"";
constexpr const char* kDnsForms =
    "an IP address with an optional port, such as \"127.0.0.1\", \"127.0.0.1:5353\" or "
    "\"[::1]:53\"";

template <typename T>
Checked<T> Fail(std::string error) {
  return {std::nullopt, std::move(error)};
}

/// The probe and dns layers quote the text they reject in single quotes; in config messages
/// values are quoted like TOML strings.
std::string Requoted(const std::string& message, std::string_view text) {
  const std::string single = "'" + std::string(text) + "'";
  if (message.compare(0, single.size(), single) != 0) return message;
  return Quoted(text) + message.substr(single.size());
}

/// The probe layer's messages end with how to write a `check` target; config messages say
/// what this key expects instead.
std::string WithoutCheckForms(std::string message) {
  const auto forms = message.find("; write a mail domain");
  if (forms != std::string::npos) message.erase(forms);
  return message;
}

/// No top-level domain is all digits (RFC 3696 §2): such a "name" is an IPv4 address.
bool LastLabelIsNumeric(std::string_view name) {
  const auto dot = name.rfind('.');
  const std::string_view label = dot == std::string_view::npos ? name : name.substr(dot + 1);
  if (label.empty()) return false;
  for (const char c : label) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool IsAddress(int family, std::string_view text) {
  unsigned char buffer[16];
  return inet_pton(family, std::string(text).c_str(), buffer) == 1;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string CheckAddressLiteral(std::string_view text) {
  if (text.back() != ']') {
    return "found " + Quoted(text) + ": missing ']'; expected " + kEhloForms;
  }
  const std::string_view inner = text.substr(1, text.size() - 2);
  if (Lower(inner.substr(0, 5)) == "ipv6:") {
    if (IsAddress(AF_INET6, inner.substr(5))) return "";
    return "found " + Quoted(text) + ": no IPv6 address after \"IPv6:\"; expected " + kEhloForms;
  }
  if (IsAddress(AF_INET, inner)) return "";
  if (IsAddress(AF_INET6, inner)) {
    // RFC 5321 §4.1.3: IPv6 literals carry the "IPv6:" tag; servers may reject them untagged.
    return "found " + Quoted(text) + "; expected " + Quoted("[IPv6:" + std::string(inner) + "]") +
           " (RFC 5321 §4.1.3 tags IPv6 address literals)";
  }
  return "found " + Quoted(text) + ": not an IP address in brackets; expected " + kEhloForms;
}

}  // namespace

std::string Quoted(std::string_view text) {
  constexpr std::size_t kMaxShown = 80;
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      constexpr const char* kHex = "0123456789ABCDEF";
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  if (text.size() > kMaxShown) out += "...";
  return out;
}

Checked<std::chrono::milliseconds> CheckDuration(std::string_view text) {
  DurationText read = ReadDuration(text);
  if (read.value) return {read.value, ""};
  return Fail<std::chrono::milliseconds>(
      "found " + Quoted(text) + ": " + read.problem +
      "; expected a duration such as \"30s\", \"5m\" or \"1h30m\" (units ms, s, m, h, d)");
}

namespace {

// `text` as a duration from `least` to `most`; `too_short` is what a shorter one is told.
Checked<std::chrono::milliseconds> CheckBetween(std::string_view text,
                                                std::chrono::milliseconds least,
                                                std::chrono::milliseconds most,
                                                const std::string& too_short) {
  if (ReadDuration(text).too_long) {  // past any bound, not only this one's
    return Fail<std::chrono::milliseconds>("found " + Quoted(text) + "; expected at most " +
                                           FormatDuration(most));
  }
  auto checked = CheckDuration(text);
  if (!checked.value) return checked;
  if (*checked.value < least) {
    return Fail<std::chrono::milliseconds>("found " + Quoted(text) + "; expected " + too_short);
  }
  if (*checked.value > most) {
    return Fail<std::chrono::milliseconds>("found " + Quoted(text) + "; expected at most " +
                                           FormatDuration(most));
  }
  return checked;
}

}  // namespace

Checked<std::chrono::milliseconds> CheckInterval(std::string_view text) {
  return CheckBetween(text, kMinInterval, kMaxInterval,
                      "at least " + FormatDuration(kMinInterval) +
                          " (partners' mail servers must not be hammered)");
}

Checked<std::chrono::milliseconds> CheckTimeout(std::string_view text) {
  return CheckBetween(text, std::chrono::milliseconds(1), kMaxTimeout, "more than 0s");
}

Checked<std::string> CheckPartnerDomain(std::string_view text) {
  if (text.empty()) return Fail<std::string>(std::string("found \"\"; expected ") + kDomainForms);
  const stx::AsciiDomain ascii = stx::ToAsciiDomain(text);  // "bücher.example": its A-labels
  if (!ascii.error.empty()) {
    return Fail<std::string>("found " + Quoted(text) + ": " + ascii.error + "; expected " +
                             kDomainForms);
  }
  std::string_view name = ascii.name;
  if (name.back() == '.') name.remove_suffix(1);  // "example.com." is the same domain
  if (const std::string why = stx::ValidateDomainName(name); !why.empty()) {
    const bool looks_like_host = text.find_first_of(":[]") != std::string_view::npos;
    return Fail<std::string>(
        "found " + Quoted(text) + ": " + why + "; expected " + kDomainForms +
        (looks_like_host ? " (pin hosts and ports with mx = [\"host:port\"])" : ""));
  }
  if (LastLabelIsNumeric(name)) {
    return Fail<std::string>("found " + Quoted(text) + ", an address; expected " + kDomainForms +
                             " (pin addresses with mx = [\"" + std::string(name) + ":25\"])");
  }
  return {Lower(name), ""};
}

Checked<CheckTarget> CheckStaticMx(std::string_view text, std::uint16_t default_port) {
  if (text.empty()) return Fail<CheckTarget>(std::string("found \"\"; expected ") + kMxForms);
  auto parsed = stx::ParseCheckTarget(text);
  if (const auto* why = std::get_if<std::string>(&parsed)) {
    return Fail<CheckTarget>("found " + Requoted(WithoutCheckForms(*why), text) + "; expected " +
                             kMxForms);
  }
  auto& target = std::get<CheckTarget>(parsed);
  target.kind = CheckTarget::Kind::kHost;
  if (!target.port) target.port = default_port;
  return {std::move(target), ""};
}

std::string CheckEhloName(std::string_view text) {
  if (text.empty()) {
    return std::string("found \"\"; expected ") + kEhloForms +
           " (leave ehlo_name out to use this machine's name)";
  }
  if (text.front() == '[') return CheckAddressLiteral(text);
  if (const std::string why = stx::ValidateDomainName(text); !why.empty()) {
    return "found " + Quoted(text) + ": " + why + "; expected " + kEhloForms;
  }
  if (LastLabelIsNumeric(text)) {
    return "found " + Quoted(text) + "; expected " + Quoted("[" + std::string(text) + "]") +
           " (RFC 5321 §4.1.3 puts address literals in brackets)";
  }
  if (text.find('.') == std::string_view::npos) {
    // RFC 5321 §4.1.1.1 asks for the client's FQDN, and many servers refuse a bare name
    // (Postfix's reject_non_fqdn_helo_hostname): the probe would measure that refusal.
    return "found " + Quoted(text) + ", not fully qualified; expected " + kEhloForms;
  }
  return "";
}

Checked<std::string> CheckDnsServer(std::string_view text) {
  if (text.empty()) {
    return Fail<std::string>(std::string("found \"\"; expected ") + kDnsForms +
                             " (leave dns_server out to use /etc/resolv.conf)");
  }
  const stx::ServerSpecParse parsed = stx::ParseServerSpec(text);
  if (!parsed.server) {
    return Fail<std::string>("found " + Requoted(parsed.error, text) + "; expected " + kDnsForms);
  }
  return {stx::ToString(*parsed.server), ""};
}

std::string CheckLabelName(std::string_view name) {
  const auto is_start = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  bool valid = !name.empty() && is_start(name.front());
  for (const char c : name) valid = valid && (is_start(c) || (c >= '0' && c <= '9'));
  if (!valid) {
    return "found " + Quoted(name) +
           "; expected a Prometheus label name: a letter or '_', then letters, digits or '_'";
  }
  if (name.substr(0, 2) == "__") {
    return "found " + Quoted(name) +
           "; expected a name that does not start with \"__\" (Prometheus reserves those)";
  }
  if (name == "domain" || name == "name") {
    return "found " + Quoted(name) +
           "; expected another name (starttls_partner_info has \"domain\" and \"name\" already)";
  }
  return "";
}

std::string AddAddressFamily(std::string_view family, GlobalSettings& global) {
  bool* flag = family == "ipv4" ? &global.ipv4 : family == "ipv6" ? &global.ipv6 : nullptr;
  if (flag == nullptr) return "found " + Quoted(family) + "; expected \"ipv4\" or \"ipv6\"";
  if (*flag) return "found " + Quoted(family) + " again; expected each family once";
  *flag = true;
  return "";
}

Checked<std::size_t> CheckSenderName(std::string_view text) {
  if (const auto profile = smtp::FindClientProfile(text)) return {*profile, ""};
  const std::vector<std::string_view> known = smtp::ProfileNames();
  const std::string suggestion = SuggestKey(text, known);
  if (!suggestion.empty()) {
    return Fail<std::size_t>("found " + Quoted(text) +
                             "; expected a sender profile (did you mean \"" + suggestion + "\"?)");
  }
  std::string all;
  for (const std::string_view name : known) all += (all.empty() ? "" : ", ") + std::string(name);
  return Fail<std::size_t>("found " + Quoted(text) + "; expected a sender profile (" + all + ")");
}

Checked<smtp::ProfileSet> CheckSenderList(std::string_view text) {
  smtp::ProfileSet senders;
  std::size_t begin = 0;
  while (true) {
    const std::size_t comma = text.find(',', begin);
    const std::string_view name =
        text.substr(begin, comma == std::string_view::npos ? std::string_view::npos : comma - begin);
    const Checked<std::size_t> profile = CheckSenderName(name);
    if (!profile.value) return Fail<smtp::ProfileSet>(profile.error);
    if (senders.test(*profile.value)) {
      return Fail<smtp::ProfileSet>("found " + Quoted(name) + " again; expected each sender once");
    }
    senders.set(*profile.value);
    if (comma == std::string_view::npos) return {senders, ""};
    begin = comma + 1;
  }
}

Checked<MxSelection> CheckMxSelection(std::string_view text) {
  if (text == "all") return {MxSelection::kAll, ""};
  if (text == "primary") return {MxSelection::kPrimary, ""};
  return Fail<MxSelection>("found " + Quoted(text) + "; expected \"all\" or \"primary\"");
}

Checked<std::string> CheckTrustAnchorFile(std::string_view text,
                                          const std::filesystem::path& directory) {
  if (text.empty()) return {"", ""};  // validation off, said so in the documentation
  std::filesystem::path path(text);
  if (path.is_relative()) path = directory / path;
  // The root anchor is a few hundred bytes; the bound keeps a wrong path from stalling a load.
  constexpr std::size_t kMaxBytes = 1024 * 1024;
  std::error_code error;
  const auto content = ReadFileText(path.string(), kMaxBytes, error);
  if (!content) {
    return Fail<std::string>("found " + Quoted(path.string()) + ", which cannot be read (" +
                             error.message() +
                             "); expected a file of DNSSEC trust anchors such as "
                             "/usr/share/dns/root.key (package dns-root-data)");
  }
  // RFC 4034 §2 and §5: the two record types a trust anchor is written as.
  const auto names = [&](std::string_view type) {
    for (std::size_t at = content->find(type); at != std::string::npos;
         at = content->find(type, at + 1)) {
      const bool before = at > 0 && std::isspace(static_cast<unsigned char>((*content)[at - 1]));
      const std::size_t end = at + type.size();
      const bool after =
          end < content->size() && std::isspace(static_cast<unsigned char>((*content)[end]));
      if (before && after) return true;
    }
    return false;
  };
  if (!names("DS") && !names("DNSKEY")) {
    return Fail<std::string>("found " + Quoted(path.string()) +
                             ", which holds no DS or DNSKEY record; expected DNSSEC trust "
                             "anchors in zone-file form (\". IN DS 20326 8 2 E06D...\")");
  }
  return {path.string(), ""};
}

Checked<std::string> CheckCaFile(std::string_view text, const std::filesystem::path& directory) {
  if (text.empty()) {
    return Fail<std::string>(
        "found \"\"; expected a path to a PEM file (leave ca_file out to trust the system store "
        "only)");
  }
  std::filesystem::path path(text);
  if (path.is_relative()) path = directory / path;
  // A CA bundle is kilobytes; the bound keeps a wrong path (a disk image) from stalling a load.
  constexpr std::size_t kMaxBytes = 8 * 1024 * 1024;
  std::error_code error;
  const auto content = ReadFileText(path.string(), kMaxBytes, error);
  if (!content) {
    return Fail<std::string>("found " + Quoted(path.string()) + ", which cannot be read (" +
                             error.message() + "); expected a readable PEM file");
  }
  if (content->find("-----BEGIN CERTIFICATE-----") == std::string::npos &&
      content->find("-----BEGIN TRUSTED CERTIFICATE-----") == std::string::npos) {
    return Fail<std::string>("found " + Quoted(path.string()) +
                             ", which holds no PEM certificate; expected a PEM file of CA "
                             "certificates (\"-----BEGIN CERTIFICATE-----\")");
  }
  return {path.string(), ""};
}

}  // namespace stx::config
