#include "support/https_policy_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "scripted/ephemeral_pki.hpp"

namespace stx::test {
namespace {

std::atomic<int> body_counter{0};

bool Accepts(const std::string& address, std::uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  if (inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1) return false;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0;
  ::close(fd);
  return ok;
}

// Bodies are written where the configuration will find them: PolicyAnswer runs before the
// server's temp dir exists, so they go to a directory of their own.
const std::string& BodyDir() {
  static const std::string dir = MakeTempDir("stx-sts-bodies");
  return dir;
}

}  // namespace

std::string PolicyAnswer(const std::string& body, const std::string& content_type) {
  const std::string path = BodyDir() + "/body-" + std::to_string(++body_counter) + ".txt";
  WriteFile(path, body);
  // `types {}` empties the extension map, so default_type is what every file is served as.
  return "types { } default_type \"" + content_type + "\"; alias " + path + ";";
}

HttpsPolicyServer::HttpsPolicyServer(std::string address, std::uint16_t port,
                                     std::vector<PolicySite> sites)
    : address_(std::move(address)), port_(port), dir_(MakeTempDir("stx-nginx")) {
  const std::string nginx = "/usr/sbin/nginx";
  if (::access(nginx.c_str(), X_OK) != 0) {
    throw std::runtime_error("nginx not found at " + nginx +
                             " (scripts/install-deps installs the nginx-light package)");
  }
  // The default server needs a certificate too: one for a name no test asks for.
  scripted::EphemeralPki pki(dir_ + "/pki");
  const scripted::CertFiles fallback = pki.Issue(scripted::CertSpec::Valid("default.invalid"));
  const std::string listen = address_ + ":" + std::to_string(port_);
  std::string conf =
      // As root, the workers stay root: they read the bodies from temp dirs only root may
      // enter.
      std::string(::geteuid() == 0 ? "user root root;\n" : "") + "worker_processes 1;\npid " +
      dir_ + "/nginx.pid;\nerror_log " + dir_ +
      "/error.log info;\nevents { worker_connections 64; }\nhttp {\n  access_log " + dir_ +
      "/access.log;\n  client_body_temp_path " + dir_ + "/client;\n  proxy_temp_path " + dir_ +
      "/proxy;\n  fastcgi_temp_path " + dir_ + "/fastcgi;\n  uwsgi_temp_path " + dir_ +
      "/uwsgi;\n  scgi_temp_path " + dir_ + "/scgi;\n  server_tokens off;\n" +
      "  server {\n    listen " + listen + " ssl default_server;\n    server_name _;\n" +
      "    ssl_certificate " + fallback.cert_chain_pem_path + ";\n    ssl_certificate_key " +
      fallback.key_path + ";\n    return 404;\n  }\n";
  for (const PolicySite& site : sites) {
    conf += "  server {\n    listen " + listen + " ssl;\n    server_name mta-sts." + site.domain +
            ";\n    ssl_certificate " + site.cert_chain_path + ";\n    ssl_certificate_key " +
            site.key_path + ";\n    location = /.well-known/mta-sts.txt { " + site.location +
            " }\n    location / { return 404; }\n  }\n";
  }
  conf += "}\n";
  WriteFile(dir_ + "/nginx.conf", conf);
  child_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{nginx, "-p", dir_, "-c", dir_ + "/nginx.conf", "-e",
                               dir_ + "/error.log", "-g", "daemon off;"},
      dir_ + "/nginx.out");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!Accepts(address_, port_)) {
    if (!child_->Running() || std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("nginx did not start on " + listen + ":\n" + Log() +
                               "\nconfiguration:\n" + conf);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

HttpsPolicyServer::~HttpsPolicyServer() = default;

std::string HttpsPolicyServer::Log() const {
  return (child_ ? child_->Log() : std::string()) + ReadFile(dir_ + "/error.log") +
         ReadFile(dir_ + "/access.log");
}

}  // namespace stx::test
