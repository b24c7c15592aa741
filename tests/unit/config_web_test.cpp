// The [web] table: every error with its exact message and position, the bcrypt hash rules,
// and the TLS files checked at load (certificates from an ephemeral CA).
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "config/config_error.hpp"
#include "config/config_loader.hpp"
#include "config/web_values.hpp"
#include "scripted/ephemeral_pki.hpp"

namespace stx::config {
namespace {

// Made by `starttls_exporter hash-password --cost 4` from "pw"; cost 4 keeps tests fast.
const std::string kHash = "$2b$04$IOnxH.bEZdp5M/bOAUUX5uuv1Pegrc8cD3OVDKRTlK4BneYcH6mgW";

std::string MessageOf(const std::string& toml, const std::string& source = "cfg.toml") {
  try {
    ParseConfig(toml, source);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "accepted";
}

// ----- the table's shape, keys and values, without files -----------------------------------

struct WebCase {
  std::string name;
  std::string toml;
  std::string message;
};

void PrintTo(const WebCase& c, std::ostream* os) { *os << c.name; }

class ConfigWebInvalid : public testing::TestWithParam<WebCase> {};

TEST_P(ConfigWebInvalid, FailsWithExactMessage) {
  EXPECT_EQ(MessageOf(GetParam().toml), GetParam().message) << GetParam().toml;
}

const std::string kUsers = "[web.basic_auth_users]\n";

INSTANTIATE_TEST_SUITE_P(
    Config, ConfigWebInvalid,
    testing::Values(
        WebCase{"NotATable", "web = \"tls\"\n",
                "cfg.toml:1:7: web: found string \"tls\"; expected a [web] table"},
        WebCase{"TypoSuggested", "[web]\ntls_cert_fil = \"web.pem\"\n",
                "cfg.toml:2:1: web.tls_cert_fil: unknown key 'tls_cert_fil'; did you mean "
                "'tls_cert_file'?"},
        WebCase{"ExporterToolkitName", "[web]\ncert_file = \"web.pem\"\n",
                "cfg.toml:2:1: web.cert_file: unknown key 'cert_file'; did you mean "
                "'tls_cert_file'?"},
        WebCase{"ExporterToolkitTable", "[web.tls_server_config]\ncert_file = \"web.pem\"\n",
                "cfg.toml:1:6: web.tls_server_config: unknown key 'tls_server_config'; there is "
                "no tls_server_config table: expected tls_cert_file, tls_key_file and "
                "tls_min_version directly in [web]"},
        WebCase{"UnknownListsKeys", "[web]\ncolour = \"blue\"\n",
                "cfg.toml:2:1: web.colour: unknown key 'colour'; expected one of tls_cert_file, "
                "tls_key_file, tls_min_version, basic_auth_users"},
        WebCase{"GlobalKeyBelowWeb", "[web]\ninterval = \"5m\"\n",
                "cfg.toml:2:1: web.interval: unknown key 'interval'; 'interval' is a global "
                "setting: expected it above the [web] line"},
        WebCase{"PartnerKeyInWeb", "[web]\ndomain = \"bank.example\"\n",
                "cfg.toml:2:1: web.domain: unknown key 'domain'; expected it in a [[partner]] "
                "entry"},
        WebCase{"WebKeyAtTop", "tls_cert_file = \"web.pem\"\n",
                "cfg.toml:1:1: tls_cert_file: unknown key 'tls_cert_file'; expected it in the "
                "[web] table"},
        WebCase{"WebKeyInPartner",
                "[[partner]]\ndomain = \"bank.example\"\nbasic_auth_users = {}\n",
                "cfg.toml:3:1: partner[1].basic_auth_users: unknown key 'basic_auth_users'; "
                "expected it in the [web] table"},
        WebCase{"CertWithoutKey", "[web]\ntls_cert_file = \"web.pem\"\n",
                "cfg.toml:2:1: web.tls_cert_file: found tls_cert_file without tls_key_file; "
                "expected both (TLS) or neither (plain HTTP)"},
        WebCase{"KeyWithoutCert", "[web]\n\ntls_key_file = \"web.key\"\n",
                "cfg.toml:3:1: web.tls_key_file: found tls_key_file without tls_cert_file; "
                "expected both (TLS) or neither (plain HTTP)"},
        WebCase{"CertNotString", "[web]\ntls_cert_file = 1\ntls_key_file = \"web.key\"\n",
                "cfg.toml:2:17: web.tls_cert_file: found integer 1; expected a path such as "
                "\"/etc/starttls_exporter/web.pem\""},
        WebCase{"CertEmpty", "[web]\ntls_cert_file = \"\"\ntls_key_file = \"web.key\"\n",
                "cfg.toml:2:17: web.tls_cert_file: found \"\"; expected a path to a PEM "
                "certificate chain (leave tls_cert_file and tls_key_file out to serve plain "
                "HTTP)"},
        WebCase{"CertMissing",
                "[web]\ntls_cert_file = \"/nonexistent/web.pem\"\ntls_key_file = \"web.key\"\n",
                "cfg.toml:2:17: web.tls_cert_file: found \"/nonexistent/web.pem\", which cannot "
                "be read (No such file or directory); expected a readable PEM file"},
        WebCase{"MinVersionWithoutTls", "[web]\ntls_min_version = \"TLS1.3\"\n",
                "cfg.toml:2:1: web.tls_min_version: found tls_min_version without TLS; expected "
                "it with tls_cert_file and tls_key_file"},
        WebCase{"MinVersionUnknown", "[web]\ntls_min_version = \"TLS12\"\n",
                "cfg.toml:2:19: web.tls_min_version: found \"TLS12\"; expected \"TLS1.2\" or "
                "\"TLS1.3\""},
        WebCase{"UsersNotTable", "[web]\nbasic_auth_users = [\"prometheus\"]\n",
                "cfg.toml:2:20: web.basic_auth_users: found an array; expected a table of user "
                "names and bcrypt hashes, such as { prometheus = \"$2b$10$...\" }"},
        WebCase{"UsersEmpty", "[web]\nbasic_auth_users = {}\n",
                "cfg.toml:2:20: web.basic_auth_users: found an empty table; expected name = "
                "\"bcrypt hash\" entries (leave basic_auth_users out for no authentication)"},
        WebCase{"UserWithColon", kUsers + "\"prom:etheus\" = \"" + kHash + "\"\n",
                "cfg.toml:2:1: web.basic_auth_users.\"prom:etheus\": found a user name with "
                "':'; expected a name without it (RFC 7617 §2: the user-id ends at the first "
                "colon)"},
        WebCase{"HashNotString", kUsers + "prometheus = 4\n",
                "cfg.toml:2:14: web.basic_auth_users.prometheus: found integer 4; expected a "
                "bcrypt hash string such as \"$2b$10$...\""},
        WebCase{"PasswordInsteadOfHash", kUsers + "prometheus = \"hunter2\"\n",
                "cfg.toml:2:14: web.basic_auth_users.prometheus: found a string of 7 characters "
                "(not shown: it may be a password); expected a bcrypt hash (\"$2a$\", \"$2b$\" "
                "or \"$2y$\"), e.g. the output of starttls_exporter hash-password"},
        WebCase{"HashOfAnotherScheme",
                kUsers + "prometheus = \"$apr1$Qm1ULr0h$vS7Uwo4vDHRvJFvKXxw6V/\"\n",
                "cfg.toml:2:14: web.basic_auth_users.prometheus: found a \"$apr1$\" hash; "
                "expected a bcrypt hash (\"$2a$\", \"$2b$\" or \"$2y$\"), e.g. the output of "
                "starttls_exporter hash-password or htpasswd -nB"},
        WebCase{"HashCostTooHigh", kUsers + "prometheus = \"$2b$15$" + kHash.substr(7) + "\"\n",
                "cfg.toml:2:14: web.basic_auth_users.prometheus: found a bcrypt hash of cost 15; "
                "expected a cost from 4 to 14 (each step doubles the time one login takes; 10 "
                "is usual)"},
        WebCase{"HashCut", kUsers + "prometheus = \"" + kHash.substr(0, 59) + "\"\n",
                "cfg.toml:2:14: web.basic_auth_users.prometheus: found \"$2b$04$\" and 52 more "
                "characters; expected 53 (a bcrypt hash is 60 characters: was it cut or "
                "joined?)"}),
    [](const testing::TestParamInfo<WebCase>& param) { return param.param.name; });

// ----- bcrypt hashes: the rules, and what a message may show --------------------------------

TEST(ConfigWebHash, AcceptsWhatCryptWrites) {
  EXPECT_EQ(CheckBcryptHash(kHash), "");
  // Made by htpasswd -nbB (2y), Go's x/crypto/bcrypt (2a), libxcrypt (2b).
  EXPECT_EQ(CheckBcryptHash("$2y$10$7KtTxK.WhpuilFoe6bVUauVZgDKYNW2oSAP2KW1ZmLzizqC0NV1lu"), "");
  EXPECT_EQ(CheckBcryptHash("$2a$10$cqvVyhlyCpi3SaFjmYdM4u6gpbBEk4qRmPX1o4VvbFhdAEN8dGSVO"), "");
  EXPECT_EQ(CheckBcryptHash("$2b$14$" + kHash.substr(7)), "");
}

TEST(ConfigWebHash, RefusesMalformedHashesWithoutQuotingThem) {
  struct Case {
    std::string hash;
    std::string message;
  };
  const std::string rest = kHash.substr(7);
  const Case cases[] = {
      {"",
       "found \"\"; expected a bcrypt hash (\"$2a$\", \"$2b$\" or \"$2y$\"), e.g. the output "
       "of starttls_exporter hash-password"},
      {"$6$salt$abcdefghijklmnopqrstuvwxyz",
       "found a \"$6$\" hash; expected a bcrypt hash (\"$2a$\", \"$2b$\" or \"$2y$\"), e.g. the "
       "output of starttls_exporter hash-password or htpasswd -nB"},
      {"$2x$04$" + rest,
       "found a \"$2x$\" hash; expected a bcrypt hash (\"$2a$\", \"$2b$\" or \"$2y$\"), e.g. the "
       "output of starttls_exporter hash-password or htpasswd -nB"},
      {"$2b$4$" + rest,
       "found \"$2b$\" without a two-digit cost and '$' after it; expected a bcrypt hash such "
       "as \"$2b$10$\" followed by 53 characters"},
      {"$2b$03$" + rest,
       "found a bcrypt hash of cost 3; expected a cost from 4 to 14 (each step doubles the time "
       "one login takes; 10 is usual)"},
      {"$2b$04$" + rest + "x",
       "found \"$2b$04$\" and 54 more characters; expected 53 (a bcrypt hash is 60 characters: "
       "was it cut or joined?)"},
      {"$2b$04$" + rest.substr(0, 30) + "+" + rest.substr(31),
       "found \"$2b$04$\" and a character outside bcrypt's alphabet (./A-Za-z0-9) at position "
       "38; expected a bcrypt hash"},
      // The 22nd salt character carries 2 bits: 'z' is not a canonical one ('.', 'O', 'e', 'u').
      {"$2b$04$" + rest.substr(0, 21) + "z" + rest.substr(22),
       "found \"$2b$04$\" and a salt or hash whose last character is not canonical, which no "
       "password can match; expected a bcrypt hash as crypt(3) writes it (was it edited?)"},
      {"$2b$04$" + rest.substr(0, 52) + "n",
       "found \"$2b$04$\" and a salt or hash whose last character is not canonical, which no "
       "password can match; expected a bcrypt hash as crypt(3) writes it (was it edited?)"},
  };
  for (const Case& c : cases) {
    const std::string message = CheckBcryptHash(c.hash);
    EXPECT_EQ(message, c.message) << c.hash;
    if (c.hash.size() > 7) {
      EXPECT_EQ(message.find(c.hash.substr(7, 10)), std::string::npos);
    }
  }
}

TEST(ConfigWebHash, UserNames) {
  EXPECT_EQ(CheckUserName("prometheus"), "");
  EXPECT_EQ(CheckUserName("ünïcode user"), "");
  EXPECT_EQ(CheckUserName(""), "found an empty user name; expected a name such as \"prometheus\"");
  EXPECT_EQ(CheckUserName("a\tb"),
            "found a user name with a control character; expected printable text");
}

// ----- TLS files, read at load --------------------------------------------------------------

class ConfigWebFiles : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = scripted::MakePkiDirectory("stx-config-web");
    pki_ = std::make_unique<scripted::EphemeralPki>(dir_ + "/pki");
    scripted::CertSpec spec = scripted::CertSpec::Valid("exporter.test");
    spec.ip_sans = {"127.0.0.1"};
    spec.name = "web";
    files_ = pki_->Issue(spec);
    spec.name = "other";
    other_ = pki_->Issue(spec);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& content) const {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << content;
    return path;
  }

