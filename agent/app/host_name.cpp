#include "app/host_name.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace stx::app {

std::string LocalFqdn() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  std::string host = name;
  if (host.find('.') != std::string::npos) return host;
  // Called once at start-up, before the event loop runs: a blocking lookup is acceptable here
  // (normally /etc/hosts answers it).
  addrinfo hints{};
  hints.ai_flags = AI_CANONNAME;
  hints.ai_family = AF_UNSPEC;
  addrinfo* info = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &info) == 0 && info != nullptr) {
    if (info->ai_canonname != nullptr && std::strchr(info->ai_canonname, '.') != nullptr) {
      host = info->ai_canonname;
    }
    freeaddrinfo(info);
  }
  return host;
}

}  // namespace stx::app
