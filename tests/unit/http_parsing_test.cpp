// The server's pure parts: request targets, Accept-Encoding, routing, listen addresses, HTML
// text helpers.
#include <gtest/gtest.h>

#include <zlib.h>

#include <set>

#include "http/gzip.hpp"
#include "http/html_text.hpp"
#include "http/listen_address.hpp"
#include "http/request_target.hpp"
#include "http/router.hpp"

namespace stx::http {
namespace {

TEST(HttpRequestTarget, SplitsAndDecodesPathAndQuery) {
  struct Case {
    const char* target;
    const char* path;
    std::map<std::string, std::string> query;
  };
  const Case cases[] = {
      {"/", "/", {}},
      {"/metrics", "/metrics", {}},
      {"/probe?target=bank.example", "/probe", {{"target", "bank.example"}}},
      {"/probe?target=bank%2Eexample&x=a+b%20c",
       "/probe",
       {{"target", "bank.example"}, {"x", "a b c"}}},
      {"/probe?a=1&a=2", "/probe", {{"a", "1"}}},  // first wins, as Go's Query().Get
      {"/p?flag&empty=&&=v", "/p", {{"flag", ""}, {"empty", ""}, {"", "v"}}},
      {"/h%65llo+x?q=%C3%A9", "/hello+x", {{"q", "\xC3\xA9"}}},  // '+' is literal in paths
      {"/p?x=1#frag", "/p", {{"x", "1"}}},
      {"http://exporter:9725/probe?target=a", "/probe", {{"target", "a"}}},
      {"http://exporter:9725", "/", {}},
      {"http://exporter:9725?x=1", "/", {{"x", "1"}}},
  };
  for (const auto& c : cases) {
    const auto parsed = ParseRequestTarget(c.target);
    ASSERT_TRUE(parsed) << c.target;
    EXPECT_EQ(parsed->path, c.path) << c.target;
    EXPECT_EQ(parsed->query, c.query) << c.target;
  }
}

TEST(HttpRequestTarget, RejectsMalformedTargets) {
  for (const char* target :
       {"", "metrics", "*", "/p?x=%", "/p?x=%4", "/p?x=%zz", "/%g0", "/p?%=1"}) {
    EXPECT_FALSE(ParseRequestTarget(target)) << target;
  }
}

TEST(HttpGzip, NegotiatesFromAcceptEncoding) {
  struct Case {
    const char* header;
    bool gzip;
  };
  const Case cases[] = {
      {"", false},
      {"gzip", true},
      {"GZIP", true},
      {"x-gzip", true},
      {"gzip, deflate, br", true},
      {"deflate, br", false},
      {"identity", false},
      {"gzip;q=0", false},
      {"gzip; q=0.000", false},
      {"gzip;q=0.001", true},
      {"gzip;Q=1.0", true},
      {"*", true},
      {"*;q=0", false},
      {"*, gzip;q=0", false},  // explicit refusal beats the wildcard
      {"gzip;q=0, *", false},
      {"deflate;q=0, *;q=0.5", true},
      {" gzip ; q=0.8 , identity;q=1", true},
  };
  for (const auto& c : cases) EXPECT_EQ(AcceptsGzip(c.header), c.gzip) << c.header;
}

// One gzip member inflated, or a message saying it is not one.
std::string Gunzip(const std::string& packed, std::size_t room) {
  std::string unpacked(room, '\0');
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return "inflateInit2 failed";
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
  zs.avail_in = static_cast<uInt>(packed.size());
  zs.next_out = reinterpret_cast<Bytef*>(unpacked.data());
  zs.avail_out = static_cast<uInt>(unpacked.size());
  const int rc = inflate(&zs, Z_FINISH);
  unpacked.resize(zs.total_out);
  inflateEnd(&zs);
  return rc == Z_STREAM_END ? unpacked : "not one complete gzip member";
}

TEST(HttpGzip, CompressesToOneGzipMember) {
  std::string text;
  for (int i = 0; i < 2000; ++i)
    text += "starttls_ehlo_status{domain=\"d" + std::to_string(i % 7) + "\"} 1\n";
  const std::string packed = GzipCompress(text);
  ASSERT_GE(packed.size(), 18u);
  EXPECT_EQ(static_cast<unsigned char>(packed[0]), 0x1f);  // RFC 1952 magic
  EXPECT_EQ(static_cast<unsigned char>(packed[1]), 0x8b);
  EXPECT_LT(packed.size(), text.size() / 5);

  EXPECT_EQ(Gunzip(packed, text.size() + 16), text);
  EXPECT_EQ(GzipCompress("").substr(0, 2), "\x1f\x8b");
}

// A body sent in pieces (a /metrics scrape) is one gzip member over all of them, whatever the
// pieces' sizes, including empty ones and a last piece that is empty.
TEST(HttpGzip, StreamOfPiecesIsOneMemberOfTheirConcatenation) {
  for (const std::size_t piece_size : {std::size_t{1}, std::size_t{100}, std::size_t{70000}}) {
    std::string text;
    std::string packed;
    GzipStream gzip;
    for (int i = 0; text.size() < 300000; ++i) {
      std::string piece;
      while (piece.size() < piece_size) piece += "line " + std::to_string(i * 31 % 977) + "\n";
      text += piece;
      gzip.Write(piece, false, packed);
      gzip.Write("", false, packed);
    }
    gzip.Write("", true, packed);
    EXPECT_LT(packed.size(), text.size() / 3) << piece_size;
    EXPECT_EQ(Gunzip(packed, text.size() + 16), text) << piece_size;
    EXPECT_THROW(gzip.Write("more", false, packed), std::runtime_error);
  }
  std::string empty;
  GzipStream nothing;
  nothing.Write("", true, empty);
  EXPECT_EQ(Gunzip(empty, 16), "");
}

Handler Answer(std::string body) {
  return [body](const Request&) -> awaitable<Response> {
    Response r;
    r.body = body;
    co_return r;
  };
}

TEST(HttpRouter, MatchesExactPathThenMethod) {
  Router router;
  router.Add("GET", "/metrics", Answer("m"));
  router.Add("POST", "/-/reload", Answer("r"));
  router.Add("GET", "/both", Answer("g"));
  router.Add("PUT", "/both", Answer("p"));
  EXPECT_NE(router.Find("GET", "/metrics").handler, nullptr);
  EXPECT_NE(router.Find("HEAD", "/metrics").handler, nullptr);  // GET answers HEAD

  const auto unknown = router.Find("GET", "/metrics/");
  EXPECT_EQ(unknown.handler, nullptr);
  EXPECT_EQ(unknown.refusal.status, 404u);
  EXPECT_EQ(router.Find("GET", "/METRICS").refusal.status, 404u);

  const auto wrong = router.Find("GET", "/-/reload");
  EXPECT_EQ(wrong.handler, nullptr);
  EXPECT_EQ(wrong.refusal.status, 405u);
  ASSERT_EQ(wrong.refusal.headers.size(), 1u);
  EXPECT_EQ(wrong.refusal.headers[0], (std::pair<std::string, std::string>("Allow", "POST")));
  EXPECT_EQ(router.Find("HEAD", "/-/reload").refusal.status, 405u);
  EXPECT_EQ(router.Find("DELETE", "/both").refusal.headers[0].second, "GET, HEAD, PUT");
}

TEST(HttpListenAddress, ParsesPrometheusStyleAddresses) {
  EXPECT_EQ(ParseListenAddress(":9725"),
            asio::ip::tcp::endpoint(asio::ip::address_v6::any(), 9725));
  EXPECT_EQ(ParseListenAddress("127.0.0.1:0"),
            asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  EXPECT_EQ(ParseListenAddress("[::1]:65535"),
            asio::ip::tcp::endpoint(asio::ip::make_address("::1"), 65535));
  EXPECT_EQ(ParseListenAddress("0.0.0.0:80").address(), asio::ip::make_address("0.0.0.0"));
  EXPECT_TRUE(ParseListenAddress("localhost:9725").address().is_loopback());
}

TEST(HttpListenAddress, ExplainsWhatIsWrong) {
  struct Case {
    const char* spec;
    const char* message;
  };
  const Case cases[] = {
      {"9725", "the port is missing"},
      {"127.0.0.1", "the port is missing"},
      {"127.0.0.1:", "the port is missing"},
      {":http", "the port 'http' is not a number from 0 to 65535"},
      {":65536", "the port 65536 is over 65535"},
      {":-1", "is not a number"},
      {"::1:9725", "IPv6 addresses go in brackets"},
      {"[::1]", "the port is missing"},
      {"[::1:9725", "'[' without ']'"},
      {"[127.0.0.1]:9725", "'127.0.0.1' is not an IPv6 address"},
      {"no-such-host.invalid:9725", "cannot resolve 'no-such-host.invalid'"},
  };
  for (const auto& c : cases) {
    try {
      ParseListenAddress(c.spec);
      ADD_FAILURE() << c.spec << " was accepted";
    } catch (const std::runtime_error& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.rfind(std::string("listen address '") + c.spec + "': ", 0), 0u) << what;
      EXPECT_NE(what.find(c.message), std::string::npos) << what;
      EXPECT_NE(what.find("e.g. \":9725\""), std::string::npos) << what;
    }
  }
}

TEST(HttpHtmlText, EscapesMarkupAndQuotes) {
  EXPECT_EQ(EscapeHtml("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;");
  EXPECT_EQ(EscapeHtml("plain 250-STARTTLS"), "plain 250-STARTTLS");
}

TEST(HttpHtmlText, FragmentIdsAreSafeAndDistinct) {
  EXPECT_EQ(FragmentId("t-", {"bank.example", "mx1.bank.example", "192.0.2.1:25"}),
            "t-bank.example--mx1.bank.example--192.0.2.1_3a25");
  std::set<std::string> ids;
  for (const auto& parts : std::vector<std::pair<std::string, std::string>>{
           {"a-", "b"}, {"a", "-b"}, {"a--b", ""}, {"a", "b"}, {"a_", "b"}, {"a", "_b"}}) {
    const std::string id = FragmentId("t-", {parts.first, parts.second});
    EXPECT_EQ(id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-_t"), std::string::npos);
    EXPECT_TRUE(ids.insert(id).second) << id;
  }
}

TEST(HttpHtmlText, FormatsTimesForAGlance) {
  EXPECT_EQ(UtcDateTime(1'790'000'000), "2026-09-21 14:13:20 UTC");
  EXPECT_EQ(Ago(0), "0 s ago");
  EXPECT_EQ(Ago(119), "119 s ago");
  EXPECT_EQ(Ago(600), "10 min ago");
  EXPECT_EQ(Ago(3 * 3600), "3 h ago");
  EXPECT_EQ(Ago(3 * 86400), "3 d ago");
  EXPECT_EQ(Ago(-5), "just now");
}

}  // namespace
}  // namespace stx::http
