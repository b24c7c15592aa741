// The hostile-partner catalogue against the real probe. Every behaviour of the
// named catalogue (agent/scripted/behaviours.cpp: what scripted_smtp_server and the fleet
// serve) is played by a ScriptedSmtpServer on loopback and probed with a short deadline: each
// ends within that deadline with its specific reason. (Firehoses cost bounded memory:
// probe_memory_test.cpp.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "scripted/behaviours.hpp"
#include "scripted/ephemeral_pki.hpp"
#include "scripted/scripted_smtp_server.hpp"
#include "support/child_process.hpp"
#include "support/probe_runner.hpp"

namespace stx::test {
using namespace stx::scripted;  // NOLINT(google-build-using-namespace): test code
namespace {

using namespace std::chrono_literals;
using probe::AddressProbeResult;
using probe::TlsOutcome;
using smtp::EhloClass;
using smtp::FindingCode;

// Short deadlines, as a monitor needs; the slack covers scheduling and the QUIT-less teardown,
// not a stage limit (those are capped at the deadline by ProbeOptions::SetTimeout).
constexpr auto kDeadline = 1500ms;
constexpr auto kSlack = 750ms;

struct Expect {
  const char* reason = "";  ///< ProbeError::Reason(); "" when an EHLO reply is obtained
  EhloClass ehlo = EhloClass::kError;
  TlsOutcome tls = TlsOutcome::kNotAttempted;
  const char* detail = "";  ///< a fragment of the error's or the TLS outcome's detail
  std::optional<FindingCode> finding = std::nullopt;
  bool at_deadline = false;  ///< only the deadline ends it: not a moment before
};

struct HostileCase {
  const char* behaviour;  ///< catalogue name
  const char* hostility;  ///< what the partner does, in words ("" when it is not hostile)
  Expect expect;
};

std::string Name(const ::testing::TestParamInfo<HostileCase>& info) { return info.param.behaviour; }

// The whole catalogue, in its order. Each of the 15 hostilities below is at least one row.
const std::vector<HostileCase>& Table() {
  using E = EhloClass;
  using T = TlsOutcome;
  static const std::vector<HostileCase> table = {
      {"compliant", "", {.ehlo = E::kCompliant, .tls = T::kEstablished}},
      {"misordered",
       "",
       {.ehlo = E::kMisordered,
        .tls = T::kEstablished,
        .finding = FindingCode::kStarttlsOnGreetingLine}},
      {"no_starttls", "", {.ehlo = E::kNoStarttls}},
      {"starttls_refused",
       "",
       {.ehlo = E::kCompliant, .tls = T::kStarttlsRefused, .detail = "454"}},
      {"broken_tls",
       "accepts STARTTLS then sends plaintext (instead of a ServerHello)",
       {.ehlo = E::kCompliant, .tls = T::kHandshakeFailed, .detail = "wrong version number"}},
      {"expired_cert", "", {.ehlo = E::kCompliant, .tls = T::kEstablished}},
      {"wrong_host_cert", "", {.ehlo = E::kCompliant, .tls = T::kEstablished}},
      {"multiline_banner", "", {.ehlo = E::kCompliant, .tls = T::kEstablished}},
      {"slow_banner",  // 2 s by default: past the deadline
       "",
       {.reason = "banner_timeout", .detail = "no complete banner within", .at_deadline = true}},
      {"masked", "", {.ehlo = E::kNoStarttls, .finding = FindingCode::kStarttlsMasked}},
      {"premature_final",
       "",
       {.ehlo = E::kMisordered,
        .tls = T::kEstablished,
        .finding = FindingCode::kStarttlsAfterFinalLine}},
      {"plaintext_injection",
       "accepts STARTTLS then sends plaintext (before the handshake)",
       {.ehlo = E::kCompliant,
        .tls = T::kEstablished,
        .finding = FindingCode::kPlaintextInjection}},
      {"silent",
       "never sends a banner",
       {.reason = "banner_timeout", .detail = "no complete banner within", .at_deadline = true}},
      {"dripping",
       "drips one byte per second",
       {.reason = "ehlo_timeout", .detail = "no complete EHLO reply within", .at_deadline = true}},
      {"endless_line",
       "a line that never ends",
       {.reason = "ehlo_too_large", .detail = "without a line ending"}},
      {"endless_reply",
       "a line that never ends (an endless multi-line reply)",
       {.reason = "ehlo_too_large", .detail = "more than 256 lines"}},
      {"huge_ehlo",
       "a 100,000-line EHLO reply",
       {.reason = "ehlo_too_large", .detail = "more than 256 lines"}},
      {"binary_bytes",
       "NUL and non-UTF-8 bytes",
       {.ehlo = E::kCompliant, .tls = T::kEstablished, .finding = FindingCode::kNonAscii}},
      {"mixed_codes",
       "mixed reply codes",
       {.ehlo = E::kCompliant, .tls = T::kEstablished, .finding = FindingCode::kMixedReplyCodes}},
      {"closed_mid_banner",
       "closes mid-line (in the banner)",
       {.reason = "banner_closed", .detail = "connection closed by the server"}},
      {"closed_mid_ehlo",
       "closes mid-line (in the EHLO reply)",
       {.reason = "ehlo_closed", .detail = "connection closed by the server"}},
      {"reset_after_ehlo",
       "resets after EHLO",
       {.ehlo = E::kCompliant, .tls = T::kStarttlsFailed, .detail = "reset by the server"}},
      {"reset_on_ehlo",
       "resets after EHLO (instead of the reply)",
       {.reason = "ehlo_reset", .detail = "reset by the server"}},
      {"silent_after_ready",
       "answers STARTTLS with 220 and never speaks TLS",
       {.ehlo = E::kCompliant,
        .tls = T::kHandshakeFailed,
        .detail = "timed out (handshake state: SSLv3/TLS write client hello)",
        .at_deadline = true}},
      {"stall_mid_handshake",
       "stalls mid-handshake",
       {.ehlo = E::kCompliant,
        .tls = T::kHandshakeFailed,
        .detail = "timed out (handshake state: SSLv3/TLS read server hello)",
        .at_deadline = true}},
      {"huge_cert_chain",
       "sends a huge certificate chain",
       {.ehlo = E::kCompliant,
        .tls = T::kHandshakeFailed,
        .detail = "a certificate chain may hold at most 102400 bytes"}},
      {"rejecting_banner", "5xx banner", {.reason = "banner_rejected", .detail = "554 5.3.2"}},
      {"busy_banner",
       "421 (as the greeting)",
       {.reason = "banner_unavailable", .detail = "421 4.7.0"}},
      {"unavailable_on_ehlo",
       "421 mid-dialogue (to EHLO)",
       {.reason = "ehlo_unavailable", .detail = "421 4.3.2"}},
      {"unavailable_on_starttls",
       "421 mid-dialogue (to STARTTLS)",
       {.ehlo = E::kCompliant, .tls = T::kStarttlsRefused, .detail = "421 4.3.2"}},
      {"unsolicited_421",
       "421 mid-dialogue (unsolicited, then close)",
       {.reason = "ehlo_unavailable", .detail = "421 4.3.2"}},
      {"never_reads",
       "accepts the connection and never reads",
       {.reason = "ehlo_timeout", .detail = "no complete EHLO reply within", .at_deadline = true}},
      {"never_reads_nor_speaks",
       "accepts the connection and never reads (nor sends a banner)",
       {.reason = "banner_timeout", .detail = "no complete banner within", .at_deadline = true}},
  };
  return table;
}

bool HasFinding(const AddressProbeResult& r, FindingCode code) {
  return std::any_of(r.findings.begin(), r.findings.end(),
                     [code](const smtp::Finding& f) { return f.code == code; });
}

bool TranscriptContains(const AddressProbeResult& r, const std::string& text) {
  return std::any_of(r.transcript.begin(), r.transcript.end(), [&](const probe::TranscriptLine& l) {
    return l.text.find(text) != std::string::npos;
  });
}

class ProbeHostile : public ::testing::TestWithParam<HostileCase> {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(MakeTempDir("stx-hostile-pki"));
    pki_ = new EphemeralPki(*dir_);
  }
  static void TearDownTestSuite() {
    delete pki_;
    std::error_code ignored;
    std::filesystem::remove_all(*dir_, ignored);
    delete dir_;
  }

