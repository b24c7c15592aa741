// Basic authentication's pure parts: the Authorization header, the cache of successful checks,
// and bcrypt through libxcrypt (cost 4 here, to keep the suite fast).
#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>

#include "http/basic_credentials.hpp"
#include "http/password_hash.hpp"
#include "http/verification_cache.hpp"

namespace stx::http {
namespace {

// ----- the Authorization header (RFC 7617) ---------------------------------------------------

struct HeaderCase {
  std::string name;
  std::string value;
  std::optional<std::pair<std::string, std::string>> credentials;  // nullopt: refused
};

void PrintTo(const HeaderCase& c, std::ostream* os) { *os << c.name; }

class HttpBasicHeader : public testing::TestWithParam<HeaderCase> {};

TEST_P(HttpBasicHeader, Parses) {
  const HeaderCase& c = GetParam();
  const std::optional<BasicCredentials> parsed = ParseBasicAuthorization(c.value);
  ASSERT_EQ(parsed.has_value(), c.credentials.has_value()) << c.value;
  if (parsed) {
    EXPECT_EQ(parsed->user, c.credentials->first);
    EXPECT_EQ(parsed->password, c.credentials->second);
  }
}

using Pair = std::pair<std::string, std::string>;

INSTANTIATE_TEST_SUITE_P(
    Http, HttpBasicHeader,
    testing::Values(
        HeaderCase{"Plain", "Basic cHJvbWV0aGV1czpzZWNyZXQ=", Pair{"prometheus", "secret"}},
        HeaderCase{"SchemeInAnyCase",
                   "bAsIc cHJvbWV0aGV1czpzZWNyZXQ=", Pair{"prometheus", "secret"}},
        HeaderCase{"SeveralSpaces",
                   "Basic   cHJvbWV0aGV1czpzZWNyZXQ=", Pair{"prometheus", "secret"}},
        HeaderCase{"WithoutPadding", "Basic cHJvbWV0aGV1czpzZWNyZXQ", Pair{"prometheus", "secret"}},
        HeaderCase{"ColonInPassword", "Basic dXNlcjpwYTpzcw==", Pair{"user", "pa:ss"}},
        HeaderCase{"EmptyPassword", "Basic dXNlcjo=", Pair{"user", ""}},
        HeaderCase{"Utf8User", "Basic w7w6cHc=", Pair{"\xc3\xbc", "pw"}},
        HeaderCase{"Empty", "", std::nullopt},
        HeaderCase{"OtherScheme", "Bearer cHJvbWV0aGV1czpzZWNyZXQ=", std::nullopt},
        HeaderCase{"SchemeOnly", "Basic", std::nullopt},
        HeaderCase{"NoCredentials", "Basic ", std::nullopt},
        HeaderCase{"SchemeGlued", "Basiccc cHJvbWV0aGV1czpzZWNyZXQ=", std::nullopt},
        HeaderCase{"NotBase64", "Basic cHJvbWV0aGV1c!pzZWNyZXQ=", std::nullopt},
        HeaderCase{"LoneCharacter", "Basic dXNlcjpwY", std::nullopt},
        HeaderCase{"PaddingInside", "Basic dXNl=cjpwYTpzcw==", std::nullopt},
        HeaderCase{"TooMuchPadding", "Basic dXNlcjo==", std::nullopt},
        HeaderCase{"NoColon", "Basic cHJvbWV0aGV1cw==", std::nullopt},
        HeaderCase{"EmptyUser", "Basic OnNlY3JldA==", std::nullopt},
        HeaderCase{"ControlCharacter", "Basic dXMBZXI6cHc=", std::nullopt},
        // Two Authorization fields arrive joined with ", " (RFC 9110 §5.3): not one credential.
        HeaderCase{"TwoFields", "Basic dXNlcjo=, Basic dXNlcjo=", std::nullopt},
        HeaderCase{"Oversized", "Basic " + std::string(kMaxAuthorizationBytes, 'A'), std::nullopt}),
    [](const testing::TestParamInfo<HeaderCase>& param) { return param.param.name; });

TEST(HttpBasicHeader, ChallengeNamesTheRealm) {
  EXPECT_EQ(kBasicChallenge, "Basic realm=\"starttls_exporter\", charset=\"UTF-8\"");
}

// ----- the cache of successful checks --------------------------------------------------------

TEST(HttpVerificationCache, KeysSeparateTheirParts) {
  using Cache = VerificationCache;
  std::set<Cache::Key> keys = {Cache::KeyOf("ab", "c", "h"), Cache::KeyOf("a", "bc", "h"),
                               Cache::KeyOf("a", "b", "ch"), Cache::KeyOf("a", "bch", ""),
                               Cache::KeyOf("ab", "c", "h2")};
  EXPECT_EQ(keys.size(), 5u);
  EXPECT_EQ(Cache::KeyOf("a", "b", "c"), Cache::KeyOf("a", "b", "c"));
}

TEST(HttpVerificationCache, RemembersBoundedAndForgetsTheOldestFirst) {
  VerificationCache cache(2);
  const auto a = VerificationCache::KeyOf("a", "pw", "h");
  const auto b = VerificationCache::KeyOf("b", "pw", "h");
  const auto c = VerificationCache::KeyOf("c", "pw", "h");
  EXPECT_FALSE(cache.Contains(a));
  cache.Insert(a);
  cache.Insert(a);  // once
  EXPECT_EQ(cache.size(), 1u);
  cache.Insert(b);
  cache.Insert(c);  // full: a goes
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_FALSE(cache.Contains(a));
  EXPECT_TRUE(cache.Contains(b));
  EXPECT_TRUE(cache.Contains(c));
  cache.Clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(cache.Contains(b));
}

// ----- bcrypt --------------------------------------------------------------------------------

TEST(HttpPasswordHash, HashesWithARandomSalt) {
  const std::string first = HashPassword("correct horse", 4);
  const std::string second = HashPassword("correct horse", 4);
  EXPECT_EQ(first.substr(0, 7), "$2b$04$");
  EXPECT_EQ(first.size(), 60u);
  EXPECT_NE(first, second);  // salted
  // bcrypt's alphabet after the prefix (that the loader accepts it: tests/real).
  EXPECT_EQ(first.find_first_not_of(
                "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 7),
            std::string::npos);
  EXPECT_TRUE(VerifyPassword("correct horse", first));
  EXPECT_TRUE(VerifyPassword("correct horse", second));
  EXPECT_FALSE(VerifyPassword("correct horsf", first));
  EXPECT_FALSE(VerifyPassword("", first));
  EXPECT_EQ(HashPassword("x").substr(0, 7), "$2b$10$");  // the default cost
}

TEST(HttpPasswordHash, VerifiesHashesMadeElsewhere) {
  // crypt_blowfish's own test vector ($2a$), and PHP's crypt() documentation example ($2y$).
  EXPECT_TRUE(
      VerifyPassword("U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
  EXPECT_FALSE(
      VerifyPassword("U*V", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
  EXPECT_TRUE(VerifyPassword("rasmuslerdorf",
                             "$2y$07$usesomesillystringfore2uDLvp1Ii2e./U9C8sBjqp8I90dH6hi"));
}

TEST(HttpPasswordHash, RefusesWhatCryptWouldMisread) {
  const std::string hash = HashPassword("pw", 4);
  // crypt(3) reads a C string: "pw\0anything" would pass as "pw".
  EXPECT_FALSE(VerifyPassword(std::string("pw\0x", 4), hash));
  EXPECT_THROW(HashPassword(std::string("pw\0x", 4), 4), std::invalid_argument);
  EXPECT_FALSE(VerifyPassword("pw", "not a hash"));
  EXPECT_FALSE(VerifyPassword("pw", ""));
  EXPECT_THROW(HashPassword("pw", 32), std::runtime_error);
}

}  // namespace
}  // namespace stx::http
