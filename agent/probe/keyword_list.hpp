#pragma once
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace stx::probe {

/// EHLO extension keywords ("PIPELINING", "SIZE", ...) in one string, space-separated. A
/// keyword holds no space (it ends at the first SP, HT or '=', RFC 5321 §4.1.1.1), so nothing
/// is lost; and a result keeps two lists (before and after TLS) for every address, where a
/// std::vector<std::string> cost 32 bytes per keyword plus a block of its own.
class KeywordList {
 public:
  KeywordList() = default;
  KeywordList(const std::vector<std::string>& keywords);  // NOLINT: implicit, a list of them
  KeywordList(std::initializer_list<std::string_view> keywords);

  std::vector<std::string> ToVector() const;
  /// The keywords separated by one space ("" when there are none).
  const std::string& Joined() const { return joined_; }
  std::size_t size() const;
  bool empty() const { return joined_.empty(); }
  void ShrinkToFit() { joined_.shrink_to_fit(); }

  bool operator==(const KeywordList&) const = default;
  bool operator==(const std::vector<std::string>& keywords) const { return ToVector() == keywords; }

 private:
  void Add(std::string_view keyword);

  std::string joined_;
};

}  // namespace stx::probe
