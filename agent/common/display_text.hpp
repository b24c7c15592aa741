#pragma once
// Bytes from the network made safe to show. A partner controls its banner, its EHLO reply, its
// certificate's names and whatever OpenSSL quotes of them; none of it may reach a terminal as
// control sequences (an ANSI escape can print a fake line or retitle the window) or a UTF-8
// document (page, JSON, log, metrics) as invalid UTF-8.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace stx {

/// The code point of the UTF-8 sequence at the front of `bytes` and its length, or nullopt
/// when the front is not valid UTF-8 (RFC 3629 §3: no overlong forms, no surrogates, nothing
/// above U+10FFFF, no truncated sequence).
struct Utf8Char {
  char32_t code_point;
  std::size_t length;
};
std::optional<Utf8Char> DecodeUtf8(std::string_view bytes);

/// True when `bytes` is valid UTF-8.
bool IsValidUtf8(std::string_view bytes);

/// True for a control character: C0, DEL or C1 (ECMA-48 acts on the C1 ones, e.g. U+009B CSI).
bool IsControl(char32_t code_point);

/// `bytes` for a terminal or a page: valid UTF-8 stays as it is, except control characters
/// (other than those in `keep`, e.g. "\n\t" for text that is laid out in lines), and every
/// byte that is not part of valid UTF-8; those become "\xHH" per byte. A backslash stays a
/// backslash: the text is for reading, not for decoding back.
std::string DisplayText(std::string_view bytes, std::string_view keep = {});

/// `bytes` with each byte that is not part of valid UTF-8 replaced by U+FFFD, the rest as it
/// is: for formats that escape control characters themselves (JSON, metric label values).
std::string ValidUtf8(std::string_view bytes);

}  // namespace stx
