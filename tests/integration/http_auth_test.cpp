// Basic authentication on the web server over loopback: every path needs it, wrong and
// malformed credentials get 401, successes are cached (no second bcrypt run), a flood of wrong
// passwords neither grows a queue nor delays an authorized scrape, and new users apply at once.
#include <iostream>

#include "http/password_hash.hpp"
#include "integration/http_test_client.hpp"

namespace stx::http::test {
namespace {

class HttpAuth : public SecureServerTest {
 protected:
  void SetUp() override {
    SecureServerTest::SetUp();
    hash_ = HashPassword("right", 4);  // cost 4: the tests need correctness, not slowness
  }
  std::vector<std::pair<std::string, std::string>> Users() const { return {{"prometheus", hash_}}; }
  std::string hash_;
};

TEST_F(HttpAuth, EveryPathNeedsAConfiguredUser) {
  Start(Security(nullptr, Users()));
  Run([&]() -> awaitable<void> {
    auto c = co_await ConnectPlain(endpoint());
    for (const std::string& request :
         {Get("/hello"), Get("/nope"), Get("/-/reload"),
          std::string("POST /-/reload HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")}) {
      const Reply refused = co_await Exchange(*c, request);
      EXPECT_EQ(refused.result_int(), 401u) << request;
      EXPECT_EQ(Field(refused, "WWW-Authenticate"),
                "Basic realm=\"starttls_exporter\", charset=\"UTF-8\"");
      EXPECT_EQ(refused.body(),
                "401 unauthorized: this endpoint needs HTTP basic authentication with a "
                "configured user\n");
      EXPECT_TRUE(refused.keep_alive());  // a browser asks again on the same connection
    }
    const Reply allowed = co_await Exchange(*c, Get("/hello", BasicAuth("prometheus", "right")));
    EXPECT_EQ(allowed.result_int(), 200u);
    EXPECT_EQ(allowed.body(), "hello\n");
    // Authenticated, an unknown path is a 404 again, and POST /-/reload reaches its handler.
    EXPECT_EQ((co_await Exchange(*c, Get("/nope", BasicAuth("prometheus", "right")))).result_int(),
              404u);
    const Reply reload =
        co_await Exchange(*c, "POST /-/reload HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n" +
                                  BasicAuth("prometheus", "right") + "\r\n");
    EXPECT_EQ(reload.body(), "reloaded\n");
  });
}

TEST_F(HttpAuth, WrongUnknownAndMalformedCredentialsGet401) {
  Start(Security(nullptr, Users()));
  Run([&]() -> awaitable<void> {
    auto c = co_await ConnectPlain(endpoint());
    const std::vector<std::string> refused = {
        BasicAuth("prometheus", "wrong"),
        BasicAuth("prometheus", ""),
        BasicAuth("grafana", "right"),  // unknown user: checked all the same, then denied
        BasicAuth("Prometheus", "right"),
        "Authorization: Basic !!!not-base64!!!\r\n",
        "Authorization: Basic cHJvbWV0aGV1cw==\r\n",  // "prometheus": no colon
        "Authorization: Bearer cHJvbWV0aGV1czpyaWdodA==\r\n",
        "Authorization: Basic\r\n",
        "Authorization: Basic " + std::string(2000, 'A') + "\r\n",            // oversized
        BasicAuth("prometheus", "right") + BasicAuth("prometheus", "right"),  // two fields
        BasicAuth("prometheus", std::string("right\0", 6)),
    };
    for (const std::string& header : refused) {
      const Reply reply = co_await Exchange(*c, Get("/hello", header));
      EXPECT_EQ(reply.result_int(), 401u) << header;
      EXPECT_FALSE(Field(reply, "WWW-Authenticate").empty()) << header;
    }
    // Still the same connection, still serving.
    EXPECT_EQ((co_await Exchange(*c, Get("/hello", BasicAuth("prometheus", "right")))).body(),
              "hello\n");
  });
  EXPECT_TRUE(errors_.empty());
}

TEST_F(HttpAuth, WorksOverTls) {
  Start(Security(&cert_, Users()));
  Run([&]() -> awaitable<void> {
    error_code ec;
    auto c = co_await ConnectTls(endpoint(), client_tls_, ec);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ((co_await Exchange(*c, Get("/hello"))).result_int(), 401u);
    EXPECT_EQ((co_await Exchange(*c, Get("/hello", BasicAuth("prometheus", "wrong")))).result_int(),
              401u);
    EXPECT_EQ((co_await Exchange(*c, Get("/hello", BasicAuth("prometheus", "right")))).body(),
              "hello\n");
  });
}

TEST_F(HttpAuth, ASuccessIsCachedSoTheNextRequestRunsNoBcrypt) {
  Start(Security(nullptr, Users()));
  Run([&]() -> awaitable<void> {
    const std::uint64_t before = server_->password_checks();
    auto c = co_await ConnectPlain(endpoint());
    EXPECT_EQ((co_await Exchange(*c, Get("/hello", BasicAuth("prometheus", "right")))).result_int(),
              200u);
    EXPECT_EQ(server_->password_checks(), before + 1);
    for (int i = 0; i < 5; ++i) {
      EXPECT_EQ(
          (co_await Exchange(*c, Get("/hello", BasicAuth("prometheus", "right")))).result_int(),
          200u);
    }
    auto other = co_await ConnectPlain(endpoint());  // the cache is not per connection
    EXPECT_EQ(
        (co_await Exchange(*other, Get("/hello", BasicAuth("prometheus", "right")))).result_int(),
        200u);
    EXPECT_EQ(server_->password_checks(), before + 1);

    // Failures are not cached: each wrong guess costs the guesser a bcrypt run.
    for (int i = 0; i < 2; ++i) {
      EXPECT_EQ(
          (co_await Exchange(*c, Get("/hello", BasicAuth("prometheus", "wrong")))).result_int(),
          401u);
    }
    EXPECT_EQ(server_->password_checks(), before + 3);

    // New settings (a reload) empty the cache.
    server_->SetSecurity(Security(nullptr, Users()));
    EXPECT_EQ((co_await Exchange(*c, Get("/hello", BasicAuth("prometheus", "right")))).result_int(),
              200u);
    EXPECT_EQ(server_->password_checks(), before + 4);
  });
}

TEST_F(HttpAuth, NewUsersApplyToTheNextRequestEvenOnAnOpenConnection) {
  Start(Security(nullptr, Users()));
  const std::string new_hash = HashPassword("fresh", 4);
  Run([&]() -> awaitable<void> {
    auto c = co_await ConnectPlain(endpoint());
    EXPECT_EQ((co_await Exchange(*c, Get("/hello", BasicAuth("prometheus", "right")))).result_int(),
              200u);
    server_->SetSecurity(Security(nullptr, {{"grafana", new_hash}}));
    EXPECT_EQ((co_await Exchange(*c, Get("/hello", BasicAuth("prometheus", "right")))).result_int(),
              401u);
    EXPECT_EQ((co_await Exchange(*c, Get("/hello", BasicAuth("grafana", "fresh")))).result_int(),
              200u);
    server_->SetSecurity(Security(nullptr));  // no users: authentication off
    EXPECT_EQ((co_await Exchange(*c, Get("/hello"))).result_int(), 200u);
  });
}

struct FloodCounts {
  int denied = 0;  ///< 401
  int busy = 0;    ///< 429
  int other = 0;
  int finished = 0;
  bool stop = false;
};

// One client sending a wrong password as fast as it gets answers, until told to stop.
awaitable<void> Flood(tcp::endpoint endpoint, std::string request, FloodCounts& counts) {
  auto c = co_await ConnectPlain(endpoint);
  while (!counts.stop) {
    const unsigned status = (co_await Exchange(*c, request)).result_int();
    (status == 401 ? counts.denied : status == 429 ? counts.busy : counts.other) += 1;
  }
  ++counts.finished;
}

// bcrypt at the usual cost 10 (tens of ms a check), two checks queued at most. 24 clients
// send wrong passwords as fast as they get answers while the scraper, whose success is cached,
// scrapes every 20 ms: every scrape is answered at once, the flood gets 401 or 429, and the
// verification thread ran at most as many checks as the flood had 401 answers.
TEST_F(HttpAuth, AFloodOfWrongPasswordsDoesNotDelayAnAuthorizedScrape) {
  const std::string hash = HashPassword("right", 10);
  HttpServerOptions options;
  options.max_pending_password_checks = 2;
  Start(Security(nullptr, {{"prometheus", hash}}), options);
  constexpr int kFlooders = 24;
  constexpr int kScrapes = 25;
  FloodCounts flood;
  int scrapes_ok = 0;
  std::chrono::milliseconds slowest_scrape{0};
  std::uint64_t checks = 0;
  Run([&]() -> awaitable<void> {
    auto scraper = co_await ConnectPlain(endpoint());
    const std::string scrape = Get("/hello", BasicAuth("prometheus", "right"));
    EXPECT_EQ((co_await Exchange(*scraper, scrape)).result_int(), 200u);  // warms the cache
    const std::uint64_t checks_before = server_->password_checks();
    for (int i = 0; i < kFlooders; ++i) {
      asio::co_spawn(
          io_, Flood(endpoint(), Get("/hello", BasicAuth("prometheus", std::to_string(i))), flood),
          asio::detached);
    }
    co_await Sleep(100ms);  // the flood is under way
    for (int i = 0; i < kScrapes; ++i) {
      const auto start = Clock::now();
      const Reply reply = co_await Exchange(*scraper, scrape);
      slowest_scrape =
          std::max(slowest_scrape,
                   std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start));
      if (reply.result_int() == 200) ++scrapes_ok;
      co_await Sleep(20ms);
    }
    flood.stop = true;
    for (int i = 0; i < 200 && flood.finished < kFlooders; ++i) co_await Sleep(20ms);
    checks = server_->password_checks() - checks_before;
  });
  EXPECT_EQ(flood.finished, kFlooders);
  EXPECT_EQ(scrapes_ok, kScrapes);
  EXPECT_LT(slowest_scrape, 100ms) << "an authorized scrape waited behind the flood";
  EXPECT_GT(flood.busy, 0) << "the queue bound never refused anything";
  EXPECT_GT(flood.denied, 0);
  EXPECT_EQ(flood.other, 0) << "a wrong password got something else than 401 or 429";
  EXPECT_LE(checks, static_cast<std::uint64_t>(flood.denied)) << "checks ran for 429 answers";
  std::cout << "flood: " << flood.denied << " x 401, " << flood.busy << " x 429, " << checks
            << " bcrypt runs; slowest of " << kScrapes << " scrapes " << slowest_scrape.count()
            << " ms\n";
}

TEST_F(HttpAuth, StoppingWithChecksQueuedEndsEveryConnection) {
  const std::string hash = HashPassword("right", 10);
  Start(Security(nullptr, {{"prometheus", hash}}));
  Run([&]() -> awaitable<void> {
    std::vector<std::unique_ptr<Client<beast::tcp_stream>>> clients;
    for (int i = 0; i < 4; ++i) {
      clients.push_back(co_await ConnectPlain(endpoint()));
      co_await Send(*clients.back(), Get("/hello", BasicAuth("prometheus", "right")));
    }
    co_await Sleep(10ms);  // the checks are queued or running
    const auto start = Clock::now();
    server_->Stop();
    for (auto& client : clients) {
      const Closed closed = co_await ReadUntilClosed(*client, start);
      EXPECT_LT(closed.after, 2s);
    }
  });
  EXPECT_EQ(server_->connection_count(), 0u);
}

}  // namespace
}  // namespace stx::http::test
