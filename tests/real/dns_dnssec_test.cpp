// The exporter's validating resolver against real signed zones: NSD serving a tree signed with
// ldns (support/signed_zone_server), the resolver forwarding to it and validating from the
// rig's trust anchor. Secure, bogus and insecure answers must read as such in the lookups, in
// the routing and in what `check --json` prints. Loopback only.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/asio.hpp"
#include "dns/resolver.hpp"
#include "support/child_process.hpp"
#include "support/run_bounded.hpp"
#include "support/signed_zone_server.hpp"

namespace stx::dns {
namespace {

using std::chrono_literals::operator""s;
using test::SignedZone;
using test::SignedZoneServer;
using test::ZoneMode;
using testing::HasSubstr;

/// A mail domain at the apex of a zone: MX to mx.<zone>, its A and AAAA, and the TLSA
/// records of its SMTP service: a DANE-EE SPKI SHA-256 (RFC 7672 §3.1) and a PKIX-EE one, which
/// SMTP cannot use (§3.1.3).
std::vector<std::string> MailDomain(const std::string& address) {
  return {"@ MX 10 mx", "mx A " + address, "mx AAAA ::1",
          "_25._tcp.mx TLSA 3 1 1 " + std::string(64, 'a'),
          "_25._tcp.mx TLSA 1 1 1 " + std::string(64, 'b')};
}

/// dnssec.test. (the trust anchor) delegating to a secure, a bogus (signatures expired a week
/// ago) and an insecure (unsigned, no DS) child.
std::vector<SignedZone> Tree() {
  return {
      {"dnssec.test.", ZoneMode::kSecure, {}},
      {"secure.dnssec.test.", ZoneMode::kSecure, MailDomain("127.0.0.71")},
      {"bogus.dnssec.test.", ZoneMode::kBogusExpired, MailDomain("127.0.0.72")},
      {"insecure.dnssec.test.", ZoneMode::kUnsigned, MailDomain("127.0.0.73")},
  };
}

class DnsDnssec : public testing::Test {
 protected:
  DnsDnssec() : rig_(Tree()) {}

  MailRouting Routing(const std::string& domain, const std::string& anchor) {
    ResolverOptions options;
    options.server = rig_.server();
    options.trust_anchor_file = anchor;
    Resolver resolver(io_.get_executor(), options);
    auto routing = test::RunBounded(io_, resolver.ResolveMailRouting(domain, {}), 10s);
    if (!routing) {
      ADD_FAILURE() << "routing of " << domain << " did not complete in 10 s\n" << rig_.Log();
      return {};
    }
    return *routing;
  }

