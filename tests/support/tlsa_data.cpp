#include "support/tlsa_data.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <memory>
#include <stdexcept>

namespace stx::test {

std::string TlsaData(const std::string& pem_path, std::size_t index, std::uint8_t selector,
                     std::uint8_t matching_type) {
  std::unique_ptr<FILE, decltype(&std::fclose)> file(std::fopen(pem_path.c_str(), "r"),
                                                     &std::fclose);
  if (!file) throw std::runtime_error("cannot open " + pem_path);
  X509* cert = nullptr;
  for (std::size_t i = 0; i <= index; ++i) {
    X509_free(cert);
    cert = PEM_read_X509(file.get(), nullptr, nullptr, nullptr);
    if (cert == nullptr) {
      throw std::runtime_error(pem_path + " has no certificate " + std::to_string(index));
    }
  }
  std::unique_ptr<X509, decltype(&X509_free)> owned(cert, &X509_free);
  unsigned char* der = nullptr;
  const int length =
      selector == 0 ? i2d_X509(cert, &der) : i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  if (length <= 0) throw std::runtime_error("cannot encode a certificate of " + pem_path);
  std::string bytes(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  if (matching_type == 0) return bytes;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_length = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &md_length,
             matching_type == 1 ? EVP_sha256() : EVP_sha512(), nullptr);
  return std::string(reinterpret_cast<const char*>(md), md_length);
}

std::string TlsaHex(const std::string& pem_path, std::size_t index, std::uint8_t selector,
                    std::uint8_t matching_type) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char c : TlsaData(pem_path, index, selector, matching_type)) {
    out.push_back(kHex[static_cast<unsigned char>(c) >> 4]);
    out.push_back(kHex[static_cast<unsigned char>(c) & 0x0f]);
  }
  return out;
}

}  // namespace stx::test
