// The DNSSEC rig (NSD serving zones signed with ldns) judged by an independent validator:
// libunbound, forwarding to the rig on 127.0.0.1 with the rig's trust anchor. Secure, bogus
// and insecure answers must come out as such, over UDP and TCP, with NSEC and NSEC3, and a
// replaced zone must be served after the rig restarts. Loopback only.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unbound.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/child_process.hpp"
#include "support/signed_zone_server.hpp"
#include "support/wait.hpp"

namespace stx::test {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;
using testing::MatchesRegex;

constexpr int kTypeA = 1;
constexpr int kTypeMx = 15;
constexpr int kTypeTxt = 16;
constexpr int kTypeAaaa = 28;
constexpr int kTypeTlsa = 52;
constexpr int kClassIn = 1;
constexpr int kRcodeNxdomain = 3;
constexpr auto kResolveTimeout = std::chrono::seconds(5);

/// What the validator made of one question.
struct Validated {
  bool completed = false;  ///< within kResolveTimeout
  int error = 0;           ///< a ub_* error code (0: the query ran)
  int rcode = -1;
  bool havedata = false;
  bool nxdomain = false;
  bool secure = false;
  bool bogus = false;
  std::string why_bogus;
  std::vector<std::string> data;  ///< each RDATA: an address as text, anything else in hex
};

std::string Hex(const char* bytes, int length) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < length; ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    out += kDigits[b >> 4];
    out += kDigits[b & 0x0f];
  }
  return out;
}

std::ostream& operator<<(std::ostream& out, const Validated& v) {
  out << (v.completed ? "" : "(timed out) ") << "error=" << v.error << " rcode=" << v.rcode
      << " havedata=" << v.havedata << " nxdomain=" << v.nxdomain << " secure=" << v.secure
      << " bogus=" << v.bogus << " why_bogus=\"" << v.why_bogus << "\" data=[";
  for (const auto& d : v.data) out << " " << d;
  return out << " ]";
}

/// A libunbound context of its own (fresh cache) that forwards everything to the rig and
/// validates with the rig's trust anchor, as the exporter's resolver will.
class Validator {
 public:
  explicit Validator(const SignedZoneServer& rig, bool tcp_only = false) : ctx_(ub_ctx_create()) {
    if (ctx_ == nullptr) throw std::runtime_error("ub_ctx_create failed");
    // A thread, not a forked process, resolves in the background: ub_ctx_delete ends it.
    Check(ub_ctx_async(ctx_, 1), "ub_ctx_async");
    Check(ub_ctx_set_fwd(ctx_, ("127.0.0.1@" + std::to_string(rig.port())).c_str()),
          "ub_ctx_set_fwd");
    Check(ub_ctx_set_option(ctx_, "do-not-query-localhost:", "no"), "do-not-query-localhost");
    // test. is one of unbound's built-in empty local zones (RFC 6761); "nodefault" does not
    // take through ub_ctx_set_option in unbound 1.17, "transparent" does.
    Check(ub_ctx_set_option(ctx_, "local-zone:", "test. transparent"), "local-zone");
    if (tcp_only) Check(ub_ctx_set_option(ctx_, "tcp-upstream:", "yes"), "tcp-upstream");
    Check(ub_ctx_add_ta_file(ctx_, rig.trust_anchor_file().c_str()), "ub_ctx_add_ta_file");
  }
  ~Validator() { ub_ctx_delete(ctx_); }
  Validator(const Validator&) = delete;
  Validator& operator=(const Validator&) = delete;

