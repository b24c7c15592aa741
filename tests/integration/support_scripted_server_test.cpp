// Self-test of the scripted SMTP server and the test PKI: a plain blocking client (POSIX
// sockets + OpenSSL, every wait bounded by socket timeouts) checks the bytes each preset
// serves and what the server records. Loopback only.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "scripted/ephemeral_pki.hpp"
#include "scripted/scripted_smtp_server.hpp"
#include "support/child_process.hpp"

namespace stx::test {
using namespace stx::scripted;  // NOLINT(google-build-using-namespace): test code
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using ::testing::ElementsAre;

constexpr auto kIoTimeout = 3s;

long Ms(Clock::duration d) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

std::string OpenSslErrors() {
  std::string out;
  char buf[256];
  while (const unsigned long code = ERR_get_error()) {
    ERR_error_string_n(code, buf, sizeof buf);
    out += std::string(out.empty() ? "" : "; ") + buf;
  }
  return out;
}

/// A blocking SMTP client on a loopback socket. Each recv/send is bounded by SO_RCVTIMEO /
/// SO_SNDTIMEO, every read loop by a deadline, so no test can hang.
class BlockingClient {
 public:
  BlockingClient(const std::string& address, std::uint16_t port,
                 std::chrono::milliseconds io_timeout = kIoTimeout) {
    const bool v6 = address.find(':') != std::string::npos;
    fd_ = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    SetTimeout(io_timeout);
    int rc = -1;
    if (v6) {
      sockaddr_in6 sa{};
      sa.sin6_family = AF_INET6;
      sa.sin6_port = htons(port);
      ::inet_pton(AF_INET6, address.c_str(), &sa.sin6_addr);
      rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    } else {
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_port = htons(port);
      ::inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
      rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    }
    connected_ = rc == 0;
  }
  ~BlockingClient() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
  }
  BlockingClient(const BlockingClient&) = delete;
  BlockingClient& operator=(const BlockingClient&) = delete;

  bool connected() const { return connected_; }
  SSL* ssl() const { return ssl_; }

  void SetTimeout(std::chrono::milliseconds t) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(t.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((t.count() % 1000) * 1000);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }

  bool Send(std::string_view bytes) {
    std::size_t off = 0;
    while (off < bytes.size()) {
      const std::size_t left = bytes.size() - off;
      const long n = ssl_ != nullptr ? SSL_write(ssl_, bytes.data() + off, static_cast<int>(left))
                                     : ::send(fd_, bytes.data() + off, left, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<std::size_t>(n);
    }
    return true;
  }

  /// Reads until `n` bytes arrived, the peer closed, or the deadline passed.
  std::string ReadAtLeast(std::size_t n, std::chrono::milliseconds deadline = kIoTimeout) {
    std::string out;
    const auto until = Clock::now() + deadline;
    while (out.size() < n && Clock::now() < until) {
      if (ReadSome(out) <= 0) break;
    }
    return out;
  }

  /// Sends up to `max` bytes until a send blocks past the timeout; how many were accepted.
  std::size_t SendUntilBlocked(std::size_t max) {
    const std::string block(64 * 1024, 'A');
    std::size_t sent = 0;
    while (sent < max) {
      const long n = ::send(fd_, block.data(), std::min(block.size(), max - sent), MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    return sent;
  }

  /// How the peer ended the connection, once what it sent was read: 0 for FIN (EOF), the
  /// errno (ECONNRESET for RST), or -1 when it is still open after the timeout.
  int HowClosed() {
    char buf[4096];
    for (;;) {
      const long n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) continue;
      if (n == 0) return 0;
      return errno == EAGAIN || errno == EWOULDBLOCK ? -1 : errno;
    }
  }

  int fd() const { return fd_; }

  /// Whatever arrives within `wait` (nothing expected, usually).
  std::string ReadFor(std::chrono::milliseconds wait) {
    std::string out;
    const auto until = Clock::now() + wait;
    while (Clock::now() < until) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
      pollfd p{fd_, POLLIN, 0};
      const bool pending = ssl_ != nullptr && SSL_pending(ssl_) > 0;
      if (!pending && ::poll(&p, 1, static_cast<int>(left.count()) + 1) <= 0) break;
      if (ReadSome(out) <= 0) break;
    }
    return out;
  }

  /// True when the peer closes (EOF or reset) within the timeout.
  bool PeerClosed(std::chrono::milliseconds wait = kIoTimeout) {
    const auto until = Clock::now() + wait;
    std::string sink;
    while (Clock::now() < until) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) < 0) return false;
      if ((p.revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      if (ReadSome(sink) <= 0) return true;
    }
    return false;
  }

  /// RFC 3207 client side: TLS over the connected socket, verification outcome left to the
  /// caller (SSL_get_verify_result) unless `verify` makes a failure fatal.
  bool StartTls(SSL_CTX* ctx, const std::string& sni, std::string* error) {
    ssl_ = SSL_new(ctx);
    SSL_set_fd(ssl_, fd_);
    if (!sni.empty()) {
      // SSL_set_tlsext_host_name() is a macro with a C cast; call what it expands to.
      SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(sni.c_str()));
      SSL_set1_host(ssl_, sni.c_str());
    }
    const int rc = SSL_connect(ssl_);
    if (rc != 1 && error != nullptr)
      *error = "SSL_connect=" + std::to_string(SSL_get_error(ssl_, rc)) + " " + OpenSslErrors();
    return rc == 1;
  }

 private:
  long ReadSome(std::string& out) {
    char buf[4096];
    const long n =
        ssl_ != nullptr ? SSL_read(ssl_, buf, sizeof buf) : ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) out.append(buf, static_cast<std::size_t>(n));
    return n;
  }

  int fd_ = -1;
  bool connected_ = false;
  SSL* ssl_ = nullptr;
};

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using SslCtx = std::unique_ptr<SSL_CTX, SslCtxFree>;

