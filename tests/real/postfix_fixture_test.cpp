// Self-test of stx::test::PostfixServer against the real Postfix: STARTTLS on and off, the
// served certificate, no relaying, two instances at once, and start-up failures that carry
// Postfix's log. The SMTP client here is deliberately plain (POSIX sockets + OpenSSL) so the
// fixture is tested independently of the probe it will later serve.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.hpp"
#include "support/postfix_server.hpp"

namespace stx::test {
namespace {

using ::testing::HasSubstr;

constexpr char kHostname[] = "mx.postfix.test";

struct SmtpReply {
  int code = 0;
  std::vector<std::string> lines;  // without CRLF
  std::string Text() const {
    std::string text;
    for (const auto& line : lines) text += line + "\n";
    return text;
  }
  /// True when an EHLO keyword line (any line after the first, RFC 5321 §4.1.1.1) is `word`.
  bool ListsKeyword(const std::string& word) const {
    for (std::size_t i = 1; i < lines.size(); ++i) {
      if (lines[i].size() >= 4 && lines[i].substr(4) == word) return true;
    }
    return false;
  }
};

/// One SMTP client session on loopback; every read and write gives up after 5 s (SO_RCVTIMEO
/// and SO_SNDTIMEO on the socket also bound OpenSSL's reads and writes over it).
class SmtpSession {
 public:
  SmtpSession(const std::string& address, std::uint16_t port) {
    const bool ipv6 = address.find(':') != std::string::npos;
    fd_ = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    timeval tv{};
    tv.tv_sec = 5;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int rc = -1;
    if (ipv6) {
      sockaddr_in6 addr{};
      addr.sin6_family = AF_INET6;
      addr.sin6_port = htons(port);
      ::inet_pton(AF_INET6, address.c_str(), &addr.sin6_addr);
      rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    } else {
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(port);
      ::inet_pton(AF_INET, address.c_str(), &addr.sin_addr);
      rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    }
    if (rc != 0) {
      throw std::runtime_error("connect " + address + ":" + std::to_string(port) + ": " +
                               std::strerror(errno));
    }
  }
  ~SmtpSession() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
    ::close(fd_);
  }
  SmtpSession(const SmtpSession&) = delete;
  SmtpSession& operator=(const SmtpSession&) = delete;

  /// Reads one reply, continuation lines included (RFC 5321 §4.2.1); throws on timeout/EOF.
  SmtpReply Read() {
    SmtpReply reply;
    for (;;) {
      const std::string line = ReadLine();
      if (line.size() < 3) throw std::runtime_error("short reply line: " + line);
      reply.lines.push_back(line);
      if (line.size() == 3 || line[3] == ' ') break;
    }
    reply.code = std::stoi(reply.lines.back().substr(0, 3));
    return reply;
  }

  SmtpReply Command(const std::string& line) {
    Write(line + "\r\n");
    return Read();
  }

  /// The TLS handshake after "220" to STARTTLS (RFC 3207 §4). Verification is off: the test
  /// inspects the certificate itself.
  void StartTls(const std::string& server_name) {
    // RFC 3207 §5: bytes the server sent before the handshake would be plaintext injection.
    if (!buffer_.empty()) throw std::runtime_error("plaintext after 220 to STARTTLS: " + buffer_);
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (ctx_ == nullptr) throw std::runtime_error("SSL_CTX_new failed");
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    // SNI, as a prober sends it. SSL_set_tlsext_host_name is a macro with a C cast in it.
    SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(server_name.c_str()));
    if (SSL_connect(ssl_) != 1) throw std::runtime_error("TLS handshake failed: " + SslErrors());
  }

  /// The certificate the server presented (owned by the caller); null before StartTls.
  std::unique_ptr<X509, decltype(&X509_free)> PeerCertificate() const {
    return {ssl_ != nullptr ? SSL_get1_peer_certificate(ssl_) : nullptr, &X509_free};
  }
  std::string TlsVersion() const { return ssl_ != nullptr ? SSL_get_version(ssl_) : ""; }

