#include "probe/keyword_list.hpp"

#include <algorithm>

namespace stx::probe {

KeywordList::KeywordList(const std::vector<std::string>& keywords) {
  for (const auto& keyword : keywords) Add(keyword);
}

KeywordList::KeywordList(std::initializer_list<std::string_view> keywords) {
  for (const auto keyword : keywords) Add(keyword);
}

void KeywordList::Add(std::string_view keyword) {
  if (keyword.empty()) return;  // ClassifyEhlo never keeps one; it could not be told apart
  if (!joined_.empty()) joined_ += ' ';
  joined_ += keyword;
}

std::vector<std::string> KeywordList::ToVector() const {
  std::vector<std::string> out;
  std::string_view rest = joined_;
  while (!rest.empty()) {
    const std::size_t end = rest.find(' ');
    out.emplace_back(rest.substr(0, end));
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
  }
  return out;
}

std::size_t KeywordList::size() const {
  return joined_.empty()
             ? 0
             : static_cast<std::size_t>(std::count(joined_.begin(), joined_.end(), ' ')) + 1;
}

}  // namespace stx::probe
