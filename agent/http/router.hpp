#pragma once
// Which handler answers a request: exact path match, then method. Pure code: no Beast.
#include <map>
#include <string>
#include <string_view>

#include "http/http_message.hpp"

namespace stx::http {

class Router {
 public:
  /// Registers `handler` for `method` on `path` (exact match); a later registration of the
  /// same pair replaces the earlier one.
  void Add(std::string method, std::string path, Handler handler);

  struct Match {
    const Handler* handler = nullptr;  ///< set when a route answers
    Response refusal;                  ///< 404, or 405 with Allow, when none does
  };
  /// HEAD is answered by the GET route unless a HEAD route exists (RFC 9110 §9.3.2).
  Match Find(std::string_view method, std::string_view path) const;

 private:
  std::map<std::string, std::map<std::string, Handler>, std::less<>> routes_;  ///< path→method
};

}  // namespace stx::http
