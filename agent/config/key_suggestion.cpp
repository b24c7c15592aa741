#include "config/key_suggestion.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace stx::config {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::size_t EditDistance(std::string_view a, std::string_view b) {
  // Three rows suffice: a transposition looks two rows back.
  const std::size_t width = b.size() + 1;
  std::vector<std::size_t> before(width), previous(width), current(width);
  for (std::size_t j = 0; j < width; ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j < width; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        current[j] = std::min(current[j], before[j - 2] + 1);
      }
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::string SuggestKey(std::string_view unknown, std::span<const std::string_view> known) {
  const std::string lower = Lower(unknown);
  std::string best;
  std::size_t best_distance = 0;
  for (const std::string_view candidate : known) {
    const std::size_t distance = EditDistance(lower, candidate);
    const std::size_t limit = std::max<std::size_t>(1, candidate.size() / 3);
    // Replacing every letter is no typo: "x" is not a misspelt "mx".
    if (distance > limit || distance >= std::min(lower.size(), candidate.size())) continue;
    if (best.empty() || distance < best_distance) {
      best = std::string(candidate);
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace stx::config