// A client context trusting only `ca_path`; with `verify_peer` false the handshake continues
// whatever the certificate (a prober's view: the outcome is read afterwards).
SslCtx ClientContext(const std::string& ca_path, bool verify_peer = true) {
  SslCtx ctx(SSL_CTX_new(TLS_client_method()));
  if (!ca_path.empty()) SSL_CTX_load_verify_locations(ctx.get(), ca_path.c_str(), nullptr);
  SSL_CTX_set_verify(ctx.get(), verify_peer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
  return ctx;
}

const std::string kBanner = "220 mx.test ESMTP ready\r\n";
const std::string kEhlo =
    "250-mx.test Hello\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n"
    "250 8BITMIME\r\n";
const std::string kEhloTls =
    "250-mx.test Hello\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n";
const std::string kReady = "220 2.0.0 Ready to start TLS\r\n";
const std::string kBye = "221 2.0.0 Bye\r\n";

// Banner, then EHLO; returns the EHLO reply read up to `expected_size` bytes.
std::string GreetAndEhlo(BlockingClient& c, const std::string& banner, std::size_t ehlo_size) {
  EXPECT_TRUE(c.connected());
  EXPECT_EQ(c.ReadAtLeast(banner.size()), banner);
  EXPECT_TRUE(c.Send("EHLO client.test\r\n"));
  return c.ReadAtLeast(ehlo_size);
}

// --- EphemeralPki --------------------------------------------------------------------------------

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

std::vector<X509Ptr> LoadPem(const std::string& path) {
  std::vector<X509Ptr> out;
  BIO* bio = BIO_new_file(path.c_str(), "r");
  if (bio == nullptr) return out;
  while (X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) out.emplace_back(x);
  ERR_clear_error();
  BIO_free(bio);
  return out;
}

// Verifies the served chain against `ca_path` the way a TLS client would; X509_V_OK or the
// first error.
int VerifyChain(const std::string& ca_path, const std::string& chain_path, const std::string& host,
                const std::string& ip = "") {
  std::vector<X509Ptr> chain = LoadPem(chain_path);
  if (chain.empty()) return -1;
  X509_STORE* store = X509_STORE_new();
  X509_STORE_load_file(store, ca_path.c_str());
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  for (std::size_t i = 1; i < chain.size(); ++i) sk_X509_push(untrusted, chain[i].get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, chain[0].get(), untrusted);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
  if (!host.empty()) X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
  if (!ip.empty()) X509_VERIFY_PARAM_set1_ip_asc(param, ip.c_str());
  const int ok = X509_verify_cert(ctx);
  const int err = ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  sk_X509_free(untrusted);
  X509_STORE_free(store);
  ERR_clear_error();
  return err;
}

std::int64_t NotAfterUnix(X509* x) {
  ASN1_TIME* epoch = ASN1_TIME_set(nullptr, 0);
  int days = 0;
  int secs = 0;
  ASN1_TIME_diff(&days, &secs, epoch, X509_get0_notAfter(x));
  ASN1_TIME_free(epoch);
  return static_cast<std::int64_t>(days) * 86400 + secs;
}

class SupportTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = MakeTempDir("support-scripted-server-test"); }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::string dir_;
};

