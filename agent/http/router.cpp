#include "http/router.hpp"

namespace stx::http {

void Router::Add(std::string method, std::string path, Handler handler) {
  routes_[std::move(path)][std::move(method)] = std::move(handler);
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match match;
  const auto route = routes_.find(path);
  if (route == routes_.end()) {
    match.refusal.status = 404;
    match.refusal.body = "404 page not found\n";
    return match;
  }
  const auto& methods = route->second;
  auto it = methods.find(std::string(method));
  if (it == methods.end() && method == "HEAD") it = methods.find("GET");
  if (it != methods.end()) {
    match.handler = &it->second;
    return match;
  }
  // RFC 9110 §15.5.6: a 405 must list what the resource does support.
  std::string allow;
  for (const auto& [name, handler] : methods) {
    allow += (allow.empty() ? "" : ", ") + name;
    if (name == "GET" && methods.count("HEAD") == 0) allow += ", HEAD";
  }
  match.refusal.status = 405;
  match.refusal.body = "405 method not allowed; allowed: " + allow + "\n";
  match.refusal.headers.emplace_back("Allow", allow);
  return match;
}

}  // namespace stx::http
