// The probe's trust store: the system's CAs are found (read on demand from the hashed
// directory), and only when asked for.
#include <gtest/gtest.h>

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "common/asio.hpp"  // before Asio's SSL headers (Boost 1.74)
#include <boost/asio/ssl/context.hpp>

#include "tls/client_context.hpp"

namespace stx::tls {
namespace {

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

// A root certificate of the system store (Debian's ca-certificates, which scripts/install-deps
// installs): any one will do.
X509Ptr SystemRoot() {
  for (const auto& entry : std::filesystem::directory_iterator(X509_get_default_cert_dir())) {
    const std::string name = entry.path().filename().string();
    if (name.size() != 10 || !name.ends_with(".0")) continue;
    std::FILE* file = std::fopen(entry.path().c_str(), "r");
    if (file == nullptr) continue;
    X509* cert = PEM_read_X509(file, nullptr, nullptr, nullptr);
    std::fclose(file);
    if (cert != nullptr) return X509Ptr(cert, X509_free);
  }
  return X509Ptr(nullptr, X509_free);
}

// What a handshake's verification would say of a chain made of `cert` alone.
int VerifyAgainst(const ClientTlsOptions& options, X509* cert) {
  const auto context = MakeClientContext(options);
  X509_STORE_CTX* verify = X509_STORE_CTX_new();
  X509_STORE_CTX_init(verify, SSL_CTX_get_cert_store(context->native_handle()), cert, nullptr);
  const int ok = X509_verify_cert(verify);
  const int code = ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(verify);
  X509_STORE_CTX_free(verify);
  return code;
}

TEST(ClientContext, SystemRootsAreTrustedWhenAskedFor) {
  const X509Ptr root = SystemRoot();
  ASSERT_NE(root, nullptr) << "no hashed certificate in " << X509_get_default_cert_dir()
                           << " (is ca-certificates installed?)";
  EXPECT_EQ(VerifyAgainst(ClientTlsOptions{}, root.get()), X509_V_OK);
  ClientTlsOptions private_only;
  private_only.system_trust_store = false;
  EXPECT_EQ(VerifyAgainst(private_only, root.get()), X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
}

TEST(ClientContext, UnreadableCaFileNamesTheFile) {
  ClientTlsOptions options;
  options.ca_file = "/nonexistent/ca.pem";
  try {
    MakeClientContext(options);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/ca.pem"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace stx::tls