TEST_F(SupportTest, PkiIssuesEveryKindQuicklyAndEachVerifiesAsIntended) {
  const auto start = Clock::now();
  EphemeralPki pki(dir_);
  CertSpec with_ip = CertSpec::Valid("mx.test");
  with_ip.ip_sans = {"127.0.0.1", "::1"};
  const CertFiles valid = pki.Issue(with_ip);
  const CertFiles expired = pki.Issue(CertSpec::Expired());
  const CertFiles future = pki.Issue(CertSpec::NotYetValid());
  const CertFiles wrong = pki.Issue(CertSpec::WrongHost());
  const CertFiles self = pki.Issue(CertSpec::SelfSigned());
  const CertFiles chained = pki.Issue(CertSpec::WithIntermediate("mx.test", 10, 60));
  const auto elapsed = Clock::now() - start;
  std::printf("EphemeralPki: CA + 6 leaves in %ld ms\n", Ms(elapsed));
  EXPECT_LT(elapsed, 1s);  // ~10 ms expected; generous for sanitizer builds

  EXPECT_EQ(VerifyChain(pki.ca_path(), valid.cert_chain_pem_path, "mx.test"), X509_V_OK);
  EXPECT_EQ(VerifyChain(pki.ca_path(), valid.cert_chain_pem_path, "", "127.0.0.1"), X509_V_OK);
  EXPECT_EQ(VerifyChain(pki.ca_path(), valid.cert_chain_pem_path, "", "::1"), X509_V_OK);
  EXPECT_EQ(VerifyChain(pki.ca_path(), valid.cert_chain_pem_path, "other.test"),
            X509_V_ERR_HOSTNAME_MISMATCH);
  EXPECT_EQ(VerifyChain(pki.ca_path(), expired.cert_chain_pem_path, "mx.test"),
            X509_V_ERR_CERT_HAS_EXPIRED);
  EXPECT_EQ(VerifyChain(pki.ca_path(), future.cert_chain_pem_path, "mx.test"),
            X509_V_ERR_CERT_NOT_YET_VALID);
  EXPECT_EQ(VerifyChain(pki.ca_path(), wrong.cert_chain_pem_path, "mx.test"),
            X509_V_ERR_HOSTNAME_MISMATCH);
  EXPECT_EQ(VerifyChain(pki.ca_path(), self.cert_chain_pem_path, "mx.test"),
            X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
  EXPECT_EQ(VerifyChain(pki.ca_path(), chained.cert_chain_pem_path, "mx.test"), X509_V_OK);

  // The facts returned match the certificates written.
  const auto leaf = LoadPem(valid.cert_pem_path);
  ASSERT_EQ(leaf.size(), 1u);
  EXPECT_EQ(NotAfterUnix(leaf[0].get()), valid.not_after_unix);
  EXPECT_EQ(valid.not_after_unix, pki.now_unix() + 30 * 86400);
  EXPECT_EQ(valid.not_before_unix, pki.now_unix() - 86400);
  EXPECT_EQ(LoadPem(valid.cert_chain_pem_path).size(), 1u);

  // Intermediate expires first: the chain's earliest notAfter is the intermediate's.
  const auto chain = LoadPem(chained.cert_chain_pem_path);
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(NotAfterUnix(chain[0].get()), pki.now_unix() + 60 * 86400);
  EXPECT_EQ(NotAfterUnix(chain[1].get()), pki.now_unix() + 10 * 86400);
  EXPECT_EQ(chained.chain_not_after_unix, pki.now_unix() + 10 * 86400);
  EXPECT_EQ(chained.not_after_unix, pki.now_unix() + 60 * 86400);
  EXPECT_TRUE(std::filesystem::exists(chained.key_path));
}

// --- Presets --------------------------------------------------------------------------------

TEST_F(SupportTest, CompliantFullDialogueOverTlsIsServedAndRecorded) {
  const auto start = Clock::now();
  ScriptedSmtpServer server(ServerScript::Compliant());
  EXPECT_LT(Clock::now() - start, 500ms);
  ASSERT_NE(server.port(), 0);
  ASSERT_FALSE(server.ca_path().empty());

  BlockingClient c("127.0.0.1", server.port());
  EXPECT_EQ(GreetAndEhlo(c, kBanner, kEhlo.size()), kEhlo);
  ASSERT_TRUE(c.Send("STARTTLS\r\n"));
  EXPECT_EQ(c.ReadAtLeast(kReady.size()), kReady);
  const SslCtx ctx = ClientContext(server.ca_path());
  std::string error;
  ASSERT_TRUE(c.StartTls(ctx.get(), "mx.test", &error)) << error;
  EXPECT_EQ(SSL_get_verify_result(c.ssl()), X509_V_OK);
  ASSERT_TRUE(c.Send("EHLO client.test\r\n"));
  EXPECT_EQ(c.ReadAtLeast(kEhloTls.size()), kEhloTls);
  ASSERT_TRUE(c.Send("QUIT\r\n"));
  EXPECT_EQ(c.ReadAtLeast(kBye.size()), kBye);
  EXPECT_TRUE(c.PeerClosed());

  ASSERT_TRUE(server.WaitForClosed(1, 3s));
  const auto records = server.Connections();
  ASSERT_EQ(records.size(), 1u);
  const ConnectionRecord& r = records[0];
  EXPECT_THAT(r.lines, ElementsAre("EHLO client.test", "STARTTLS", "EHLO client.test", "QUIT"));
  EXPECT_EQ(r.first_tls_line, 2u);
  EXPECT_THAT(r.PlaintextLines(), ElementsAre("EHLO client.test", "STARTTLS"));
  EXPECT_THAT(r.TlsLines(), ElementsAre("EHLO client.test", "QUIT"));
  EXPECT_TRUE(r.tls_attempted);
  EXPECT_TRUE(r.tls_established) << r.tls_error;
  EXPECT_EQ(r.sni, "mx.test");
  EXPECT_EQ(r.tls_version, "TLSv1.3");
  EXPECT_FALSE(r.bare_lf);
  EXPECT_FALSE(r.pipelined_after_starttls);
  EXPECT_TRUE(r.HasCommand("ehlo"));
  EXPECT_FALSE(r.HasCommand("MAIL"));
  EXPECT_FALSE(r.HasCommand("RCPT"));
  EXPECT_FALSE(r.HasCommand("DATA"));
  EXPECT_EQ(r.peer.rfind("127.0.0.1:", 0), 0u) << r.peer;
}

TEST_F(SupportTest, MisorderedServesTheSeedArticleReplyExactly) {
  ScriptedSmtpServer server(ServerScript::Misordered());
  BlockingClient c("127.0.0.1", server.port());
  const std::string expected =
      "250-STARTTLS\r\n250-mail.domain1.com\r\n250-8BITMIME\r\n250-PIPELINING\r\n250-HELP\r\n"
      "250-DELIVERBY 300\r\n250 SIZE 30000000\r\n";
  EXPECT_EQ(GreetAndEhlo(c, "220 mail.domain1.com ESMTP Service ready\r\n", expected.size()),
            expected);
  // STARTTLS does work on it: the misordering is the only fault.
  ASSERT_TRUE(c.Send("STARTTLS\r\n"));
  EXPECT_EQ(c.ReadAtLeast(kReady.size()), kReady);
  const SslCtx ctx = ClientContext(server.ca_path());
  std::string error;
  EXPECT_TRUE(c.StartTls(ctx.get(), "mx.test", &error)) << error;
}

TEST_F(SupportTest, NoStarttlsAdvertisesNoneAndRefusesItInPlaintext) {
  ScriptedSmtpServer server(ServerScript::NoStarttls());
  BlockingClient c("127.0.0.1", server.port());
  EXPECT_EQ(GreetAndEhlo(c, kBanner, kEhloTls.size()), kEhloTls);
  ASSERT_TRUE(c.Send("STARTTLS\r\n"));
  const std::string refused = "502 5.5.1 Error: command not implemented\r\n";
  EXPECT_EQ(c.ReadAtLeast(refused.size()), refused);
  ASSERT_TRUE(c.Send("QUIT\r\n"));  // still plaintext
  EXPECT_EQ(c.ReadAtLeast(kBye.size()), kBye);
  ASSERT_TRUE(server.WaitForClosed(1, 3s));
  EXPECT_FALSE(server.Connections()[0].tls_attempted);
}

TEST_F(SupportTest, StarttlsRefusedWith454StaysPlaintext) {
  ScriptedSmtpServer server(ServerScript::StarttlsRefused());
  BlockingClient c("127.0.0.1", server.port());
  EXPECT_EQ(GreetAndEhlo(c, kBanner, kEhlo.size()), kEhlo);
  ASSERT_TRUE(c.Send("STARTTLS\r\n"));
  const std::string refused = "454 4.7.0 TLS not available due to local problem\r\n";
  EXPECT_EQ(c.ReadAtLeast(refused.size()), refused);
  ASSERT_TRUE(c.Send("EHLO client.test\r\n"));
  EXPECT_EQ(c.ReadAtLeast(kEhlo.size()), kEhlo);
}

TEST_F(SupportTest, BrokenTlsFailsTheHandshake) {
  ScriptedSmtpServer server(ServerScript::BrokenTls());
  BlockingClient c("127.0.0.1", server.port());
  EXPECT_EQ(GreetAndEhlo(c, kBanner, kEhlo.size()), kEhlo);
  ASSERT_TRUE(c.Send("STARTTLS\r\n"));
  EXPECT_EQ(c.ReadAtLeast(kReady.size()), kReady);
  const SslCtx ctx = ClientContext(server.ca_path());
  std::string error;
  EXPECT_FALSE(c.StartTls(ctx.get(), "mx.test", &error));
  EXPECT_THAT(error, ::testing::HasSubstr("wrong version number"));
  ASSERT_TRUE(server.WaitForClosed(1, 3s));
  EXPECT_FALSE(server.Connections()[0].tls_established);
}

TEST_F(SupportTest, MultiLineBannerIsServedExactly) {
  ScriptedSmtpServer server(ServerScript::MultiLineBanner());
  BlockingClient c("127.0.0.1", server.port());
  const std::string banner =
      "220-mx.test ESMTP ready\r\n220-This is a scripted test server.\r\n"
      "220 It accepts no mail.\r\n";
  EXPECT_EQ(GreetAndEhlo(c, banner, kEhlo.size()), kEhlo);
}

TEST_F(SupportTest, SlowBannerArrivesOnlyAfterTheDelay) {
  ScriptedSmtpServer server(ServerScript::SlowBanner(400ms));
  const auto start = Clock::now();
  BlockingClient c("127.0.0.1", server.port());
  EXPECT_EQ(c.ReadFor(200ms), "");
  EXPECT_EQ(c.ReadAtLeast(kBanner.size()), kBanner);
  EXPECT_GE(Clock::now() - start, 400ms);
}

TEST_F(SupportTest, SilentServerSendsNothingButRecordsWhatItGets) {
  ScriptedSmtpServer server(ServerScript::Silent());
  BlockingClient c("127.0.0.1", server.port());
  EXPECT_EQ(c.ReadFor(300ms), "");
  ASSERT_TRUE(c.Send("EHLO client.test\r\n"));
  EXPECT_EQ(c.ReadFor(200ms), "");
  server.Stop();
  EXPECT_TRUE(c.PeerClosed());
  EXPECT_THAT(server.Connections()[0].lines, ElementsAre("EHLO client.test"));
}

TEST_F(SupportTest, MaskedStarttlsServesXxxxxxxaAndRejectsTheCommand) {
  ScriptedSmtpServer server(ServerScript::MaskedStarttls());
  BlockingClient c("127.0.0.1", server.port());
  const std::string ehlo =
      "250-mx.test Hello\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-XXXXXXXA\r\n"
      "250 8BITMIME\r\n";
  EXPECT_EQ(GreetAndEhlo(c, kBanner, ehlo.size()), ehlo);
  ASSERT_TRUE(c.Send("STARTTLS\r\n"));
  EXPECT_THAT(c.ReadAtLeast(4), ::testing::StartsWith("500 "));
}

TEST_F(SupportTest, PrematureFinalLineArrivesAsOneBlock) {
  ScriptedSmtpServer server(ServerScript::PrematureFinalLine());
  BlockingClient c("127.0.0.1", server.port());
  const std::string ehlo = "250 mx.test\r\n250-STARTTLS\r\n250 SIZE 1000\r\n";
  EXPECT_EQ(GreetAndEhlo(c, kBanner, ehlo.size()), ehlo);
  EXPECT_EQ(c.ReadFor(100ms), "");
}

TEST_F(SupportTest, PlaintextInjectionFollowsThe220InTheSameWrite) {
  ScriptedSmtpServer server(ServerScript::PlaintextInjection());
  BlockingClient c("127.0.0.1", server.port());
  EXPECT_EQ(GreetAndEhlo(c, kBanner, kEhlo.size()), kEhlo);
  ASSERT_TRUE(c.Send("STARTTLS\r\n"));
  const std::string expected = kReady + "250 injected\r\n";
  EXPECT_EQ(c.ReadAtLeast(expected.size()), expected);
  // The server then speaks TLS as usual.
  const SslCtx ctx = ClientContext(server.ca_path());
  std::string error;
  EXPECT_TRUE(c.StartTls(ctx.get(), "mx.test", &error)) << error;
}

// --- Certificates served ------------------------------------------------------------------

TEST_F(SupportTest, ExpiredCertificateIsServedAndReportedByTheClient) {
  EphemeralPki pki(dir_);
  const CertFiles expired = pki.Issue(CertSpec::Expired());
  ServerScript script = ServerScript::Compliant();
  script.cert_chain_path = expired.cert_chain_pem_path;
  script.key_path = expired.key_path;
  ScriptedSmtpServer server(script);
  EXPECT_EQ(server.ca_path(), "");

  BlockingClient c("127.0.0.1", server.port());
  EXPECT_EQ(GreetAndEhlo(c, kBanner, kEhlo.size()), kEhlo);
  ASSERT_TRUE(c.Send("STARTTLS\r\n"));
  EXPECT_EQ(c.ReadAtLeast(kReady.size()), kReady);
  // Verify-but-continue, as a prober does: the handshake completes, the result says why not.
  const SslCtx ctx = ClientContext(pki.ca_path(), /*verify_peer=*/false);
  std::string error;
  ASSERT_TRUE(c.StartTls(ctx.get(), "mx.test", &error)) << error;
  EXPECT_EQ(SSL_get_verify_result(c.ssl()), X509_V_ERR_CERT_HAS_EXPIRED);
  X509Ptr peer(SSL_get1_peer_certificate(c.ssl()));
  ASSERT_NE(peer, nullptr);
  EXPECT_EQ(NotAfterUnix(peer.get()), expired.not_after_unix);
}

TEST_F(SupportTest, IntermediateChainIsServedInFull) {
  EphemeralPki pki(dir_);
  const CertFiles chained = pki.Issue(CertSpec::WithIntermediate("mx.test", 5, 90));
  ServerScript script = ServerScript::Compliant();
  script.cert_chain_path = chained.cert_chain_pem_path;
  script.key_path = chained.key_path;
  ScriptedSmtpServer server(script);
  BlockingClient c("127.0.0.1", server.port());
  GreetAndEhlo(c, kBanner, kEhlo.size());
  ASSERT_TRUE(c.Send("STARTTLS\r\n"));
  EXPECT_EQ(c.ReadAtLeast(kReady.size()), kReady);
  const SslCtx ctx = ClientContext(pki.ca_path());
  std::string error;
  ASSERT_TRUE(c.StartTls(ctx.get(), "mx.test", &error)) << error;
  STACK_OF(X509)* served = SSL_get_peer_cert_chain(c.ssl());
  ASSERT_NE(served, nullptr);
  ASSERT_EQ(sk_X509_num(served), 2);
  EXPECT_EQ(NotAfterUnix(sk_X509_value(served, 1)), chained.chain_not_after_unix);
}

TEST_F(SupportTest, TlsVersionCanBeCapped) {
  ServerScript script = ServerScript::Compliant();
  script.max_tls_version = TLS1_2_VERSION;
  ScriptedSmtpServer server(script);
  BlockingClient c("127.0.0.1", server.port());
  GreetAndEhlo(c, kBanner, kEhlo.size());
  ASSERT_TRUE(c.Send("STARTTLS\r\n"));
  EXPECT_EQ(c.ReadAtLeast(kReady.size()), kReady);
  const SslCtx ctx = ClientContext(server.ca_path());
  std::string error;
  ASSERT_TRUE(c.StartTls(ctx.get(), "mx.test", &error)) << error;
  EXPECT_STREQ(SSL_get_version(c.ssl()), "TLSv1.2");
  ASSERT_TRUE(c.Send("QUIT\r\n"));
  EXPECT_EQ(c.ReadAtLeast(kBye.size()), kBye);
  ASSERT_TRUE(server.WaitForClosed(1, 3s));
  EXPECT_EQ(server.Connections()[0].tls_version, "TLSv1.2");
  EXPECT_EQ(server.Connections()[0].sni, "mx.test");
}

// --- Behaviours after 220 -----------------------------------------------------------------

TEST_F(SupportTest, StallAfterReadyNeverAnswersTheClientHello) {
  ServerScript script = ServerScript::Compliant();
  script.after_starttls = AfterStarttls::kStall;
  ScriptedSmtpServer server(script);
  BlockingClient c("127.0.0.1", server.port(), 300ms);
  GreetAndEhlo(c, kBanner, kEhlo.size());
  ASSERT_TRUE(c.Send("STARTTLS\r\n"));
  EXPECT_EQ(c.ReadAtLeast(kReady.size()), kReady);
  const SslCtx ctx = ClientContext(server.ca_path());
  const auto start = Clock::now();
  EXPECT_FALSE(c.StartTls(ctx.get(), "mx.test", nullptr));
  EXPECT_GE(Clock::now() - start, 250ms);  // it timed out rather than failed
}

TEST_F(SupportTest, CloseAfterReadyHangsUp) {
  ServerScript script = ServerScript::Compliant();
  script.after_starttls = AfterStarttls::kClose;
  ScriptedSmtpServer server(script);
  BlockingClient c("127.0.0.1", server.port());
  GreetAndEhlo(c, kBanner, kEhlo.size());
  ASSERT_TRUE(c.Send("STARTTLS\r\n"));
  EXPECT_EQ(c.ReadAtLeast(kReady.size()), kReady);
  EXPECT_TRUE(c.PeerClosed());
}

// --- Hostile behaviours on the wire (the probe's view of them: probe_hostile_test) ---------

TEST_F(SupportTest, ClosedMidEhloSendsTheCutLineThenFin) {
  ScriptedSmtpServer server(ServerScript::ClosedMidEhlo());
  BlockingClient c("127.0.0.1", server.port());
  EXPECT_EQ(GreetAndEhlo(c, kBanner, 100), "250-mx.test Hel");
  EXPECT_EQ(c.HowClosed(), 0);
}

TEST_F(SupportTest, ClosedMidBannerSendsTheCutLineThenFin) {
  ScriptedSmtpServer server(ServerScript::ClosedMidBanner());
  BlockingClient c("127.0.0.1", server.port());
  EXPECT_EQ(c.ReadAtLeast(100), "220 mx.te");
  EXPECT_EQ(c.HowClosed(), 0);
}

TEST_F(SupportTest, ResetAfterEhloSendsTheWholeReplyThenRst) {
  ScriptedSmtpServer server(ServerScript::ResetAfterEhlo());
  BlockingClient c("127.0.0.1", server.port());
  EXPECT_EQ(GreetAndEhlo(c, kBanner, kEhlo.size()), kEhlo);
  EXPECT_EQ(c.HowClosed(), ECONNRESET);
}

TEST_F(SupportTest, ResetOnEhloAnswersWithRstAlone) {
  ScriptedSmtpServer server(ServerScript::ResetOnEhlo());
  BlockingClient c("127.0.0.1", server.port());
  EXPECT_EQ(c.ReadAtLeast(kBanner.size()), kBanner);
  ASSERT_TRUE(c.Send("EHLO client.test\r\n"));
  EXPECT_EQ(c.HowClosed(), ECONNRESET);
}

TEST_F(SupportTest, Unsolicited421ComesWithoutACommandThenTheServerCloses) {
  ScriptedSmtpServer server(ServerScript::Unsolicited421());
  BlockingClient c("127.0.0.1", server.port());
  const std::string expected = kBanner + server.script().hangup_notice;
  EXPECT_EQ(c.ReadAtLeast(expected.size()), expected);  // nothing sent by the client
  EXPECT_EQ(c.HowClosed(), 0);
}

TEST_F(SupportTest, NeverReadsClosesTheTcpWindow) {
  ScriptedSmtpServer server(ServerScript::NeverReads());
  BlockingClient c("127.0.0.1", server.port(), 300ms);
  EXPECT_EQ(c.ReadAtLeast(kBanner.size()), kBanner);
  // Only what the kernel buffers on both sides hold gets through; then send() blocks.
  const std::size_t accepted = c.SendUntilBlocked(std::size_t{64} << 20);
  EXPECT_LT(accepted, std::size_t{16} << 20);
  EXPECT_EQ(c.HowClosed(), -1);  // still open: neither read nor closed
  server.Stop();
  EXPECT_TRUE(server.Connections()[0].lines.empty());
}

TEST_F(SupportTest, EndlessReplyWritesUntilTheClientLeavesAndCountsIt) {
  ScriptedSmtpServer server(ServerScript::EndlessReply());
  std::size_t received = 0;
  {
    BlockingClient c("127.0.0.1", server.port());
    received = GreetAndEhlo(c, kBanner, std::size_t{8} << 20).size();
  }
  EXPECT_GE(received, std::size_t{8} << 20);
  ASSERT_TRUE(server.WaitForClosed(1, 3s));
  EXPECT_GE(server.Connections()[0].bytes_sent, kBanner.size() + received);
}

TEST_F(SupportTest, StallMidHandshakeSendsOnlyTheServerHelloRecord) {
  ScriptedSmtpServer server(ServerScript::StallMidHandshake());
  BlockingClient c("127.0.0.1", server.port(), 500ms);
  GreetAndEhlo(c, kBanner, kEhlo.size());
  ASSERT_TRUE(c.Send("STARTTLS\r\n"));
  EXPECT_EQ(c.ReadAtLeast(kReady.size()), kReady);
  // A real ClientHello, made over memory BIOs and sent by hand, so the reply can be read raw.
  const SslCtx ctx = ClientContext(server.ca_path());
  SSL* ssl = SSL_new(ctx.get());
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl, in, out);
  SSL_connect(ssl);  // WANT_READ, with the ClientHello in `out`
  char* hello = nullptr;
  const long hello_size = BIO_get_mem_data(out, &hello);
  ASSERT_GT(hello_size, 0);
  ASSERT_TRUE(c.Send(std::string(hello, static_cast<std::size_t>(hello_size))));
  SSL_free(ssl);
  const std::string reply = c.ReadFor(500ms);
  ASSERT_GE(reply.size(), 6u);
  const std::size_t record =
      5 + (static_cast<std::size_t>(static_cast<unsigned char>(reply[3])) << 8 |
           static_cast<unsigned char>(reply[4]));
  EXPECT_EQ(reply[0], 0x16);        // handshake record (RFC 8446 §5.1)
  EXPECT_EQ(reply[5], 0x02);        // ServerHello (RFC 8446 §4)
  EXPECT_EQ(reply.size(), record);  // and nothing after it
  EXPECT_EQ(c.HowClosed(), -1);     // silent, not closed
}

