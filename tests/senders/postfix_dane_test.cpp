// What a DANE-enforcing Postfix really does (RFC 7672), proven with a real Postfix, so that the
// exporter's postfix_dane predictions have something to be checked against. Postfix runs with
// smtp_tls_security_level = dane and smtp_dns_support_level = dnssec, no relay host: it finds
// each recipient domain's MX host in real signed zones (NSD serving ldns-signed zones,
// support/signed_zone_server) through a real validating resolver (unbound,
// support/validating_resolver) whose AD bit it trusts (RFC 7672 §2.1.3), looks the TLSA records
// up and delivers to a scripted MX host that takes mail. What Postfix did is read from the
// server's record of each connection (message over TLS, in clear, or not sent) and from
// Postfix's own log (its status, and how it judged the TLS session: "Verified" for a DANE
// match, "Untrusted" for unauthenticated TLS).
//
// Postfix resolves with libc, which asks port 53 of the name servers in /etc/resolv.conf and
// nothing else: unbound listens on port 53 of a loopback address of this file's own, and
// Postfix's master runs in a mount namespace where a resolv.conf naming it is bind-mounted on
// /etc/resolv.conf (PostfixSenderOptions::resolv_conf). The machine's resolv.conf is never
// touched, and every packet stays on loopback.
//
// The MX hosts listen on a free high port, not 25: smtp_tcp_port sends Postfix there, and
// Postfix then asks for the TLSA records of that port, _<port>._tcp.<mx host> (RFC 6698 §3,
// RFC 7672 §2.2.3 name the port connected to). Port 25 of a loopback address would collide
// with an MTA that listens on every address of the machine; the high port needs nothing the
// machine may not give. The zones publish each TLSA record at _25._tcp as well, so the
// exporter, which always asks for _25._tcp, sees what Postfix sees.
//
// Each test starts its own rig (NSD, unbound, scripted MX host, Postfix): ctest runs the tests
// of this file in parallel, and unbound's port 53 leaves them apart only by address. Test N
// takes 127.0.0.15N for unbound and 127.0.0.16N for its MX host, addresses no other test uses.
//
// A component that is missing or cannot start FAILS the test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "scripted/ephemeral_pki.hpp"
#include "scripted/scripted_smtp_server.hpp"
#include "support/child_process.hpp"
#include "support/postfix_sender.hpp"
#include "support/signed_zone_server.hpp"
#include "support/tlsa_data.hpp"
#include "support/validating_resolver.hpp"