  std::string Load(const std::string& toml) const {
    try {
      LoadConfigFile(Write("exporter.toml", toml));
    } catch (const ConfigError& error) {
      return error.what();
    }
    return "accepted";
  }

  static std::string Tls(const std::string& cert, const std::string& key) {
    return "[web]\ntls_cert_file = \"" + cert + "\"\ntls_key_file = \"" + key + "\"\n";
  }

  std::string dir_;
  std::unique_ptr<scripted::EphemeralPki> pki_;
  scripted::CertFiles files_, other_;
};

TEST_F(ConfigWebFiles, ReadsTlsAndUsersWithPathsFromTheConfigDirectory) {
  const std::string relative_cert =
      std::filesystem::relative(files_.cert_chain_pem_path, dir_).string();
  const std::string relative_key = std::filesystem::relative(files_.key_path, dir_).string();
  const std::string path =
      Write("exporter.toml", Tls(relative_cert, relative_key) +
                                 "tls_min_version = \"TLS1.3\"\n\n[web.basic_auth_users]\n"
                                 "zed = \"" +
                                 kHash + "\"\nalice = \"" + kHash + "\"\n");
  const ExporterConfig config = LoadConfigFile(path);
  EXPECT_EQ(config.web.tls_cert_file, dir_ + "/" + relative_cert);
  EXPECT_EQ(config.web.tls_key_file, dir_ + "/" + relative_key);
  EXPECT_EQ(config.web.tls_min_version, TlsVersion::kTls13);
  EXPECT_TRUE(config.web.tls());
  EXPECT_EQ(config.web.basic_auth_users,
            (std::vector<std::pair<std::string, std::string>>{{"alice", kHash}, {"zed", kHash}}));
}

TEST_F(ConfigWebFiles, DefaultsArePlainHttpWithoutUsers) {
  const ExporterConfig config = ParseConfig("", "cfg.toml");
  EXPECT_EQ(config.web, WebSettings{});
  EXPECT_FALSE(config.web.tls());
  EXPECT_EQ(config.web.tls_min_version, TlsVersion::kTls12);
  EXPECT_EQ(ParseConfig("[web]\n", "cfg.toml").web, WebSettings{});
}

TEST_F(ConfigWebFiles, KeyOfAnotherCertificateIsRejected) {
  EXPECT_EQ(Load(Tls(files_.cert_chain_pem_path, other_.key_path)),
            dir_ + "/exporter.toml:3:16: web.tls_key_file: found \"" + other_.key_path +
                "\", whose key does not match the certificate in \"" + files_.cert_chain_pem_path +
                "\"; expected that certificate's private key");
}

TEST_F(ConfigWebFiles, CertificateFileWithoutCertificateIsRejected) {
  EXPECT_EQ(Load(Tls(files_.key_path, files_.key_path)),
            dir_ + "/exporter.toml:2:17: web.tls_cert_file: found \"" + files_.key_path +
                "\", which holds no PEM certificate; expected the server's certificate chain in "
                "PEM (\"-----BEGIN CERTIFICATE-----\"), leaf first");
  const std::string bad =
      Write("bad.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  const std::string message = Load(Tls(bad, files_.key_path));
  EXPECT_EQ(message.rfind(dir_ + "/exporter.toml:2:17: web.tls_cert_file: found \"" + bad +
                              "\", whose first certificate cannot be parsed (",
                          0),
            0u)
      << message;
}

TEST_F(ConfigWebFiles, KeyFileWithoutKeyOrEncryptedIsRejected) {
  EXPECT_EQ(Load(Tls(files_.cert_chain_pem_path, files_.cert_pem_path)),
            dir_ + "/exporter.toml:3:16: web.tls_key_file: found \"" + files_.cert_pem_path +
                "\", which holds no PEM private key; expected the certificate's private key in "
                "PEM (\"-----BEGIN PRIVATE KEY-----\")");
  const std::string bad =
      Write("bad.key", "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n");
  const std::string message = Load(Tls(files_.cert_chain_pem_path, bad));
  EXPECT_EQ(message.rfind(dir_ + "/exporter.toml:3:16: web.tls_key_file: found \"" + bad +
                              "\", which holds no usable PEM private key (",
                          0),
            0u)
      << message;

  // The same key, encrypted with a passphrase: the exporter has no one to ask for it.
  FILE* in = std::fopen(files_.key_path.c_str(), "r");
  ASSERT_NE(in, nullptr);
  EVP_PKEY* key = PEM_read_PrivateKey(in, nullptr, nullptr, nullptr);
  std::fclose(in);
  ASSERT_NE(key, nullptr);
  const std::string encrypted = dir_ + "/encrypted.key";
  FILE* out = std::fopen(encrypted.c_str(), "w");
  ASSERT_NE(out, nullptr);
  char passphrase[] = "secret";
  EXPECT_EQ(PEM_write_PKCS8PrivateKey(out, key, EVP_aes_256_cbc(), passphrase, 6, nullptr, nullptr),
            1);
  std::fclose(out);
  EVP_PKEY_free(key);
  EXPECT_EQ(Load(Tls(files_.cert_chain_pem_path, encrypted)),
            dir_ + "/exporter.toml:3:16: web.tls_key_file: found \"" + encrypted +
                "\", which holds an encrypted private key; expected an unencrypted PEM key (the "
                "exporter cannot ask for a passphrase)");
}

}  // namespace
}  // namespace stx::config