// --- Raw bytes, limits, recording ---------------------------------------------------------

TEST_F(SupportTest, RawBytesAreServedUntouchedInSlowChunks) {
  ServerScript script = ServerScript::Compliant();
  script.banner = std::string("220 nul\0here\n\xff\xfe bare LF\r\n", 25);
  script.ehlo_reply = "250-" + std::string(3000, 'x') + "\r\n250 STARTTLS\r\n";
  script.ehlo_chunk_size = 1000;
  script.ehlo_chunk_delay = 50ms;
  ScriptedSmtpServer server(script);
  BlockingClient c("127.0.0.1", server.port());
  EXPECT_EQ(c.ReadAtLeast(script.banner.size()), script.banner);
  ASSERT_TRUE(c.Send("EHLO client.test\r\n"));
  const auto start = Clock::now();
  EXPECT_EQ(c.ReadAtLeast(script.ehlo_reply.size()), script.ehlo_reply);
  EXPECT_GE(Clock::now() - start, 150ms);  // four chunks, three pauses
}

TEST_F(SupportTest, RecordsBareLfPipeliningCaseAndUnknownCommands) {
  ScriptedSmtpServer server(ServerScript::StarttlsRefused());
  BlockingClient c("127.0.0.1", server.port());
  EXPECT_EQ(c.ReadAtLeast(kBanner.size()), kBanner);
  ASSERT_TRUE(c.Send("ehlo client.test\n"));
  EXPECT_EQ(c.ReadAtLeast(kEhlo.size()), kEhlo);
  ASSERT_TRUE(c.Send("MAIL FROM:<a@b.test>\r\nNOOP\r\n"));
  const std::string replies = "502 5.5.2 Error: command not recognized\r\n250 2.0.0 Ok\r\n";
  EXPECT_EQ(c.ReadAtLeast(replies.size()), replies);
  ASSERT_TRUE(c.Send("STARTTLS\r\nQUIT\r\n"));
  const std::string last = "454 4.7.0 TLS not available due to local problem\r\n" + kBye;
  EXPECT_EQ(c.ReadAtLeast(last.size()), last);
  ASSERT_TRUE(server.WaitForClosed(1, 3s));
  const ConnectionRecord r = server.Connections()[0];
  EXPECT_THAT(r.lines,
              ElementsAre("ehlo client.test", "MAIL FROM:<a@b.test>", "NOOP", "STARTTLS", "QUIT"));
  EXPECT_TRUE(r.bare_lf);
  EXPECT_TRUE(r.pipelined_after_starttls);
  EXPECT_TRUE(r.HasCommand("mail"));
  EXPECT_EQ(r.first_tls_line, ConnectionRecord::kNoTls);
}