  // The catalogue's behaviour, with its certificate issued by the suite's CA.
  static ServerScript Script(const std::string& name) {
    const std::optional<Behaviour> b = FindBehaviour(name);
    if (!b) throw std::invalid_argument("no behaviour " + name);
    const CertFiles files = pki_->Issue(CertSpecFor(b->cert, "mx.test"));
    ServerScript script = b->script;
    script.cert_chain_path = files.cert_chain_pem_path;
    script.key_path = files.key_path;
    return script;
  }

  static ProbeRun Probe(const ScriptedSmtpServer& server) {
    probe::ProbeOptions options;
    options.SetTimeout(kDeadline);
    return RunProbe(server.address(), server.port(), pki_->ca_path(), options);
  }

  static std::string* dir_;
  static EphemeralPki* pki_;
};
std::string* ProbeHostile::dir_ = nullptr;
EphemeralPki* ProbeHostile::pki_ = nullptr;

TEST_P(ProbeHostile, EndsWithinItsDeadlineWithItsReason) {
  const HostileCase& c = GetParam();
  const Expect& want = c.expect;
  ScriptedSmtpServer server(Script(c.behaviour));
  const ProbeRun run = Probe(server);
  const AddressProbeResult& r = run.result;
  SCOPED_TRACE(std::string(c.behaviour) + " (" + c.hostility + "), " +
               std::to_string(run.wall.count()) + " ms");

  EXPECT_LE(run.wall, kDeadline + kSlack);
  if (want.at_deadline) {
    EXPECT_GE(run.wall, kDeadline - 100ms);  // the deadline ended it, nothing earlier
  }

  EXPECT_EQ(r.ehlo_class, want.ehlo);
  if (*want.reason != '\0') {
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.error->Reason(), want.reason) << r.error->detail;
    EXPECT_THAT(r.error->detail, ::testing::HasSubstr(want.detail));
    EXPECT_EQ(r.tls_outcome, TlsOutcome::kNotAttempted);
  } else {
    EXPECT_FALSE(r.error.has_value()) << r.error->detail;
    EXPECT_EQ(r.tls_outcome, want.tls) << r.tls_detail;
    EXPECT_THAT(r.tls_detail, ::testing::HasSubstr(want.detail));
  }
  if (want.finding) {
    EXPECT_TRUE(HasFinding(r, *want.finding)) << smtp::ToString(*want.finding);
  }
  EXPECT_LE(r.transcript.size(), 301u);  // the evidence stays bounded too
}

