#include "config/web_values.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>
#include <system_error>

#include "config/file_text.hpp"

namespace stx::config {
namespace {

// A certificate chain or a key is kilobytes; the bound keeps a wrong path from stalling a load.
constexpr std::size_t kMaxPemBytes = 1024 * 1024;

// bcrypt's base-64 alphabet (not RFC 4648's: '.' and '/' come first).
constexpr std::string_view kBcryptAlphabet =
    "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::size_t kSaltChars = 22;   // 16 bytes: the last character carries 2 bits
constexpr std::size_t kHashChars = 31;   // 23 bytes: the last character carries 4 bits
constexpr std::size_t kPrefixChars = 7;  // "$2b$10$"
constexpr std::string_view kOtherSchemes[] = {"$1$",  "$5$",       "$6$",        "$y$",
                                              "$7$",  "$apr1$",    "$argon2id$", "$2x$",
                                              "$gy$", "$argon2i$", "$sha1$",     "$md5"};

template <typename T>
Checked<T> Fail(std::string error) {
  return {std::nullopt, std::move(error)};
}

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

/// OpenSSL's reason for the last failure, and an empty error queue afterwards: the probes use
/// OpenSSL on the same thread and must not read a stale error of ours.
std::string OpenSslReason() {
  const unsigned long code = ERR_peek_last_error();
  const char* reason = code == 0 ? nullptr : ERR_reason_error_string(code);
  ERR_clear_error();
  return reason == nullptr ? "unknown error" : reason;
}

/// Never asks for a passphrase (OpenSSL's default would prompt on the terminal, and a daemon
/// has none): an encrypted key fails to load instead.
int NoPassphrase(char*, int, int, void*) { return 0; }

std::filesystem::path Resolved(std::string_view text, const std::filesystem::path& directory) {
  std::filesystem::path path(text);
  return path.is_relative() ? directory / path : path;
}

/// The file's content, or why it cannot be read, as a finished message.
Checked<std::string> ReadPem(const std::filesystem::path& path) {
  std::error_code error;
  auto content = ReadFileText(path.string(), kMaxPemBytes, error);
  if (!content) {
    return Fail<std::string>("found " + Quoted(path.string()) + ", which cannot be read (" +
                             error.message() + "); expected a readable PEM file");
  }
  return {std::move(*content), ""};
}

BioPtr MemoryBio(const std::string& content) {
  return BioPtr(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
}

/// The first certificate of a PEM text (the leaf of a chain), or null.
X509Ptr ReadLeaf(const std::string& pem) {
  const BioPtr bio = MemoryBio(pem);
  return X509Ptr(bio ? PEM_read_bio_X509(bio.get(), nullptr, &NoPassphrase, nullptr) : nullptr);
}

std::string CheckBcryptCost(std::string_view hash) {
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (hash.size() < kPrefixChars || !digit(hash[4]) || !digit(hash[5]) || hash[6] != '$') {
    return "found \"" + std::string(hash.substr(0, 4)) +
           "\" without a two-digit cost and '$' after it; expected a bcrypt hash such as "
           "\"$2b$10$\" followed by 53 characters";
  }
  const int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  if (cost < kMinBcryptCost || cost > kMaxBcryptCost) {
    return "found a bcrypt hash of cost " + std::to_string(cost) + "; expected a cost from " +
           std::to_string(kMinBcryptCost) + " to " + std::to_string(kMaxBcryptCost) +
           " (each step doubles the time one login takes; 10 is usual)";
  }
  return "";
}

}  // namespace

Checked<TlsVersion> CheckTlsMinVersion(std::string_view text) {
  if (text == "TLS1.2") return {TlsVersion::kTls12, ""};
  if (text == "TLS1.3") return {TlsVersion::kTls13, ""};
  return Fail<TlsVersion>("found " + Quoted(text) + "; expected \"TLS1.2\" or \"TLS1.3\"");
}

Checked<std::string> CheckTlsCertFile(std::string_view text,
                                      const std::filesystem::path& directory) {
  if (text.empty()) {
    return Fail<std::string>(
        "found \"\"; expected a path to a PEM certificate chain (leave tls_cert_file and "
        "tls_key_file out to serve plain HTTP)");
  }
  const std::filesystem::path path = Resolved(text, directory);
  Checked<std::string> pem = ReadPem(path);
  if (!pem.value) return pem;
  if (pem.value->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return Fail<std::string>("found " + Quoted(path.string()) +
                             ", which holds no PEM certificate; expected the server's "
                             "certificate chain in PEM (\"-----BEGIN CERTIFICATE-----\"), leaf "
                             "first");
  }
  if (!ReadLeaf(*pem.value)) {
    return Fail<std::string>("found " + Quoted(path.string()) +
                             ", whose first certificate cannot be parsed (" + OpenSslReason() +
                             "); expected the server's certificate chain in PEM, leaf first");
  }
  ERR_clear_error();
  return {path.string(), ""};
}

Checked<std::string> CheckTlsKeyFile(std::string_view text, const std::filesystem::path& directory,
                                     const std::string& cert_path) {
  if (text.empty()) {
    return Fail<std::string>(
        "found \"\"; expected a path to the certificate's PEM private key (leave tls_cert_file "
        "and tls_key_file out to serve plain HTTP)");
  }
  const std::filesystem::path path = Resolved(text, directory);
  Checked<std::string> pem = ReadPem(path);
  if (!pem.value) return pem;
  if (pem.value->find("ENCRYPTED") != std::string::npos) {
    return Fail<std::string>("found " + Quoted(path.string()) +
                             ", which holds an encrypted private key; expected an unencrypted "
                             "PEM key (the exporter cannot ask for a passphrase)");
  }
  if (pem.value->find("PRIVATE KEY-----") == std::string::npos) {
    return Fail<std::string>("found " + Quoted(path.string()) +
                             ", which holds no PEM private key; expected the certificate's "
                             "private key in PEM (\"-----BEGIN PRIVATE KEY-----\")");
  }
  const BioPtr bio = MemoryBio(*pem.value);
  const PkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, &NoPassphrase, nullptr)
                        : nullptr);
  if (!key) {
    const std::string reason = OpenSslReason();
    return Fail<std::string>("found " + Quoted(path.string()) +
                             ", which holds no usable PEM private key (" + reason +
                             "); expected the certificate's private key in PEM "
                             "(\"-----BEGIN PRIVATE KEY-----\")");
  }
  Checked<std::string> cert_pem = ReadPem(cert_path);
  const X509Ptr leaf = cert_pem.value ? ReadLeaf(*cert_pem.value) : nullptr;
  if (!leaf || X509_check_private_key(leaf.get(), key.get()) != 1) {
    ERR_clear_error();
    return Fail<std::string>("found " + Quoted(path.string()) +
                             ", whose key does not match the certificate in " + Quoted(cert_path) +
                             "; expected that certificate's private key");
  }
  ERR_clear_error();
  return {path.string(), ""};
}

