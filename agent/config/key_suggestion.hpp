#pragma once
// "did you mean ...?" for misspelt configuration keys. Pure; no toml++.
#include <span>
#include <string>
#include <string_view>

namespace stx::config {

/// Edit distance with adjacent transpositions counted as one edit (optimal string
/// alignment), so "intevral" is one edit from "interval", like "intervall" is.
std::size_t EditDistance(std::string_view a, std::string_view b);

/// The known key closest to `unknown`, or "" when none is close enough to be a likely typo:
/// at most a third of the key's length in edits (at least 1), fewer edits than either has
/// letters, and ignoring case ("Interval" -> "interval").
std::string SuggestKey(std::string_view unknown, std::span<const std::string_view> known);

}  // namespace stx::config