TEST_F(SupportTest, OverlongClientLineIsRefusedAndTheConnectionClosed) {
  ScriptedSmtpServer server(ServerScript::Compliant());
  BlockingClient c("127.0.0.1", server.port());
  EXPECT_EQ(c.ReadAtLeast(kBanner.size()), kBanner);
  ASSERT_TRUE(c.Send(std::string(100000, 'A')));  // no LF at all
  const std::string refused = "500 5.5.2 Error: line too long\r\n";
  EXPECT_EQ(c.ReadAtLeast(refused.size()), refused);
  EXPECT_TRUE(c.PeerClosed());
  ASSERT_TRUE(server.WaitForClosed(1, 3s));
  EXPECT_TRUE(server.Connections()[0].line_too_long);
  EXPECT_TRUE(server.Connections()[0].lines.empty());
}

TEST_F(SupportTest, SecondStarttlsOverTlsIsAnError) {
  ScriptedSmtpServer server(ServerScript::Compliant());
  BlockingClient c("127.0.0.1", server.port());
  GreetAndEhlo(c, kBanner, kEhlo.size());
  ASSERT_TRUE(c.Send("STARTTLS\r\n"));
  EXPECT_EQ(c.ReadAtLeast(kReady.size()), kReady);
  const SslCtx ctx = ClientContext(server.ca_path());
  ASSERT_TRUE(c.StartTls(ctx.get(), "", nullptr));
  ASSERT_TRUE(c.Send("STARTTLS\r\n"));
  const std::string again = "554 5.5.1 Error: TLS already active\r\n";
  EXPECT_EQ(c.ReadAtLeast(again.size()), again);
  c.Send("QUIT\r\n");
  ASSERT_TRUE(server.WaitForClosed(1, 3s));
  EXPECT_EQ(server.Connections()[0].sni, "");  // none sent
}