namespace stx::test {
namespace {

using namespace std::chrono_literals;
using scripted::CertFiles;
using scripted::CertSpec;
using scripted::ConnectionRecord;
using scripted::EphemeralPki;
using scripted::ScriptedSmtpServer;
using scripted::ServerScript;
using testing::HasSubstr;

constexpr char kFrom[] = "sender@client.test";
constexpr char kTopZone[] = "dnssec.test.";

/// The lines of `log` holding `needle`, for the assertions and the report line.
std::string LinesWith(const std::string& log, const std::string& needle) {
  std::istringstream in(log);
  std::string lines;
  for (std::string line; std::getline(in, line);) {
    if (line.find(needle) != std::string::npos) lines += line + "\n";
  }
  return lines;
}

/// What Postfix did with one message, from its log and from the MX host's record.
struct Delivery {
  std::string status;       ///< "sent", "deferred", ... ("" when none was logged in time)
  std::string status_line;  ///< the smtp client's "status=..." line
  /// The smtp client's "... TLS connection established to ..." line ("" when none): how it
  /// judged the session ("Verified", "Trusted", "Untrusted", "Anonymous").
  std::string tls_line;
  std::string smtp_log;  ///< every line the smtp client logged
  std::size_t connections = 0;
  bool starttls = false;      ///< STARTTLS was sent
  bool tls = false;           ///< a TLS session came up and Postfix went on over it
  bool mail_command = false;  ///< MAIL was sent, in clear or over TLS
  std::size_t over_tls = 0;   ///< messages the MX host took over TLS
  std::size_t in_clear = 0;   ///< and in clear
  std::string tls_commands;   ///< the commands sent over TLS, their verbs space-separated
  std::string sni;            ///< the server name of the last ClientHello
  std::string context;        ///< Postfix's, unbound's and NSD's logs, for failure messages
};

class PostfixDane : public testing::Test {
 protected:
  PostfixDane()
      : dir_(MakeTempDir("stx-postfix-dane")), pki_(dir_ + "/pki"), port_(FreeLoopbackPort()) {}
  ~PostfixDane() override {
    if (!HasFailure() && std::getenv("STX_KEEP_TEST_DIRS") == nullptr) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  static std::string ResolverAddress(int n) { return "127.0.0.15" + std::to_string(n); }
  static std::string MxAddress(int n) { return "127.0.0.16" + std::to_string(n); }

  /// A certificate for the MX host of `zone` at test `n`'s address, from the throw-away CA
  /// (which Postfix does not trust: only DANE can authenticate the server here).
  CertFiles Issue(const std::string& zone, int n) {
    CertSpec spec = CertSpec::Valid("mx." + zone);
    spec.ip_sans = {MxAddress(n)};
    return pki_.Issue(spec);
  }

  /// Starts test `n`'s MX host, serving `served` and taking mail.
  void ServeMx(int n, ServerScript script, const CertFiles& served) {
    script.cert_chain_path = served.cert_chain_pem_path;
    script.key_path = served.key_path;
    script.accept_mail = true;
    script.idle_timeout = 15s;
    mx_ = std::make_unique<ScriptedSmtpServer>(script, MxAddress(n), port_);
  }

  /// The zone lines of a domain whose one MX host is "mx" at test `n`'s address.
  static std::vector<std::string> Mail(int n) { return {"@ MX 10 mx", "mx A " + MxAddress(n)}; }
  /// "3 1 1 <SHA-256 of the served leaf's SubjectPublicKeyInfo>": DANE-EE(3), SPKI(1),
  /// SHA2-256(1), the form RFC 7672 §3.1.1 recommends.
  static std::string DaneEe(const CertFiles& files) {
    return "3 1 1 " + TlsaHex(files.cert_pem_path, 0, 1, 1);
  }
  /// The TLSA record `rdata` for "mx" at the port Postfix connects to and at port 25, with
  /// owners relative to the zone holding the MX host's name, or (`prefix` empty) relative to
  /// a zone cut at _tcp.mx.
  std::vector<std::string> Tlsa(const std::string& rdata, const std::string& prefix = "._tcp.mx") {
    return {"_" + std::to_string(port_) + prefix + " TLSA " + rdata,
            "_25" + prefix + " TLSA " + rdata};
  }
  static std::vector<std::string> Plus(std::vector<std::string> a,
                                       const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }

  /// Serves `zones` under the signed top zone, starts unbound on test `n`'s address and a
  /// Postfix that enforces DANE, sends one message to a recipient at `domain` and waits
  /// (bounded) for Postfix's status and for the MX host to close every connection.
  Delivery Deliver(int n, std::vector<SignedZone> zones, const std::string& domain) {
    domain_ = domain;
    zones.insert(zones.begin(), SignedZone{kTopZone, ZoneMode::kSecure, {}});
    rig_ = std::make_unique<SignedZoneServer>(std::move(zones));
    ValidatingResolverOptions resolver_options;
    resolver_options.address = ResolverAddress(n);
    resolver_options.forward_port = rig_->port();
    resolver_options.trust_anchor_file = rig_->trust_anchor_file();
    resolver_options.secure_name = kTopZone;
    resolver_ = std::make_unique<ValidatingResolver>(resolver_options);

    PostfixSenderOptions options;
    options.relay_address = "";  // MX lookup
    options.resolv_conf = resolver_->resolv_conf_path();
    options.extra_main_cf = {
        "smtp_tls_security_level = dane",
        "smtp_dns_support_level = dnssec",
        "smtp_tcp_port = " + std::to_string(port_),
        // When an answer is not validated (the insecure zone) Postfix checks once that the
        // resolver validates at all; the default probe, the root's NS, is nothing the rig
        // serves. The top zone is secure: a warning would mean the resolver does not validate.
        // No trailing dot: Postfix's host name check refuses "dnssec.test." and the probe
        // then warns without having asked anything.
        "dnssec_probe = soa:dnssec.test",
    };
    PostfixSender postfix(options);
    const PostfixDelivery sent =
        postfix.Send(kFrom, "rcpt@" + domain,
                     "From: " + std::string(kFrom) + "\r\nTo: rcpt@" + domain +
                         "\r\nSubject: postfix dane test\r\n\r\nhello\r\n",
                     30s);

    Delivery d;
    d.status = sent.status;
    d.smtp_log = sent.smtp_log;
    d.status_line = LinesWith(sent.smtp_log, " status=");
    d.tls_line = LinesWith(sent.smtp_log, "TLS connection established");
    EXPECT_TRUE(mx_->WaitForClosed(mx_->ConnectionCount(), 20s))
        << "the MX host kept a connection open\n"
        << postfix.Log();
    const std::vector<ConnectionRecord> records = mx_->Connections();
    d.connections = records.size();
    for (const ConnectionRecord& r : records) {
      d.starttls = d.starttls || r.HasCommand("STARTTLS");
      d.tls = d.tls || (r.tls_established && r.first_tls_line != ConnectionRecord::kNoTls);
      d.mail_command = d.mail_command || r.HasCommand("MAIL");
      d.over_tls += r.messages_over_tls;
      d.in_clear += r.messages_in_clear;
      bool in_message = false;  // the lines after DATA up to "." are the message, not commands
      for (const std::string& line : r.TlsLines()) {
        if (in_message) {
          in_message = line != ".";
          continue;
        }
        const std::string verb = line.substr(0, line.find(' '));
        d.tls_commands += (d.tls_commands.empty() ? "" : " ") + verb;
        in_message = verb == "DATA";
      }
      if (!r.sni.empty()) d.sni = r.sni;
    }
    d.context = "--- Postfix ---\n" + postfix.Log() + "--- unbound ---\n" + resolver_->Log() +
                "--- NSD ---\n" + rig_->Log();
    ExpectThePrediction(d);
    // One line per scenario, for the record of what Postfix did.
    std::cout << "[ postfix-dane ] "
              << testing::UnitTest::GetInstance()->current_test_info()->name()
              << " status=" << d.status << " connections=" << d.connections
              << " starttls=" << d.starttls << " tls=" << d.tls << " over_tls=" << d.over_tls
              << " in_clear=" << d.in_clear << " tls_commands=[" << d.tls_commands
              << "] tlsa_asked=" << AskedTlsa() << "\n"
              << LinesWith(d.smtp_log, "postfix/smtp[");
    return d;
  }

  /// Whether Postfix asked the resolver for the TLSA records of the MX host at the port it
  /// connects to: whether it applied DANE at all (RFC 7672 §2.2: only for secure addresses).
  // The exporter's prediction for the postfix_dane row, from `check --json` against the same
  // zones and MX host, must be what Postfix did: delivered over TLS that Postfix logged as
  // "Verified" (tls_authenticated), over other TLS (tls), in clear, or not at all (deferred).
  void ExpectThePrediction(const Delivery& d) {
    const ProgramRun check = RunProgram(
        {STX_EXPORTER_BINARY, "check", domain_, "--json", "--dns-server=" + rig_->server(),
         "--dns.trust-anchor-file=" + rig_->trust_anchor_file(), "--port=" + std::to_string(port_),
         "--ca-file=" + pki_.ca_path(), "--timeout=5s", "-4"},
        "", 30s);
    const auto report = nlohmann::json::parse(check.out, nullptr, false);
    ASSERT_FALSE(report.is_discarded()) << check.out << check.err;
    ASSERT_FALSE(report["results"].empty()) << check.out;
    const auto& predicted = report["results"][0]["senders"]["postfix_dane"];
    const std::string observed =
        d.over_tls > 0
            ? (d.tls_line.find("Verified TLS") != std::string::npos ? "tls_authenticated" : "tls")
        : d.in_clear > 0 ? "clear"
                         : "deferred";
    EXPECT_EQ(predicted["outcome"], observed)
        << "prediction: " << predicted << "\nexporter's DANE: " << report["results"][0]["dane"]
        << "\n"
        << d.context;
  }

  bool AskedTlsa() const {
    return resolver_->WasAsked("_" + std::to_string(port_) + "._tcp.mx." + domain_ + ".", "TLSA");
  }

  std::string dir_;
  EphemeralPki pki_;
  std::uint16_t port_;
  std::string domain_;
  std::unique_ptr<ScriptedSmtpServer> mx_;
  std::unique_ptr<SignedZoneServer> rig_;
  std::unique_ptr<ValidatingResolver> resolver_;
};

// RFC 7672 §2.2, §3.1.1: a usable DANE-EE record that matches the served key authenticates
// the server; Postfix delivers over TLS and logs the session as "Verified".
TEST_F(PostfixDane, MatchingRecordDeliversOverVerifiedTls) {
  const CertFiles served = Issue("match.dnssec.test", 1);
  ServeMx(1, ServerScript::Compliant(), served);
  const Delivery d =
      Deliver(1, {{"match.dnssec.test.", ZoneMode::kSecure, Plus(Mail(1), Tlsa(DaneEe(served)))}},
              "match.dnssec.test");
  EXPECT_EQ(d.status, "sent") << d.context;
  EXPECT_EQ(d.over_tls, 1u) << d.context;
  EXPECT_EQ(d.in_clear, 0u) << d.context;
  EXPECT_EQ(d.tls_commands, "EHLO MAIL RCPT DATA QUIT") << d.context;
  EXPECT_THAT(d.tls_line, HasSubstr("Verified TLS connection established to "
                                    "mx.match.dnssec.test[" +
                                    MxAddress(1) + "]"))
      << d.context;
  EXPECT_TRUE(AskedTlsa()) << d.context;
  // The TLSA base domain is the server name Postfix sends (RFC 7672 §8.1).
  EXPECT_EQ(d.sni, "mx.match.dnssec.test") << d.context;
}

// RFC 7672 §2.2: with usable TLSA records TLS is mandatory and must authenticate; a record
// left for the previous key matches nothing, so Postfix defers: nothing in clear, no message
// over the TLS session it does not trust.
TEST_F(PostfixDane, StaleRecordDefersWithoutSendingAnything) {
  const CertFiles served = Issue("stale.dnssec.test", 2);
  const CertFiles previous_key = Issue("stale.dnssec.test", 2);
  ServeMx(2, ServerScript::Compliant(), served);
  const Delivery d = Deliver(
      2, {{"stale.dnssec.test.", ZoneMode::kSecure, Plus(Mail(2), Tlsa(DaneEe(previous_key)))}},
      "stale.dnssec.test");
  EXPECT_EQ(d.status, "deferred") << d.context;
  EXPECT_THAT(d.status_line, HasSubstr("Server certificate not verified")) << d.context;
  EXPECT_THAT(d.smtp_log, HasSubstr("num=65:no matching DANE TLSA records")) << d.context;
  EXPECT_GE(d.connections, 1u) << "Postfix never reached the MX host\n" << d.context;
  EXPECT_TRUE(d.starttls) << d.context;
  EXPECT_TRUE(AskedTlsa()) << d.context;
  EXPECT_FALSE(d.mail_command) << d.context;
  EXPECT_EQ(d.over_tls + d.in_clear, 0u) << d.context;
  // The handshake completes; Postfix finds no record matching the chain it brought, logs the
  // session as Untrusted and says only QUIT over it.
  EXPECT_THAT(d.tls_line, HasSubstr("Untrusted TLS connection established to ")) << d.context;
  EXPECT_EQ(d.tls_commands, "QUIT") << d.context;
}

// RFC 7672 §3.1.3: PKIX-TA(0) and PKIX-EE(1) are unusable in SMTP. With TLSA records that are
// all unusable Postfix's effective level is "encrypt" (postconf(5), smtp_tls_security_level):
// TLS without authentication, never clear.
TEST_F(PostfixDane, OnlyPkixRecordsDeliverOverUnauthenticatedTls) {
  const CertFiles served = Issue("unusable.dnssec.test", 3);
  ServeMx(3, ServerScript::Compliant(), served);
  const Delivery d =
      Deliver(3,
              {{"unusable.dnssec.test.", ZoneMode::kSecure,
                Plus(Mail(3), Tlsa("1 1 1 " + TlsaHex(served.cert_pem_path, 0, 1, 1)))}},
              "unusable.dnssec.test");
  // It got the record, and set it aside.
  EXPECT_TRUE(AskedTlsa()) << d.context;
  EXPECT_THAT(d.smtp_log, HasSubstr("unsupported TLSA certificate usage: 1 1 1 ")) << d.context;
  EXPECT_EQ(d.status, "sent") << d.context;
  EXPECT_EQ(d.over_tls, 1u) << d.context;
  EXPECT_EQ(d.in_clear, 0u) << d.context;
  EXPECT_THAT(d.tls_line, HasSubstr("Untrusted TLS connection established to ")) << d.context;
}

// RFC 7672 §2.2: a secure denial of TLSA records leaves opportunistic TLS (Postfix's "may").
TEST_F(PostfixDane, SecureZoneWithoutTlsaDeliversOverOpportunisticTls) {
  const CertFiles served = Issue("notlsa.dnssec.test", 4);
  ServeMx(4, ServerScript::Compliant(), served);
  const Delivery d =
      Deliver(4, {{"notlsa.dnssec.test.", ZoneMode::kSecure, Mail(4)}}, "notlsa.dnssec.test");
  // It looked, and the secure denial (NSEC) let it go on without DANE.
  EXPECT_TRUE(AskedTlsa()) << d.context;
  EXPECT_EQ(d.status, "sent") << d.context;
  EXPECT_EQ(d.over_tls, 1u) << d.context;
  EXPECT_EQ(d.in_clear, 0u) << d.context;
  EXPECT_THAT(d.tls_line, HasSubstr("Untrusted TLS connection established to ")) << d.context;
}

// RFC 7672 §2.2: usable TLSA records make STARTTLS mandatory; a server that does not offer it
// (or a man in the middle that stripped it) gets no mail, in clear or otherwise.
TEST_F(PostfixDane, MatchingRecordWithoutStarttlsDefersWithoutSendingInClear) {
  const CertFiles served = Issue("nostarttls.dnssec.test", 5);
  ServeMx(5, ServerScript::NoStarttls(), served);
  const Delivery d = Deliver(
      5, {{"nostarttls.dnssec.test.", ZoneMode::kSecure, Plus(Mail(5), Tlsa(DaneEe(served)))}},
      "nostarttls.dnssec.test");
  EXPECT_EQ(d.status, "deferred") << d.context;
  EXPECT_THAT(d.status_line, HasSubstr("TLS is required, but was not offered")) << d.context;
  EXPECT_TRUE(AskedTlsa()) << d.context;
  EXPECT_GE(d.connections, 1u) << "Postfix never reached the MX host\n" << d.context;
  EXPECT_FALSE(d.mail_command) << d.context;
  EXPECT_EQ(d.over_tls + d.in_clear, 0u) << d.context;
}

// RFC 7672 §2.1.1: the TLSA lookup of an MX host whose address is secure fails as bogus
// (signatures expired); the records may have been forged or stripped, so the host is not used
// at all: deferred, even though the records would match.
TEST_F(PostfixDane, BogusTlsaUnderSecureAddressDefers) {
  const CertFiles served = Issue("bogustlsa.dnssec.test", 6);
  ServeMx(6, ServerScript::Compliant(), served);
  const Delivery d = Deliver(
      6,
      {{"bogustlsa.dnssec.test.", ZoneMode::kSecure, Mail(6)},
       // The TLSA records alone in a zone whose signatures expired.
       {"_tcp.mx.bogustlsa.dnssec.test.", ZoneMode::kBogusExpired, Tlsa(DaneEe(served), "")}},
      "bogustlsa.dnssec.test");
  EXPECT_EQ(d.status, "deferred") << d.context;
  EXPECT_THAT(d.status_line, HasSubstr("TLSA lookup error")) << d.context;
  EXPECT_TRUE(AskedTlsa()) << d.context;
  EXPECT_THAT(resolver_->Log(), HasSubstr("signature expired")) << d.context;
  // It does not even connect: the host is unusable before any SMTP.
  EXPECT_EQ(d.connections, 0u) << d.context;
  EXPECT_FALSE(d.mail_command) << d.context;
  EXPECT_EQ(d.over_tls + d.in_clear, 0u) << d.context;
}

// RFC 7672 §2.2: DANE applies only to MX hosts whose address records are secure. In a
// provably insecure zone a TLSA record, even one that matches nothing, is not looked at:
// opportunistic TLS, delivered.
TEST_F(PostfixDane, InsecureZoneIgnoresItsTlsaAndDeliversOverOpportunisticTls) {
  const CertFiles served = Issue("insecure.dnssec.test", 7);
  const CertFiles other_key = Issue("insecure.dnssec.test", 7);
  ServeMx(7, ServerScript::Compliant(), served);
  const Delivery d = Deliver(
      7, {{"insecure.dnssec.test.", ZoneMode::kUnsigned, Plus(Mail(7), Tlsa(DaneEe(other_key)))}},
      "insecure.dnssec.test");
  EXPECT_TRUE(resolver_->WasAsked("insecure.dnssec.test.", "MX")) << d.context;
  EXPECT_FALSE(AskedTlsa()) << "Postfix looked for TLSA records of an insecure host\n" << d.context;
  EXPECT_EQ(d.status, "sent") << d.context;
  EXPECT_EQ(d.over_tls, 1u) << d.context;
  EXPECT_EQ(d.in_clear, 0u) << d.context;
  EXPECT_THAT(d.tls_line, HasSubstr("Untrusted TLS connection established to ")) << d.context;
  // The insecure answers did not make Postfix doubt that its resolver validates (the probe
  // of the secure top zone came back validated).
  EXPECT_THAT(d.smtp_log, testing::Not(HasSubstr("DNSSEC validation may be unavailable")))
      << d.context;
}

}  // namespace
}  // namespace stx::test