 private:
  static std::string SslErrors() {
    std::string text;
    for (unsigned long e; (e = ERR_get_error()) != 0;) {
      char buf[256];
      ERR_error_string_n(e, buf, sizeof buf);
      text += std::string(buf) + "; ";
    }
    return text.empty() ? std::strerror(errno) : text;
  }

  void Write(const std::string& data) {
    const int n = ssl_ != nullptr
                      ? SSL_write(ssl_, data.data(), static_cast<int>(data.size()))
                      : static_cast<int>(::send(fd_, data.data(), data.size(), MSG_NOSIGNAL));
    if (n != static_cast<int>(data.size())) throw std::runtime_error("write failed");
  }

  std::string ReadLine() {
    for (;;) {
      if (const auto end = buffer_.find("\r\n"); end != std::string::npos) {
        std::string line = buffer_.substr(0, end);
        buffer_.erase(0, end + 2);
        return line;
      }
      char chunk[4096];
      const int n = ssl_ != nullptr ? SSL_read(ssl_, chunk, sizeof chunk)
                                    : static_cast<int>(::recv(fd_, chunk, sizeof chunk, 0));
      if (n <= 0) throw std::runtime_error("read timed out or connection closed");
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string buffer_;
};

std::string CommonName(X509* cert) {
  X509_NAME* subject = X509_get_subject_name(cert);
  const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index < 0) return "";
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<std::size_t>(ASN1_STRING_length(data)));
}

std::unique_ptr<X509, decltype(&X509_free)> LoadCertificate(const std::string& path) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(path.c_str(), "r"), &BIO_free);
  return {bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr, &X509_free};
}

void Report(const PostfixServer& server, const std::string& what) {
  std::cout << "[postfix] " << what << " on " << server.address() << " port " << server.port()
            << " serving after " << server.startup_time().count() << " ms\n";
  ::testing::Test::RecordProperty("startup_ms_" + what,
                                  static_cast<int>(server.startup_time().count()));
}

// The constructor's exception names the temp dir it kept; expected failures clean it up.
void RemoveKeptDir(const std::string& message) {
  const std::string marker = "(temp dir kept: ";
  const auto begin = message.find(marker);
  if (begin == std::string::npos) return;
  const auto end = message.find(')', begin);
  std::error_code ignored;
  std::filesystem::remove_all(message.substr(begin + marker.size(), end - begin - marker.size()),
                              ignored);
}

class PostfixFixtureTest : public ::testing::Test {
 protected:
  // One self-signed P-256 certificate for the whole suite, made by the openssl CLI (the C++
  // EphemeralPki is deliberately not used: this fixture must not depend on it).
  static void SetUpTestSuite() {
    pki_dir_ = MakeTempDir("stx-postfix-pki");
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30"
        " -subj /CN=" +
        std::string(kHostname) + " -addext subjectAltName=DNS:" + kHostname + " -keyout " +
        KeyPath() + " -out " + ChainPath() + " >" + pki_dir_ + "/openssl.log 2>&1";
    if (std::system(command.c_str()) != 0) {
      openssl_error_ = "openssl failed: " + command + "\n" + ReadFile(pki_dir_ + "/openssl.log");
    }
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    std::filesystem::remove_all(pki_dir_, ignored);
  }
  void SetUp() override { ASSERT_EQ(openssl_error_, ""); }

  static std::string ChainPath() { return pki_dir_ + "/chain.pem"; }
  static std::string KeyPath() { return pki_dir_ + "/key.pem"; }
  static PostfixOptions TlsOptions() {
    PostfixOptions options;
    options.tls_chain_path = ChainPath();
    options.tls_key_path = KeyPath();
    return options;
  }

  static inline std::string pki_dir_;
  static inline std::string openssl_error_;
};