TEST_F(SupportTest, IdleConnectionIsClosedAfterTheIdleTimeout) {
  ServerScript script = ServerScript::Compliant();
  script.idle_timeout = 200ms;
  ScriptedSmtpServer server(script);
  BlockingClient c("127.0.0.1", server.port());
  const auto start = Clock::now();
  EXPECT_EQ(c.ReadAtLeast(kBanner.size()), kBanner);
  EXPECT_TRUE(c.PeerClosed(2s));
  EXPECT_GE(Clock::now() - start, 150ms);
}

// --- Server lifecycle ---------------------------------------------------------------------

TEST_F(SupportTest, ServesManyConcurrentConnections) {
  ScriptedSmtpServer server(ServerScript::Compliant());
  constexpr int kClients = 8;
  std::vector<std::thread> clients;
  std::vector<int> ok(kClients, 0);
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      BlockingClient c("127.0.0.1", server.port());
      if (c.ReadAtLeast(kBanner.size()) != kBanner) return;
      c.Send("EHLO client" + std::to_string(i) + ".test\r\n");
      if (c.ReadAtLeast(kEhlo.size()) != kEhlo) return;
      c.Send("STARTTLS\r\n");
      if (c.ReadAtLeast(kReady.size()) != kReady) return;
      const SslCtx ctx = ClientContext(server.ca_path());
      if (!c.StartTls(ctx.get(), "mx.test", nullptr)) return;
      c.Send("QUIT\r\n");
      ok[static_cast<std::size_t>(i)] = c.ReadAtLeast(kBye.size()) == kBye ? 1 : 0;
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_THAT(ok, ::testing::Each(1));
  ASSERT_TRUE(server.WaitForClosed(kClients, 3s));
  EXPECT_EQ(server.ConnectionCount(), static_cast<std::size_t>(kClients));
  for (const auto& r : server.Connections()) EXPECT_TRUE(r.tls_established) << r.tls_error;
}