std::string CheckUserName(std::string_view name) {
  if (name.empty()) return "found an empty user name; expected a name such as \"prometheus\"";
  if (name.find(':') != std::string_view::npos) {
    return "found a user name with ':'; expected a name without it (RFC 7617 §2: the user-id "
           "ends at the first colon)";
  }
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return "found a user name with a control character; expected printable text";
    }
  }
  return "";
}

std::string CheckBcryptHash(std::string_view hash) {
  const std::string_view scheme = hash.substr(0, 4);
  if (scheme != "$2a$" && scheme != "$2b$" && scheme != "$2y$") {
    // Other crypt(3) schemes are named (htpasswd without -B writes "$apr1$"); anything else is
    // described by its length only: it may be a password pasted by mistake.
    for (const std::string_view other : kOtherSchemes) {
      if (hash.substr(0, other.size()) == other) {
        return "found a \"" + std::string(other) +
               "\" hash; expected a bcrypt hash (\"$2a$\", \"$2b$\" or \"$2y$\"), e.g. the "
               "output of starttls_exporter hash-password or htpasswd -nB";
      }
    }
    return "found " +
           (hash.empty() ? std::string("\"\"")
                         : "a string of " + std::to_string(hash.size()) +
                               " characters (not shown: it may be a password)") +
           "; expected a bcrypt hash (\"$2a$\", \"$2b$\" or \"$2y$\"), e.g. the output of "
           "starttls_exporter hash-password";
  }
  if (std::string why = CheckBcryptCost(hash); !why.empty()) return why;
  const std::string prefix = "\"" + std::string(hash.substr(0, kPrefixChars)) + "\"";
  const std::size_t rest = hash.size() - kPrefixChars;
  if (rest != kSaltChars + kHashChars) {
    return "found " + prefix + " and " + std::to_string(rest) + " more characters; expected " +
           std::to_string(kSaltChars + kHashChars) + " (a bcrypt hash is 60 characters: was it " +
           "cut or joined?)";
  }
  for (std::size_t i = kPrefixChars; i < hash.size(); ++i) {
    if (kBcryptAlphabet.find(hash[i]) == std::string_view::npos) {
      return "found " + prefix + " and a character outside bcrypt's alphabet (./A-Za-z0-9) at " +
             "position " + std::to_string(i + 1) + "; expected a bcrypt hash";
    }
  }
  // The last salt character holds 2 bits and the last hash character 4: the rest must be 0,
  // else crypt(3) rewrites them and no password ever matches (a hand-edited hash).
  const auto index = [](char c) { return kBcryptAlphabet.find(c); };
  if (index(hash[kPrefixChars + kSaltChars - 1]) % 16 != 0 || index(hash.back()) % 4 != 0) {
    return "found " + prefix +
           " and a salt or hash whose last character is not canonical, which no password can "
           "match; expected a bcrypt hash as crypt(3) writes it (was it edited?)";
  }
  return "";
}

}  // namespace stx::config