TEST_F(PostfixFixtureTest, OffersStartTlsAndServesTheConfiguredCertificate) {
  PostfixServer server(TlsOptions());
  Report(server, "tls");
  SmtpSession session(server.address(), server.port());

  const SmtpReply banner = session.Read();
  EXPECT_EQ(banner.code, 220) << banner.Text();
  EXPECT_THAT(banner.lines[0], HasSubstr(kHostname));

  const SmtpReply ehlo = session.Command("EHLO client.postfix.test");
  ASSERT_EQ(ehlo.code, 250) << ehlo.Text();
  EXPECT_GT(ehlo.lines.size(), 1u) << "EHLO reply should be multi-line:\n" << ehlo.Text();
  EXPECT_TRUE(ehlo.ListsKeyword("STARTTLS")) << ehlo.Text();

  const SmtpReply starttls = session.Command("STARTTLS");
  ASSERT_EQ(starttls.code, 220) << starttls.Text();
  session.StartTls(kHostname);
  std::cout << "[postfix] negotiated " << session.TlsVersion() << "\n";

  const auto served = session.PeerCertificate();
  ASSERT_NE(served, nullptr);
  EXPECT_EQ(CommonName(served.get()), kHostname);
  EXPECT_EQ(X509_check_host(served.get(), kHostname, 0, 0, nullptr), 1) << "SAN mismatch";
  const auto configured = LoadCertificate(ChainPath());
  ASSERT_NE(configured, nullptr);
  EXPECT_EQ(X509_cmp(served.get(), configured.get()), 0) << "not the configured certificate";

  // RFC 3207 §4.2: the session restarts; STARTTLS must no longer be offered.
  const SmtpReply tls_ehlo = session.Command("EHLO client.postfix.test");
  EXPECT_EQ(tls_ehlo.code, 250) << tls_ehlo.Text();
  EXPECT_FALSE(tls_ehlo.ListsKeyword("STARTTLS")) << tls_ehlo.Text();
  EXPECT_EQ(session.Command("QUIT").code, 221);
}

TEST_F(PostfixFixtureTest, OffersNoStartTlsWithoutCertificate) {
  PostfixServer server;
  Report(server, "plain");
  SmtpSession session(server.address(), server.port());
  EXPECT_EQ(session.Read().code, 220);
  const SmtpReply ehlo = session.Command("EHLO client.postfix.test");
  ASSERT_EQ(ehlo.code, 250) << ehlo.Text();
  EXPECT_FALSE(ehlo.ListsKeyword("STARTTLS")) << ehlo.Text();
  // Asked anyway, smtpd must refuse rather than attempt a handshake.
  EXPECT_GE(session.Command("STARTTLS").code, 500);
  EXPECT_EQ(session.Command("QUIT").code, 221);
}

