#include "tls/tls_facts.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>

#include "tls/certificate_pool.hpp"

namespace stx::tls {
namespace {

std::int64_t ToUnixSeconds(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return 0;
  return static_cast<std::int64_t>(timegm(&tm));
}

std::string NameToString(const X509_NAME* name) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

std::string Hex(const unsigned char* data, std::size_t len) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (std::size_t i = 0; i < len; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 0x0f]);
  }
  return out;
}

std::string IpToString(const ASN1_OCTET_STRING* ip) {
  const unsigned char* p = ASN1_STRING_get0_data(ip);
  const int len = ASN1_STRING_length(ip);
  char buf[64];
  if (len == 4) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
    return buf;
  }
  return Hex(p, static_cast<std::size_t>(len));
}

CertificateInfo DescribeCertificate(X509* cert) {
  CertificateInfo info;
  info.subject = NameToString(X509_get_subject_name(cert));
  info.issuer = NameToString(X509_get_issuer_name(cert));
  info.not_before = ToUnixSeconds(X509_get0_notBefore(cert));
  info.not_after = ToUnixSeconds(X509_get0_notAfter(cert));
  if (const ASN1_INTEGER* serial = X509_get0_serialNumber(cert)) {
    info.serial = Hex(serial->data, static_cast<std::size_t>(serial->length));
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &md_len) == 1) info.sha256_fingerprint = Hex(md, md_len);
  if (EVP_PKEY* key = X509_get0_pubkey(cert)) {
    info.public_key =
        std::string(EVP_PKEY_get0_type_name(key) != nullptr ? EVP_PKEY_get0_type_name(key)
                                                            : "unknown") +
        " " + std::to_string(EVP_PKEY_get_bits(key));
  }
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
      if (name->type == GEN_DNS) {
        const auto* s = name->d.dNSName;
        info.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                    static_cast<std::size_t>(ASN1_STRING_length(s)));
      } else if (name->type == GEN_IPADD) {
        info.ip_addresses.push_back(IpToString(name->d.iPAddress));
      }
    }
    GENERAL_NAMES_free(names);
  }
  info.dns_names.shrink_to_fit();
  info.ip_addresses.shrink_to_fit();
  return info;
}

bool IsIpLiteral(std::string_view host) {
  return host.find(':') != std::string_view::npos ||
         (!host.empty() && host.find_first_not_of("0123456789.") == std::string_view::npos);
}

}  // namespace

std::string_view Rfc8460ResultType(long verify_code) {
  switch (verify_code) {
    case X509_V_OK:
      return "";
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "certificate-expired";
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_CERT_REJECTED:
      return "certificate-not-trusted";
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return "certificate-host-mismatch";
    default:
      return "validation-failure";
  }
}

TlsFacts ExtractTlsFacts(SSL* ssl, std::string_view expected_host) {
  TlsFacts facts;
  facts.expected_host = std::string(expected_host);
  if (ssl == nullptr) return facts;
  if (SSL_is_init_finished(ssl)) {
    facts.version = SSL_get_version(ssl);
    if (const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl))
      facts.cipher = SSL_CIPHER_get_name(cipher);
  }
  X509* leaf = SSL_get0_peer_certificate(ssl);
  if (leaf == nullptr) return facts;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (X509_digest(leaf, EVP_sha256(), md, &md_len) == 1) {
    facts.leaf = CertificatePool::Process().Get(Hex(md, md_len),
                                                [leaf] { return DescribeCertificate(leaf); });
  } else {
    facts.leaf = DescribeCertificate(leaf);
  }

  // On the client side the peer chain includes the leaf (SSL_get_peer_cert_chain(3)).
  if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl)) {
    facts.chain_length = static_cast<std::size_t>(sk_X509_num(chain));
    for (int i = 0; i < sk_X509_num(chain); ++i) {
      const std::int64_t not_after = ToUnixSeconds(X509_get0_notAfter(sk_X509_value(chain, i)));
      if (facts.chain_earliest_not_after == 0 || not_after < facts.chain_earliest_not_after) {
        facts.chain_earliest_not_after = not_after;
      }
    }
  } else {
    facts.chain_length = 1;
    facts.chain_earliest_not_after = ToUnixSeconds(X509_get0_notAfter(leaf));
  }

  // Verification ran during the handshake with SSL_VERIFY_NONE, so its outcome is recorded
  // but did not abort the session (the Icinga 2 model: verify, continue, then report).
  facts.verify_code = SSL_get_verify_result(ssl);
  facts.chain_valid = facts.verify_code == X509_V_OK;
  facts.verify_error = X509_verify_cert_error_string(facts.verify_code);

  // RFC 7672 §3.2.3 / RFC 8461 §4.1: the certificate must match the MX host name. Checked
  // apart from the chain so that "untrusted" and "wrong name" are separate facts.
  const std::string host(expected_host);
  if (IsIpLiteral(host)) {
    facts.hostname_valid = X509_check_ip_asc(leaf, host.c_str(), 0) == 1;
  } else if (!host.empty()) {
    facts.hostname_valid = X509_check_host(leaf, host.c_str(), host.size(),
                                           X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, nullptr) == 1;
  }

  if (!facts.chain_valid) facts.failures.emplace_back(Rfc8460ResultType(facts.verify_code));
  if (!facts.hostname_valid) facts.failures.emplace_back("certificate-host-mismatch");
  return facts;
}

}  // namespace stx::tls