INSTANTIATE_TEST_SUITE_P(Catalogue, ProbeHostile, ::testing::ValuesIn(Table()), Name);

TEST(ProbeHostileCatalogue, EveryBehaviourIsInTheTableAndEveryHostilityIsCovered) {
  std::set<std::string> table;
  for (const HostileCase& c : Table()) table.insert(c.behaviour);
  std::set<std::string> catalogue;
  for (const std::string_view name : BehaviourNames()) catalogue.emplace(name);
  EXPECT_EQ(table, catalogue);  // a behaviour added to the catalogue needs its row here

  // What a hostile partner may do, each the start of some row's `hostility`.
  const char* const items[] = {"never sends a banner",
                               "drips one byte per second",
                               "a line that never ends",
                               "a 100,000-line EHLO reply",
                               "NUL and non-UTF-8 bytes",
                               "mixed reply codes",
                               "closes mid-line",
                               "resets after EHLO",
                               "accepts STARTTLS then sends plaintext",
                               "stalls mid-handshake",
                               "sends a huge certificate chain",
                               "answers STARTTLS with 220 and never speaks TLS",
                               "5xx banner",
                               "421 mid-dialogue",
                               "accepts the connection and never reads"};
  for (const char* item : items) {
    EXPECT_TRUE(std::any_of(Table().begin(), Table().end(), [&](const HostileCase& c) {
      return std::string_view(c.hostility).rfind(item, 0) == 0;
    })) << item;
  }
}

// --- What the table cannot say -----------------------------------------------------------

class ProbeHostileDetail : public ProbeHostile {};

TEST_F(ProbeHostileDetail, ALineCutByACloseIsKeptAsEvidence) {
  ScriptedSmtpServer server(Script("closed_mid_ehlo"));
  const AddressProbeResult r = Probe(server).result;
  EXPECT_TRUE(TranscriptContains(r, "unterminated line (15 bytes): 250-mx.test Hel"));
}

TEST_F(ProbeHostileDetail, No421IsAnsweredWithQuit) {
  // RFC 5321 §3.8: after 421 the server closes; waiting for a QUIT reply would only cost time.
  ScriptedSmtpServer server(Script("unavailable_on_starttls"));
  const ProbeRun run = Probe(server);
  EXPECT_LT(run.wall, 500ms);
  ASSERT_TRUE(server.WaitForClosed(1, 3s));
  const ConnectionRecord c = server.Connections().at(0);
  EXPECT_EQ(c.lines, (std::vector<std::string>{"EHLO probe.test", "STARTTLS"}));
}

TEST_F(ProbeHostileDetail, StallMidHandshakeSendsARealServerHelloFirst) {
  ScriptedSmtpServer server(Script("stall_mid_handshake"));
  const AddressProbeResult r = Probe(server).result;
  ASSERT_TRUE(server.WaitForClosed(1, 3s));
  const ConnectionRecord c = server.Connections().at(0);
  EXPECT_TRUE(c.tls_attempted);
  EXPECT_FALSE(c.tls_established);
  // The client took the ServerHello and moved on: its state names the message it read.
  EXPECT_THAT(r.tls_detail, ::testing::HasSubstr("read server hello"));
}

TEST_F(ProbeHostileDetail, UnsolicitedFourTwentyOneArrivesBeforeTheEhloIsRead) {
  ScriptedSmtpServer server(Script("unsolicited_421"));
  const AddressProbeResult r = Probe(server).result;
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->Reason(), "ehlo_unavailable");
  ASSERT_TRUE(server.WaitForClosed(1, 3s));
  EXPECT_TRUE(server.Connections().at(0).lines.empty());  // the server never read a command
}

}  // namespace
}  // namespace stx::test