  /// Resolves and validates `name`/`type`. The synchronous ub_resolve cannot be bounded (a
  /// dead forwarder is retried for minutes), so the asynchronous call is awaited for at most
  /// kResolveTimeout and cancelled after it.
  Validated Resolve(const std::string& name, int type) {
    struct Pending {
      bool done = false;
      int error = 0;
      ub_result* result = nullptr;
    } pending;
    const ub_callback_type on_done = [](void* arg, int error, ub_result* result) {
      auto* p = static_cast<Pending*>(arg);
      p->done = true;
      p->error = error;
      p->result = result;
    };
    Validated v;
    int id = 0;
    v.error = ub_resolve_async(ctx_, name.c_str(), type, kClassIn, &pending, on_done, &id);
    if (v.error != 0) return v;
    const auto deadline = std::chrono::steady_clock::now() + kResolveTimeout;
    while (!pending.done && std::chrono::steady_clock::now() < deadline) {
      pollfd p{ub_fd(ctx_), POLLIN, 0};
      if (::poll(&p, 1, 50) > 0) ub_process(ctx_);
    }
    if (!pending.done) {
      ub_cancel(ctx_, id);
      return v;
    }
    v.completed = true;
    v.error = pending.error;
    if (const ub_result* r = pending.result; r != nullptr) {
      v.rcode = r->rcode;
      v.havedata = r->havedata != 0;
      v.nxdomain = r->nxdomain != 0;
      v.secure = r->secure != 0;
      v.bogus = r->bogus != 0;
      v.why_bogus = r->why_bogus != nullptr ? r->why_bogus : "";
      for (int i = 0; r->data != nullptr && r->data[i] != nullptr; ++i) {
        char text[INET6_ADDRSTRLEN] = {};
        if (type == kTypeA && r->len[i] == 4) {
          v.data.emplace_back(::inet_ntop(AF_INET, r->data[i], text, sizeof text));
        } else if (type == kTypeAaaa && r->len[i] == 16) {
          v.data.emplace_back(::inet_ntop(AF_INET6, r->data[i], text, sizeof text));
        } else {
          v.data.push_back(Hex(r->data[i], r->len[i]));
        }
      }
    }
    ub_resolve_free(pending.result);
    return v;
  }

 private:
  static void Check(int error, const char* what) {
    if (error != 0) throw std::runtime_error(std::string(what) + ": " + ub_strerror(error));
  }

  ub_ctx* ctx_;
};

/// A mail domain at the apex of `zone`: MX, the exchanger's A and AAAA, and its DANE TLSA
/// record for port 25 (RFC 7672 §3.1: "3 1 1", the SHA-256 of the server's public key).
std::vector<std::string> MailDomain(const std::string& address, char tlsa_digit = 'a') {
  return {"@ MX 10 mx", "mx A " + address, "mx AAAA 2001:db8::25",
          "_25._tcp.mx TLSA 3 1 1 " + std::string(64, tlsa_digit)};
}

/// The tree of the brief: dnssec.test. (the trust anchor) delegating to a secure, a bogus and
/// an insecure child.
std::vector<SignedZone> Tree(bool parent_nsec3 = false) {
  return {
      {"dnssec.test.", ZoneMode::kSecure, {}, parent_nsec3},
      {"secure.dnssec.test.", ZoneMode::kSecure, MailDomain("192.0.2.1")},
      {"bogus.dnssec.test.", ZoneMode::kBogusExpired, MailDomain("192.0.2.2")},
      {"insecure.dnssec.test.", ZoneMode::kUnsigned, MailDomain("192.0.2.3")},
  };
}

std::string TlsaHex(char digit) { return "030101" + std::string(64, digit); }

void ExpectSecure(const Validated& v) {
  EXPECT_TRUE(v.completed && v.error == 0 && v.rcode == 0 && v.havedata) << v;
  EXPECT_TRUE(v.secure) << v;
  EXPECT_FALSE(v.bogus) << v;
}

void ExpectInsecure(const Validated& v) {
  EXPECT_TRUE(v.completed && v.error == 0 && v.rcode == 0 && v.havedata) << v;
  EXPECT_FALSE(v.secure) << v;
  EXPECT_FALSE(v.bogus) << v;
}