TEST_F(SupportTest, ListensOnIpv6Loopback) {
  ScriptedSmtpServer server(ServerScript::Compliant(), "::1");
  BlockingClient c("::1", server.port());
  ASSERT_TRUE(c.connected());
  EXPECT_EQ(c.ReadAtLeast(kBanner.size()), kBanner);
  server.Stop();
  EXPECT_EQ(server.Connections()[0].peer.rfind("[::1]:", 0), 0u);
}

TEST_F(SupportTest, RefusesNonLoopbackAddresses) {
  EXPECT_THROW(ScriptedSmtpServer(ServerScript::Compliant(), "0.0.0.0"), std::invalid_argument);
  EXPECT_THROW(ScriptedSmtpServer(ServerScript::Compliant(), "192.0.2.1"), std::invalid_argument);
  EXPECT_THROW(ScriptedSmtpServer(ServerScript::Compliant(), "::"), std::invalid_argument);
}

TEST_F(SupportTest, StopClosesOpenConnectionsPromptly) {
  ServerScript script = ServerScript::Compliant();
  script.after_starttls = AfterStarttls::kStall;
  auto server = std::make_unique<ScriptedSmtpServer>(script);
  BlockingClient idle("127.0.0.1", server->port());
  BlockingClient stalled("127.0.0.1", server->port());
  EXPECT_EQ(idle.ReadAtLeast(kBanner.size()), kBanner);
  GreetAndEhlo(stalled, kBanner, kEhlo.size());
  stalled.Send("STARTTLS\r\n");
  EXPECT_EQ(stalled.ReadAtLeast(kReady.size()), kReady);
  const auto start = Clock::now();
  server.reset();
  EXPECT_LT(Clock::now() - start, 1s);
  EXPECT_TRUE(idle.PeerClosed(1s));
  EXPECT_TRUE(stalled.PeerClosed(1s));
}