  asio::io_context io_;
  SignedZoneServer rig_;
};

TEST_F(DnsDnssec, SignedZoneReadsSecureFromMxToAddresses) {
  const MailRouting routing = Routing("secure.dnssec.test", rig_.trust_anchor_file());
  ASSERT_EQ(routing.kind, RoutingKind::kMx) << routing.detail;
  EXPECT_EQ(routing.mx_dnssec, DnssecStatus::kSecure);
  ASSERT_EQ(routing.exchangers.size(), 1u);
  const MailExchanger& mx = routing.exchangers[0];
  EXPECT_EQ(mx.host, "mx.secure.dnssec.test");
  ASSERT_EQ(mx.ipv4.status, LookupStatus::kOk) << mx.ipv4.detail;
  EXPECT_EQ(mx.ipv4.addresses.at(0).to_string(), "127.0.0.71");
  EXPECT_EQ(mx.ipv4.dnssec, DnssecStatus::kSecure);
  EXPECT_EQ(mx.ipv6.dnssec, DnssecStatus::kSecure);
  // Secure addresses: a DANE sender looks for TLSA records, and so does the probe.
  EXPECT_EQ(mx.tlsa.name, "_25._tcp.mx.secure.dnssec.test");
  ASSERT_EQ(mx.tlsa.status, LookupStatus::kOk) << mx.tlsa.detail;
  EXPECT_EQ(mx.tlsa.dnssec, DnssecStatus::kSecure);
  ASSERT_EQ(mx.tlsa.records.size(), 2u);
  int usable = 0;
  for (const TlsaRecord& r : mx.tlsa.records) usable += UsableForSmtp(r) ? 1 : 0;
  EXPECT_EQ(usable, 1);
}

TEST_F(DnsDnssec, ExpiredSignaturesReadBogusWithTheValidatorsReason) {
  const MailRouting routing = Routing("bogus.dnssec.test", rig_.trust_anchor_file());
  EXPECT_EQ(routing.mx_dnssec, DnssecStatus::kBogus);
  EXPECT_THAT(routing.mx_why_bogus, HasSubstr("signature expired"));
  // The records still come back: what a sender does with a bogus answer is for the
  // assessment to say, and the probe still looks at the servers.
  ASSERT_EQ(routing.kind, RoutingKind::kMx) << routing.detail;
  ASSERT_EQ(routing.exchangers.size(), 1u);
  EXPECT_EQ(routing.exchangers[0].ipv4.dnssec, DnssecStatus::kBogus);
  EXPECT_EQ(routing.exchangers[0].ipv4.addresses.at(0).to_string(), "127.0.0.72");
  EXPECT_THAT(routing.exchangers[0].tlsa.detail, HasSubstr("not asked"));
}

TEST_F(DnsDnssec, UnsignedChildOfASignedZoneReadsInsecure) {
  const MailRouting routing = Routing("insecure.dnssec.test", rig_.trust_anchor_file());
  ASSERT_EQ(routing.kind, RoutingKind::kMx) << routing.detail;
  EXPECT_EQ(routing.mx_dnssec, DnssecStatus::kInsecure);
  EXPECT_EQ(routing.exchangers.at(0).ipv4.dnssec, DnssecStatus::kInsecure);
  // RFC 7672 §2.2.2: insecure addresses, no DANE, so no TLSA lookup (the zone has records).
  EXPECT_EQ(routing.exchangers.at(0).tlsa.status, LookupStatus::kError);
  EXPECT_THAT(routing.exchangers.at(0).tlsa.detail, HasSubstr("not asked"));
}

TEST_F(DnsDnssec, SecureHostWithoutTlsaRecordsIsAProvenAbsence) {
  SignedZoneServer rig({{"dnssec.test.", ZoneMode::kSecure, {}},
                        {"plain.dnssec.test.",
                         ZoneMode::kSecure,
                         {"@ MX 10 mx", "mx A 127.0.0.74"}}});
  ResolverOptions options;
  options.server = rig.server();
  options.trust_anchor_file = rig.trust_anchor_file();
  Resolver resolver(io_.get_executor(), options);
  const auto tlsa = test::RunBounded(io_, resolver.LookupTlsa("mx.plain.dnssec.test"), 10s);
  ASSERT_TRUE(tlsa.has_value());
  // A proven absence (RFC 7672 §2.2.1): DANE does not apply, opportunistic TLS does. Nothing
  // lives under _tcp.mx, so the name itself does not exist.
  EXPECT_EQ(tlsa->status, LookupStatus::kNxDomain) << tlsa->detail;
  EXPECT_EQ(tlsa->dnssec, DnssecStatus::kSecure);
}

TEST_F(DnsDnssec, ProvenNonExistenceIsSecure) {
  const MailRouting routing = Routing("nothing.secure.dnssec.test", rig_.trust_anchor_file());
  EXPECT_EQ(routing.kind, RoutingKind::kFailed);
  EXPECT_EQ(routing.mx_status, LookupStatus::kNxDomain);
  EXPECT_EQ(routing.mx_dnssec, DnssecStatus::kSecure);
}

TEST_F(DnsDnssec, WithoutAnAnchorNothingIsValidated) {
  EXPECT_EQ(Routing("secure.dnssec.test", "").mx_dnssec, DnssecStatus::kInsecure);
  EXPECT_EQ(Routing("bogus.dnssec.test", "").mx_dnssec, DnssecStatus::kInsecure);
}

// What the user types: the verdicts in check --json, and in the text report's MX line.
TEST_F(DnsDnssec, CheckCommandReportsTheVerdicts) {
  const auto check = [&](const std::string& domain, bool json) {
    std::vector<std::string> argv = {STX_EXPORTER_BINARY,
                                     "check",
                                     domain,
                                     "--dns-server=" + rig_.server(),
                                     "--dns.trust-anchor-file=" + rig_.trust_anchor_file(),
                                     "--timeout=2s",
                                     "-4"};
    if (json) argv.push_back("--json");
    return test::RunProgram(argv, "", 30s);
  };
  // Nothing listens on 127.0.0.71-73: the connection is refused, which is not what is tested.
  const test::ProgramRun secure = check("secure.dnssec.test", true);
  const auto parsed = nlohmann::json::parse(secure.out, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << secure.out << secure.err;
  EXPECT_EQ(parsed["routing"]["dnssec"], "secure") << secure.out;
  EXPECT_EQ(parsed["routing"]["exchangers"][0]["ipv4"]["dnssec"], "secure") << secure.out;
  EXPECT_FALSE(parsed["routing"].contains("dnssec_reason"));
  const auto& tlsa = parsed["routing"]["exchangers"][0]["tlsa"];
  EXPECT_EQ(tlsa["name"], "_25._tcp.mx.secure.dnssec.test") << tlsa;
  EXPECT_EQ(tlsa["dnssec"], "secure") << tlsa;
  ASSERT_EQ(tlsa["records"].size(), 2u) << tlsa;
  EXPECT_EQ(tlsa["records"][0]["data"].get<std::string>().size(), 64u) << tlsa;

  const test::ProgramRun bogus = check("bogus.dnssec.test", true);
  const auto bogus_json = nlohmann::json::parse(bogus.out, nullptr, false);
  ASSERT_FALSE(bogus_json.is_discarded()) << bogus.out << bogus.err;
  EXPECT_EQ(bogus_json["routing"]["dnssec"], "bogus");
  // Bogus addresses: no DANE lookup, so no tlsa object.
  EXPECT_FALSE(bogus_json["routing"]["exchangers"][0].contains("tlsa")) << bogus.out;
  EXPECT_THAT(bogus_json["routing"]["dnssec_reason"].get<std::string>(),
              HasSubstr("signature expired"));
  // A sender that validates cannot use the host at all (RFC 7672 §2.1.1).
  const auto& bogus_result = bogus_json["results"][0];
  EXPECT_EQ(bogus_result["dane"]["status"], "bogus") << bogus_result["dane"];
  EXPECT_EQ(bogus_result["senders"]["postfix_dane"]["outcome"], "deferred");
  EXPECT_EQ(bogus_result["senders"]["postfix_dane"]["reason"],
            "the MX or address answer is DNSSEC-bogus");
  EXPECT_EQ(bogus_result["senders"]["postfix_dane"]["policy"], "dane");

  const test::ProgramRun text = check("bogus.dnssec.test", false);
  EXPECT_THAT(text.out,
              HasSubstr("bogus.dnssec.test: MX mx.bogus.dnssec.test (10) [DNSSEC bogus: "));
  EXPECT_THAT(check("secure.dnssec.test", false).out,
              HasSubstr("secure.dnssec.test: MX mx.secure.dnssec.test (10) [DNSSEC secure]\n"
                        "  TLSA _25._tcp.mx.secure.dnssec.test: 2 records, 1 usable for SMTP "
                        "[DNSSEC secure]\n"));
}

}  // namespace
}  // namespace stx::dns