/// libunbound hands bogus data over with bogus=1 and the server's rcode (unbound the server
/// answers SERVFAIL instead, RFC 4035 §5.5): the caller must look at `bogus`.
void ExpectBogusExpired(const Validated& v) {
  std::cout << "why_bogus: " << v.why_bogus << "\n";
  EXPECT_TRUE(v.completed && v.error == 0) << v;
  EXPECT_TRUE(v.bogus) << v;
  EXPECT_FALSE(v.secure) << v;
  EXPECT_THAT(v.why_bogus, HasSubstr("signature expired")) << v;
}

TEST(SignedZoneServer, SecureZoneAnswersAreSecure) {
  SignedZoneServer rig(Tree());
  Validator validator(rig);
  ExpectSecure(validator.Resolve("secure.dnssec.test.", kTypeMx));
  const Validated a = validator.Resolve("mx.secure.dnssec.test.", kTypeA);
  ExpectSecure(a);
  EXPECT_THAT(a.data, ElementsAre("192.0.2.1"));
  const Validated aaaa = validator.Resolve("mx.secure.dnssec.test.", kTypeAaaa);
  ExpectSecure(aaaa);
  EXPECT_THAT(aaaa.data, ElementsAre("2001:db8::25"));
  const Validated tlsa = validator.Resolve("_25._tcp.mx.secure.dnssec.test.", kTypeTlsa);
  ExpectSecure(tlsa);
  EXPECT_THAT(tlsa.data, ElementsAre(TlsaHex('a')));
}

TEST(SignedZoneServer, SecureDenialOfExistence) {
  SignedZoneServer rig(Tree());
  Validator validator(rig);
  const Validated missing = validator.Resolve("nowhere.secure.dnssec.test.", kTypeA);
  EXPECT_TRUE(missing.completed && missing.nxdomain && missing.rcode == kRcodeNxdomain) << missing;
  EXPECT_TRUE(missing.secure) << missing;
  // The exchanger has no TXT: a secure NODATA (NOERROR, no answer), as a TLSA query for a
  // name with other types only gets (RFC 7672 §2.2 counts it as "no TLSA records").
  const Validated nodata = validator.Resolve("mx.secure.dnssec.test.", kTypeTxt);
  EXPECT_TRUE(nodata.completed && nodata.rcode == 0 && !nodata.havedata) << nodata;
  EXPECT_TRUE(nodata.secure) << nodata;
}

TEST(SignedZoneServer, ExpiredSignaturesAreBogus) {
  SignedZoneServer rig(Tree());
  Validator validator(rig);
  ExpectBogusExpired(validator.Resolve("bogus.dnssec.test.", kTypeMx));
  ExpectBogusExpired(validator.Resolve("mx.bogus.dnssec.test.", kTypeA));
  ExpectBogusExpired(validator.Resolve("_25._tcp.mx.bogus.dnssec.test.", kTypeTlsa));
}

TEST(SignedZoneServer, UnsignedDelegationIsInsecure) {
  SignedZoneServer rig(Tree());
  Validator validator(rig);
  ExpectInsecure(validator.Resolve("insecure.dnssec.test.", kTypeMx));
  const Validated a = validator.Resolve("mx.insecure.dnssec.test.", kTypeA);
  ExpectInsecure(a);
  EXPECT_THAT(a.data, ElementsAre("192.0.2.3"));
  ExpectInsecure(validator.Resolve("_25._tcp.mx.insecure.dnssec.test.", kTypeTlsa));
}

TEST(SignedZoneServer, Nsec3ParentProvesTheInsecureDelegation) {
  SignedZoneServer rig(Tree(/*parent_nsec3=*/true));
  EXPECT_THAT(rig.ServedZoneText("dnssec.test."), HasSubstr("NSEC3PARAM"));
  Validator validator(rig);
  ExpectInsecure(validator.Resolve("mx.insecure.dnssec.test.", kTypeA));
  ExpectSecure(validator.Resolve("_25._tcp.mx.secure.dnssec.test.", kTypeTlsa));
  ExpectBogusExpired(validator.Resolve("mx.bogus.dnssec.test.", kTypeA));
  const Validated missing = validator.Resolve("nowhere.dnssec.test.", kTypeA);
  EXPECT_TRUE(missing.completed && missing.nxdomain && missing.secure) << missing;
}

