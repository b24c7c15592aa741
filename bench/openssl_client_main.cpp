// bench_openssl_client: the benchmark's baseline, a minimal blocking OpenSSL client that
// runs the exporter's dialogue (banner, EHLO, STARTTLS, TLS handshake with certificate and
// host name verification, EHLO, QUIT) against the fleet's partners one after the other, and
// reports its own CPU time per probe. No DNS, no transcript, no classification, no event
// loop: what is left is the protocol, OpenSSL and the kernel, i.e. about the least a prober
// can spend.
//
//   bench_openssl_client --manifest DIR/manifest.tsv --port P --ca DIR/ca.pem [--count 1000]
//
// Prints one key=value line; exit status 1 when a probe that should have succeeded did not.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct Target {
  std::string mx;
  std::string address;
};

[[noreturn]] void Usage(const std::string& why) {
  std::cerr << "bench_openssl_client: " << why
            << "\nusage: bench_openssl_client --manifest FILE --port P --ca FILE [--count N]\n";
  std::exit(2);
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

/// Reads one SMTP reply (RFC 5321 §4.2: lines until one whose code is followed by SP) with
/// `read`, which returns the bytes read or <= 0 on failure. Returns every line joined.
std::string ReadReply(const std::function<int(char*, int)>& read) {
  std::string text;
  std::size_t line_start = 0;
  char chunk[4096];
  for (;;) {
    for (std::size_t end; (end = text.find("\r\n", line_start)) != std::string::npos;) {
      const bool last = end - line_start >= 4 && text[line_start + 3] == ' ';
      line_start = end + 2;
      if (last) return text;
    }
    const int n = read(chunk, sizeof chunk);
    if (n <= 0) throw std::runtime_error("connection ended inside a reply");
    text.append(chunk, static_cast<std::size_t>(n));
  }
}

void Expect(const std::string& reply, const char* code) {
  if (reply.compare(0, 3, code) != 0) {
    throw std::runtime_error(std::string("expected ") + code + ", got " + reply.substr(0, 40));
  }
}

class Connection {
 public:
  Connection(const Target& target, std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv{10, 0};  // every read and write bounded
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    ::inet_pton(AF_INET, target.address.c_str(), &sa.sin_addr);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
      throw std::runtime_error(std::string("connect: ") + std::strerror(errno));
    }
  }
  ~Connection() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    ::close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  std::string Reply() {
    return ReadReply([this](char* buffer, int size) {
      if (ssl_ != nullptr) return SSL_read(ssl_, buffer, size);
      return static_cast<int>(::recv(fd_, buffer, static_cast<std::size_t>(size), 0));
    });
  }
  void Send(const std::string& line) {
    const std::string wire = line + "\r\n";
    const int size = static_cast<int>(wire.size());
    const bool ok = ssl_ != nullptr ? SSL_write(ssl_, wire.data(), size) == size
                                    : ::send(fd_, wire.data(), wire.size(), MSG_NOSIGNAL) == size;
    if (!ok) throw std::runtime_error("cannot send " + line);
  }
  // Not inlined: the profile (bench/profile_buckets.awk) finds the handshake by this name.
  [[gnu::noinline]] void TlsHandshake(SSL_CTX* context, const std::string& host) {
    ssl_ = SSL_new(context);
    SSL_set_fd(ssl_, fd_);
    // SNI (RFC 6066 §3); SSL_ctrl rather than the macro, whose C cast trips -Wold-style-cast.
    SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(host.c_str()));
    SSL_set1_host(ssl_, host.c_str());
    if (SSL_connect(ssl_) != 1 || SSL_get_verify_result(ssl_) != X509_V_OK) {
      throw std::runtime_error("TLS handshake or verification failed");
    }
  }

 private:
  int fd_ = -1;
  SSL* ssl_ = nullptr;
};

/// One dialogue; true when TLS was established, false when STARTTLS was not offered.
bool Probe(const Target& target, std::uint16_t port, SSL_CTX* context) {
  Connection c(target, port);
  Expect(c.Reply(), "220");
  c.Send("EHLO probe.bench.test");
  const std::string ehlo = c.Reply();
  Expect(ehlo, "250");
  // Lenient, like a regex probe: STARTTLS on any line (the exporter's classification is what
  // this baseline leaves out).
  if (ehlo.find("STARTTLS") == std::string::npos) {
    c.Send("QUIT");
    Expect(c.Reply(), "221");
    return false;
  }
  c.Send("STARTTLS");
  Expect(c.Reply(), "220");
  c.TlsHandshake(context, target.mx);
  c.Send("EHLO probe.bench.test");
  Expect(c.Reply(), "250");
  c.Send("QUIT");
  Expect(c.Reply(), "221");
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string manifest, ca;
  long port = 0, count = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--manifest") {
      manifest = value;
    } else if (flag == "--ca") {
      ca = value;
    } else if (flag == "--port") {
      port = std::strtol(value.c_str(), nullptr, 10);
    } else if (flag == "--count") {
      count = std::strtol(value.c_str(), nullptr, 10);
    } else {
      Usage("unknown option " + flag);
    }
  }
  if (manifest.empty() || ca.empty() || port <= 0 || port > 65535 || count <= 0) {
    Usage("--manifest, --ca and --port are required");
  }

  std::vector<Target> targets;
  std::ifstream file(manifest);
  std::string line;
  std::getline(file, line);  // header: domain mx address behaviour
  while (std::getline(file, line) && static_cast<long>(targets.size()) < count) {
    std::istringstream fields(line);
    std::string domain;
    Target t;
    fields >> domain >> t.mx >> t.address;
    if (!t.address.empty()) targets.push_back(t);
  }
  if (targets.empty()) Usage("no partners in " + manifest);

  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_load_verify_locations(context, ca.c_str(), nullptr) != 1) Usage("cannot load " + ca);

  std::size_t tls = 0, plain = 0, failed = 0;
  std::string first_error;
  const double cpu_start = CpuSeconds();
  const auto wall_start = std::chrono::steady_clock::now();
  for (const Target& t : targets) {
    try {
      (Probe(t, static_cast<std::uint16_t>(port), context) ? tls : plain)++;
    } catch (const std::exception& e) {
      if (failed++ == 0) first_error = t.address + ": " + e.what();
      ERR_clear_error();
    }
  }
  const double cpu = CpuSeconds() - cpu_start;
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  SSL_CTX_free(context);
  std::printf(
      "probes=%zu tls=%zu plain=%zu failed=%zu cpu_seconds=%.3f cpu_ms_per_probe=%.3f "
      "wall_seconds=%.3f\n",
      targets.size(), tls, plain, failed, cpu, cpu * 1000 / static_cast<double>(targets.size()),
      wall);
  if (failed > 0)
    std::fprintf(stderr, "bench_openssl_client: first error: %s\n", first_error.c_str());
  return failed > 0 ? 1 : 0;
}