TEST_F(PostfixFixtureTest, RelaysAndDeliversNothing) {
  PostfixServer server(TlsOptions());
  SmtpSession session(server.address(), server.port());
  EXPECT_EQ(session.Read().code, 220);
  EXPECT_EQ(session.Command("EHLO client.postfix.test").code, 250);
  EXPECT_EQ(session.Command("MAIL FROM:<sender@example.org>").code, 250);
  const SmtpReply outside = session.Command("RCPT TO:<someone@example.net>");
  EXPECT_GE(outside.code, 500) << outside.Text();
  const SmtpReply local = session.Command(std::string("RCPT TO:<postmaster@") + kHostname + ">");
  EXPECT_GE(local.code, 500) << local.Text();
  // No DATA: with no accepted recipient there is nothing to send it for.
  EXPECT_EQ(session.Command("RSET").code, 250);
  EXPECT_EQ(session.Command("QUIT").code, 221);

  // Nothing was queued: only the dirs the fixture made exist (no incoming/, active/, ...).
  std::vector<std::string> queue_dirs;
  for (const auto& entry : std::filesystem::directory_iterator(server.dir() + "/queue")) {
    queue_dirs.push_back(entry.path().filename().string());
  }
  EXPECT_THAT(queue_dirs, ::testing::UnorderedElementsAre("pid", "private", "public"));
  // postlogd writes asynchronously; give the reject line a moment to land.
  std::string log;
  for (int i = 0; i < 100; ++i) {
    log = ReadFile(server.maillog_path());
    if (log.find("NOQUEUE: reject: RCPT") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_THAT(log, HasSubstr("NOQUEUE: reject: RCPT from")) << server.Log();
}

TEST_F(PostfixFixtureTest, TwoInstancesRunAtOnce) {
  PostfixServer with_tls(TlsOptions());
  PostfixServer without_tls;
  Report(with_tls, "pair_tls");
  Report(without_tls, "pair_plain");
  ASSERT_NE(with_tls.port(), without_tls.port());
  ASSERT_NE(with_tls.dir(), without_tls.dir());

  // Both sessions open at the same time, interleaved.
  SmtpSession a(with_tls.address(), with_tls.port());
  SmtpSession b(without_tls.address(), without_tls.port());
  EXPECT_EQ(a.Read().code, 220);
  EXPECT_EQ(b.Read().code, 220);
  const SmtpReply ehlo_a = a.Command("EHLO client.postfix.test");
  const SmtpReply ehlo_b = b.Command("EHLO client.postfix.test");
  EXPECT_TRUE(ehlo_a.ListsKeyword("STARTTLS")) << ehlo_a.Text();
  EXPECT_FALSE(ehlo_b.ListsKeyword("STARTTLS")) << ehlo_b.Text();
  EXPECT_EQ(a.Command("STARTTLS").code, 220);
  a.StartTls(kHostname);
  EXPECT_EQ(a.Command("EHLO client.postfix.test").code, 250);
  EXPECT_EQ(a.Command("QUIT").code, 221);
  EXPECT_EQ(b.Command("QUIT").code, 221);
}

TEST_F(PostfixFixtureTest, ListensOnIpv6Loopback) {
  PostfixOptions options = TlsOptions();
  options.bind_address = "::1";
  PostfixServer server(options);
  Report(server, "ipv6");
  SmtpSession session(server.address(), server.port());
  EXPECT_EQ(session.Read().code, 220);
  const SmtpReply ehlo = session.Command("EHLO client.postfix.test");
  EXPECT_TRUE(ehlo.ListsKeyword("STARTTLS")) << ehlo.Text();
  EXPECT_EQ(session.Command("STARTTLS").code, 220);
  session.StartTls(kHostname);
  EXPECT_EQ(session.Command("QUIT").code, 221);
}

// A configuration master rejects: the constructor must throw, quoting Postfix's own words.
TEST_F(PostfixFixtureTest, BrokenConfigurationThrowsWithPostfixLog) {
  PostfixOptions options;
  options.extra_main_cf = {"inet_protocols = bogus"};
  try {
    PostfixServer server(options);
    FAIL() << "started despite a broken main.cf";
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    RemoveKeptDir(message);
    EXPECT_THAT(message, HasSubstr("did not start"));
    EXPECT_THAT(message, HasSubstr("bogus")) << message;
  }
}

// smtpd that cannot use its key still lists STARTTLS, then answers 454; the fixture must not
// return such a server as one with working TLS.
TEST_F(PostfixFixtureTest, UnusableKeyThrowsInsteadOfServingWithoutStartTls) {
  PostfixOptions options = TlsOptions();
  options.tls_key_path = ChainPath();  // a certificate where the key should be
  try {
    PostfixServer server(options);
    FAIL() << "started despite an unusable key";
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    RemoveKeptDir(message);
    EXPECT_THAT(message, HasSubstr("STARTTLS answered: 454")) << message;
    EXPECT_THAT(message, HasSubstr("disabling TLS support")) << message;
  }
}

}  // namespace
}  // namespace stx::test