TEST(SignedZoneServer, AnswersOverTcp) {
  SignedZoneServer rig(Tree());
  Validator validator(rig, /*tcp_only=*/true);
  const Validated tlsa = validator.Resolve("_25._tcp.mx.secure.dnssec.test.", kTypeTlsa);
  ExpectSecure(tlsa);
  EXPECT_THAT(tlsa.data, ElementsAre(TlsaHex('a')));
  ExpectBogusExpired(validator.Resolve("mx.bogus.dnssec.test.", kTypeA));
  ExpectInsecure(validator.Resolve("mx.insecure.dnssec.test.", kTypeA));
}

TEST(SignedZoneServer, TrustAnchorFileHoldsTheTopZonesDs) {
  SignedZoneServer rig(Tree());
  EXPECT_THAT(ReadFile(rig.trust_anchor_file()),
              MatchesRegex("dnssec\\.test\\. 3600 IN DS [0-9]+ 13 2 [0-9a-f]{64}\n"));
  EXPECT_EQ(rig.server(), "127.0.0.1:" + std::to_string(rig.port()));
}

TEST(SignedZoneServer, ReplacedTlsaRecordIsServedAfterTheRestart) {
  SignedZoneServer rig(Tree());
  const std::string name = "_25._tcp.mx.secure.dnssec.test.";
  {
    Validator before(rig);
    EXPECT_THAT(before.Resolve(name, kTypeTlsa).data, ElementsAre(TlsaHex('a')));
  }
  const std::uint16_t port = rig.port();
  rig.ReplaceZone({"secure.dnssec.test.", ZoneMode::kSecure, MailDomain("192.0.2.1", 'b')});
  EXPECT_EQ(rig.port(), port);
  // A fresh validator each time: a cached answer would hide the new one (TTL 10 s).
  Validated after;
  EXPECT_TRUE(WaitUntil(std::chrono::seconds(5), [&] {
    after = Validator(rig).Resolve(name, kTypeTlsa);
    return after.secure && after.data == std::vector<std::string>{TlsaHex('b')};
  })) << after;
  ExpectSecure(after);
}

TEST(SignedZoneServer, ModeChangeUpdatesTheParentsDs) {
  SignedZoneServer rig(Tree());
  ExpectInsecure(Validator(rig).Resolve("mx.insecure.dnssec.test.", kTypeA));
  rig.ReplaceZone({"insecure.dnssec.test.", ZoneMode::kSecure, MailDomain("192.0.2.3")});
  ExpectSecure(Validator(rig).Resolve("mx.insecure.dnssec.test.", kTypeA));
  rig.ReplaceZone({"secure.dnssec.test.", ZoneMode::kBogusExpired, MailDomain("192.0.2.1")});
  ExpectBogusExpired(Validator(rig).Resolve("mx.secure.dnssec.test.", kTypeA));
}

TEST(SignedZoneServer, BadRecordFailsNamingTheToolAndTheLine) {
  const auto failure = [](ZoneMode mode) -> std::string {
    try {
      SignedZoneServer rig(std::vector<SignedZone>{
          {"dnssec.test.", ZoneMode::kSecure, {}},
          {"broken.dnssec.test.", mode, {"mx A not-an-address"}},
      });
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "(no exception)";
  };
  EXPECT_THAT(failure(ZoneMode::kSecure), HasSubstr("ldns-signzone"));
  const std::string unsigned_failure = failure(ZoneMode::kUnsigned);
  EXPECT_THAT(unsigned_failure, HasSubstr("nsd-checkzone"));
  EXPECT_THAT(unsigned_failure, HasSubstr("not-an-address"));
}

}  // namespace
}  // namespace stx::test
