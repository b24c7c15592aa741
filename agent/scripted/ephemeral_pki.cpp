#include "scripted/ephemeral_pki.hpp"

#include <stdlib.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <utility>

namespace stx::scripted {

std::string MakePkiDirectory(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string path =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/" + prefix + "-XXXXXX";
  if (::mkdtemp(path.data()) == nullptr) {
    throw std::runtime_error("mkdtemp " + path + ": " + std::strerror(errno));
  }
  return path;
}

namespace {

struct KeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct CertFree {
  void operator()(X509* p) const { X509_free(p); }
};
struct CtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free_all(p); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

constexpr std::int64_t kSecondsPerDay = 86400;

[[noreturn]] void Fail(const std::string& what) {
  std::string detail;
  char buf[256];
  while (const unsigned long code = ERR_get_error()) {
    ERR_error_string_n(code, buf, sizeof buf);
    detail += std::string(detail.empty() ? ": " : "; ") + buf;
  }
  throw std::runtime_error("EphemeralPki: " + what + detail);
}

void Check(int ok, const char* what) {
  if (ok != 1) Fail(what);
}

Key NewP256Key() {
  // EVP_EC_gen() is a macro with a C cast; spell it out to stay clean under -Wold-style-cast.
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!ctx) Fail("EVP_PKEY_CTX_new_from_name(EC)");
  Check(EVP_PKEY_keygen_init(ctx.get()), "EVP_PKEY_keygen_init");
  Check(EVP_PKEY_CTX_set_group_name(ctx.get(), "P-256"), "EVP_PKEY_CTX_set_group_name");
  EVP_PKEY* raw = nullptr;
  Check(EVP_PKEY_generate(ctx.get(), &raw), "EVP_PKEY_generate");
  return Key(raw);
}

void AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, ctx, nid, value.c_str());
  if (ext == nullptr) Fail("extension " + std::string(OBJ_nid2sn(nid)) + "=" + value);
  const int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  Check(ok, "X509_add_ext");
}

struct Validity {
  int not_before_days;
  int not_after_days;
};

// Builds and signs one certificate. `issuer` == nullptr means self-issued (subject is issuer,
// signed with `subject_key`).
Cert MakeCert(EVP_PKEY* subject_key, const std::string& cn, std::uint64_t serial, Validity validity,
              std::time_t now, X509* issuer, EVP_PKEY* issuer_key,
              const std::vector<std::pair<int, std::string>>& extensions) {
  Cert cert(X509_new());
  if (!cert) Fail("X509_new");
  Check(X509_set_version(cert.get(), 2), "X509_set_version");  // v3: extensions follow
  Check(ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial), "serial");
  std::time_t t = now;
  if (X509_time_adj_ex(X509_getm_notBefore(cert.get()), validity.not_before_days, 0, &t) ==
          nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), validity.not_after_days, 0, &t) == nullptr)
    Fail("X509_time_adj_ex");

  X509_NAME* name = X509_get_subject_name(cert.get());
  Check(X509_NAME_add_entry_by_txt(
            name, "O", MBSTRING_ASC,
            reinterpret_cast<const unsigned char*>("starttls_exporter tests"), -1, -1, 0),
        "subject O");
  Check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0),
        "subject CN");
  X509* const signer_cert = issuer != nullptr ? issuer : cert.get();
  EVP_PKEY* const signer_key = issuer != nullptr ? issuer_key : subject_key;
  Check(X509_set_issuer_name(cert.get(), X509_get_subject_name(signer_cert)), "issuer name");
  Check(X509_set_pubkey(cert.get(), subject_key), "X509_set_pubkey");

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, signer_cert, cert.get(), nullptr, nullptr, 0);
  // The subject key identifier first: a self-issued certificate's authority key identifier
  // is computed from it.
  AddExtension(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  AddExtension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  for (const auto& [nid, value] : extensions) AddExtension(cert.get(), &ctx, nid, value);

  if (X509_sign(cert.get(), signer_key, EVP_sha256()) <= 0) Fail("X509_sign " + cn);
  return cert;
}

std::unique_ptr<BIO, BioFree> OpenForWrite(const std::string& path) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_file(path.c_str(), "w"));
  if (!bio) Fail("cannot write " + path);
  return bio;
}

void WriteCerts(const std::string& path, const std::vector<X509*>& certs) {
  auto bio = OpenForWrite(path);
  for (X509* c : certs) Check(PEM_write_bio_X509(bio.get(), c), "PEM_write_bio_X509");
}

void WriteKey(const std::string& path, EVP_PKEY* key) {
  auto bio = OpenForWrite(path);
  Check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr),
        "PEM_write_bio_PrivateKey");
  std::filesystem::permissions(
      path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

std::int64_t AfterDays(std::time_t now, int days) {
  return static_cast<std::int64_t>(now) + static_cast<std::int64_t>(days) * kSecondsPerDay;
}

std::string CaConstraints() { return "critical,CA:TRUE"; }
std::string CaKeyUsage() { return "critical,keyCertSign,cRLSign"; }

}  // namespace

CertSpec CertSpec::Valid(std::string host) {
  CertSpec s;
  s.host = std::move(host);
  return s;
}

CertSpec CertSpec::Expired(std::string host) {
  CertSpec s;
  s.host = std::move(host);
  s.not_before_days = -60;
  s.not_after_days = -1;
  return s;
}

CertSpec CertSpec::NotYetValid(std::string host) {
  CertSpec s;
  s.host = std::move(host);
  s.not_before_days = 1;
  s.not_after_days = 60;
  return s;
}

