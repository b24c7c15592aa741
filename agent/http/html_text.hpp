#pragma once
// Small text helpers for the HTML the exporter serves. Pure code.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace stx::http {

/// Escapes & < > " ' so that `text` is inert both in element content and in quoted attribute
/// values, and shows control characters (other than line breaks and tabs) and invalid UTF-8
/// as \xHH (DisplayText). Transcripts, banners and certificate names come from hostile
/// servers.
std::string EscapeHtml(std::string_view text);

/// An HTML id / URL fragment made of `parts`: letters, digits, '.' and '-' kept, every other
/// byte written as "_hh", so distinct inputs give distinct ids and nothing needs escaping.
std::string FragmentId(std::string_view prefix, std::initializer_list<std::string_view> parts);

/// "2026-11-24 05:12:03 UTC".
std::string UtcDateTime(std::int64_t unix_seconds);

/// How long ago, for a glance: "12 s ago", "5 min ago", "3 h ago", "2 d ago"; "just now" for
/// a time in the future (clock steps).
std::string Ago(std::int64_t seconds);

}  // namespace stx::http
