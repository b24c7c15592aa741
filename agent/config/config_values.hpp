#pragma once
// Checks of single configuration values, kept free of toml++ so they compile fast and are
// tested on their own. A failure is text of the form "found ...; expected ...", to which the
// loader prefixes the file position and the key.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "config/exporter_config.hpp"

namespace stx::config {

/// Either `value` is set, or `error` says what was found and what is expected.
template <typename T>
struct Checked {
  std::optional<T> value;
  std::string error;
};

/// `text` in double quotes, escaped like a TOML basic string, cut after 80 characters: a value
/// quoted back in a message must not spill control characters or a whole file into a log.
std::string Quoted(std::string_view text);

/// The shortest probe interval: partners' mail servers must not be hammered, and 10 s still
/// lets tests and demos run quickly.
inline constexpr std::chrono::milliseconds kMinInterval = std::chrono::seconds(10);
/// The longest probe interval: a week. A partner probed less often than that is not
/// monitored, and a bound keeps the schedule's arithmetic far from the clocks' limits.
inline constexpr std::chrono::milliseconds kMaxInterval = std::chrono::hours(24 * 7);
/// The longest deadline for one address's dialogue. RFC 5321 §4.5.3.2 gives a sender at most
/// 10 minutes per reply; a probe waits for a handful of replies and a TLS handshake.
inline constexpr std::chrono::milliseconds kMaxTimeout = std::chrono::minutes(30);

/// A sender profile's name (`senders`): its position in the profile table. An unknown name
/// gets the nearest one as a suggestion, or the list of all.
Checked<std::size_t> CheckSenderName(std::string_view text);

/// A comma-separated list of sender profile names (`check --senders`), each once.
Checked<smtp::ProfileSet> CheckSenderList(std::string_view text);

/// A Prometheus-style duration ("30s", "5m", "1h30m").
Checked<std::chrono::milliseconds> CheckDuration(std::string_view text);
/// A duration from kMinInterval to kMaxInterval.
Checked<std::chrono::milliseconds> CheckInterval(std::string_view text);
/// A duration above zero, at most kMaxTimeout. (Below the interval too: the loader checks that,
/// knowing both.)
Checked<std::chrono::milliseconds> CheckTimeout(std::string_view text);

/// A partner's mail domain, lower-cased and without its trailing dot.
Checked<std::string> CheckPartnerDomain(std::string_view text);

/// One entry of a partner's static `mx` list: a host target with its port. A bare name is a
/// host (not a domain whose MX to look up: the list exists to skip that) on `default_port`.
Checked<CheckTarget> CheckStaticMx(std::string_view text, std::uint16_t default_port);

/// The EHLO name: a fully qualified host name, or an address literal "[192.0.2.1]" /
/// "[IPv6:2001:db8::1]" (RFC 5321 §4.1.3). Returns "" when valid.
std::string CheckEhloName(std::string_view text);

/// The resolver address, normalized to "IP:PORT" / "[IPv6]:PORT".
Checked<std::string> CheckDnsServer(std::string_view text);

/// A partner label name: a Prometheus label name, not reserved ("__" prefix) and not one
/// starttls_partner_info already carries. Returns "" when valid.
std::string CheckLabelName(std::string_view name);

/// Sets global.ipv4 or global.ipv6 for "ipv4" / "ipv6", each at most once. Returns "" when
/// valid.
std::string AddAddressFamily(std::string_view family, GlobalSettings& global);

/// "all" or "primary".
Checked<MxSelection> CheckMxSelection(std::string_view text);

/// Reads the DNSSEC trust anchor file now and returns its path (relative: from `directory`).
/// Valid when it names a DS or DNSKEY record; "" is valid and turns validation off.
Checked<std::string> CheckTrustAnchorFile(std::string_view text,
                                          const std::filesystem::path& directory);

/// Reads the CA file now and returns its path, taken from `directory` when relative (as
/// Prometheus does with paths in its config). Valid when it holds a PEM certificate.
Checked<std::string> CheckCaFile(std::string_view text, const std::filesystem::path& directory);

}  // namespace stx::config