CertSpec CertSpec::WrongHost(std::string wrong_host) { return Valid(std::move(wrong_host)); }

CertSpec CertSpec::SelfSigned(std::string host) {
  CertSpec s;
  s.host = std::move(host);
  s.self_signed = true;
  return s;
}

CertSpec CertSpec::WithIntermediate(std::string host, int intermediate_days, int leaf_days) {
  CertSpec s;
  s.host = std::move(host);
  s.not_after_days = leaf_days;
  s.intermediates = 1;
  s.intermediate_not_after_days = intermediate_days;
  return s;
}

struct EphemeralPki::State {
  std::string dir;
  std::string ca_path;
  std::time_t now = 0;
  Key ca_key;
  Cert ca_cert;
  std::uint64_t next_serial = 0x1000;
  int issued = 0;
};

EphemeralPki::EphemeralPki(std::string dir) : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.dir = std::move(dir);
  std::filesystem::create_directories(s.dir);
  s.ca_path = s.dir + "/ca.pem";
  s.now = std::time(nullptr);
  s.ca_key = NewP256Key();
  s.ca_cert = MakeCert(s.ca_key.get(), "starttls_exporter test CA", s.next_serial++, {-2, 3650},
                       s.now, nullptr, nullptr,
                       {{NID_basic_constraints, CaConstraints()}, {NID_key_usage, CaKeyUsage()}});
  WriteCerts(s.ca_path, {s.ca_cert.get()});
  WriteKey(s.dir + "/ca.key", s.ca_key.get());
}

EphemeralPki::~EphemeralPki() = default;
EphemeralPki::EphemeralPki(EphemeralPki&&) noexcept = default;
EphemeralPki& EphemeralPki::operator=(EphemeralPki&&) noexcept = default;

const std::string& EphemeralPki::dir() const { return state_->dir; }
const std::string& EphemeralPki::ca_path() const { return state_->ca_path; }
std::int64_t EphemeralPki::now_unix() const { return static_cast<std::int64_t>(state_->now); }

CertFiles EphemeralPki::Issue(const CertSpec& spec) {
  State& s = *state_;
  if (spec.host.empty()) throw std::invalid_argument("EphemeralPki: empty host");
  if (spec.intermediates < 0 || (spec.self_signed && spec.intermediates > 0))
    throw std::invalid_argument("EphemeralPki: intermediates must be >= 0 and not self-signed");
  const std::string base =
      s.dir + "/" +
      (spec.name.empty() ? "leaf" + std::to_string(++s.issued) + "-" + spec.host : spec.name);
  CertFiles files;
  files.chain_not_after_unix = std::numeric_limits<std::int64_t>::max();

  // Root -> intermediate 1 -> ... -> intermediate n -> leaf.
  std::vector<Key> int_keys;
  std::vector<Cert> int_certs;
  X509* issuer = s.ca_cert.get();
  EVP_PKEY* issuer_key = s.ca_key.get();
  for (int i = 1; i <= spec.intermediates; ++i) {
    int_keys.push_back(NewP256Key());
    int_certs.push_back(MakeCert(
        int_keys.back().get(), "starttls_exporter test intermediate " + std::to_string(i),
        s.next_serial++, {spec.intermediate_not_before_days, spec.intermediate_not_after_days},
        s.now, issuer, issuer_key,
        {{NID_basic_constraints, CaConstraints()}, {NID_key_usage, CaKeyUsage()}}));
    issuer = int_certs.back().get();
    issuer_key = int_keys.back().get();
    files.chain_not_after_unix =
        std::min(files.chain_not_after_unix, AfterDays(s.now, spec.intermediate_not_after_days));
  }

  std::string san = "DNS:" + spec.host;
  for (const auto& name : spec.dns_sans) san += ",DNS:" + name;
  for (const auto& ip : spec.ip_sans) san += ",IP:" + ip;
  const std::uint64_t serial = s.next_serial++;
  Key key = NewP256Key();
  Cert leaf =
      MakeCert(key.get(), spec.host, serial, {spec.not_before_days, spec.not_after_days}, s.now,
               spec.self_signed ? nullptr : issuer, spec.self_signed ? nullptr : issuer_key,
               {{NID_basic_constraints, "critical,CA:FALSE"},
                {NID_key_usage, "critical,digitalSignature"},
                {NID_ext_key_usage, "serverAuth"},
                {NID_subject_alt_name, san}});

  // A server sends its chain leaf first, each certificate followed by its issuer
  // (RFC 8446 §4.4.2), so the intermediates go in reverse order of creation.
  std::vector<X509*> chain{leaf.get()};
  for (auto it = int_certs.rbegin(); it != int_certs.rend(); ++it) chain.push_back(it->get());

  files.cert_chain_pem_path = base + ".pem";
  files.cert_pem_path = base + ".crt";
  files.key_path = base + ".key";
  WriteCerts(files.cert_chain_pem_path, chain);
  WriteCerts(files.cert_pem_path, {leaf.get()});
  WriteKey(files.key_path, key.get());

  files.not_before_unix = AfterDays(s.now, spec.not_before_days);
  files.not_after_unix = AfterDays(s.now, spec.not_after_days);
  files.chain_not_after_unix = std::min(files.chain_not_after_unix, files.not_after_unix);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%llX", static_cast<unsigned long long>(serial));
  files.serial_hex = hex;
  return files;
}

}  // namespace stx::scripted