// --- The stand-alone executable -----------------------------------------------------------

// Built before this test (tests/CMakeLists.txt); a missing binary is a failure, not a skip.
std::string ServerBinary() { return STX_SCRIPTED_SMTP_SERVER; }

TEST_F(SupportTest, ExecutablePrintsItsAddressAndServesTheBehaviour) {
  const std::string binary = ServerBinary();
  ASSERT_TRUE(std::filesystem::exists(binary)) << binary;
  ChildProcess child(
      {binary, "--behaviour", "misordered", "--listen", "127.0.0.1:0", "--cert-dir", dir_ + "/pki"},
      dir_ + "/server.log");
  std::string log;
  const auto until = Clock::now() + 5s;
  while (Clock::now() < until && log.find('\n') == std::string::npos && child.Running()) {
    std::this_thread::sleep_for(10ms);
    log = child.Log();
  }
  ASSERT_EQ(log.rfind("listening 127.0.0.1:", 0), 0u) << log;
  const std::size_t ca_at = log.find(" ca=");
  ASSERT_NE(ca_at, std::string::npos) << log;
  const auto port = static_cast<std::uint16_t>(std::stoi(log.substr(20, ca_at - 20)));
  const std::string ca = log.substr(ca_at + 4, log.find('\n') - ca_at - 4);
  EXPECT_EQ(ca, dir_ + "/pki/ca.pem");

  BlockingClient c("127.0.0.1", port);
  const std::string banner = "220 mail.domain1.com ESMTP Service ready\r\n";
  EXPECT_EQ(c.ReadAtLeast(banner.size()), banner);
  ASSERT_TRUE(c.Send("EHLO client.test\r\n"));
  EXPECT_THAT(c.ReadAtLeast(36), ::testing::StartsWith("250-STARTTLS\r\n250-mail.domain1.com\r\n"));
  child.Stop();
  EXPECT_FALSE(child.Running());

  ChildProcess bad({binary, "--behaviour", "compliant", "--listen", "0.0.0.0:0"},
                   dir_ + "/bad.log");
  const auto bad_until = Clock::now() + 5s;
  while (bad.Running() && Clock::now() < bad_until) std::this_thread::sleep_for(10ms);
  EXPECT_FALSE(bad.Running());
  EXPECT_THAT(bad.Log(), ::testing::HasSubstr("non-loopback"));
}

}  // namespace
}  // namespace stx::test
