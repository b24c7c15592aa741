// An EHLO reply split across TCP segments reads the same wherever the split falls. A reply is
// lines (RFC 5321 §4.2.1), not segments: a server's stack, a middlebox or a slow path may cut it
// at any byte. For every split point of the seed's misordered reply and of a premature final
// line, the probe's class, findings, TLS outcome and transcript equal those of the reply sent
// in one segment. The scripted server writes the two parts with TCP_NODELAY and a pause, so
// the client reads the first part alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "scripted/ephemeral_pki.hpp"
#include "scripted/scripted_smtp_server.hpp"
#include "support/child_process.hpp"
#include "support/probe_runner.hpp"
#include "support/sender_profiles.hpp"

namespace stx::test {
namespace {

using scripted::ServerScript;

// What must not depend on where the reply was split, as text (so a mismatch shows the diff).
std::string Outcome(const probe::AddressProbeResult& r) {
  std::ostringstream out;
  out << "class " << smtp::ToString(r.ehlo_class) << ", TLS " << probe::ToString(r.tls_outcome)
      << ", profiles seeing STARTTLS " << r.ehlo.sees_starttls.to_ulong() << ", strict gets TLS "
      << GetsTls(r, "strict") << ", lenient gets TLS " << GetsTls(r, "lenient")
      << ", STARTTLS on line " << r.ehlo.starttls_line << "\n";
  if (r.error) out << "error " << r.error->Reason() << ": " << r.error->detail << "\n";
  for (const auto& f : r.findings)
    out << "finding " << smtp::ToString(f.code) << " (" << f.context << "): " << f.detail << "\n";
  for (const auto& line : r.transcript) {
    // Notes name the server's port, which differs from server to server.
    if (line.direction == probe::TranscriptLine::Direction::kNote) continue;
    out << (line.encrypted ? "[tls] " : "")
        << (line.direction == probe::TranscriptLine::Direction::kServer ? "S: " : "C: ")
        << line.text << "\n";
  }
  return out.str();
}

class SplitReply : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("stx-split");
    pki_ = std::make_unique<scripted::EphemeralPki>(dir_);
    cert_ = pki_->Issue(scripted::CertSpec::Valid("mx.test"));
  }

  ServerScript WithCert(ServerScript script) const {
    script.cert_chain_path = cert_.cert_chain_pem_path;
    script.key_path = cert_.key_path;
    return script;
  }

  // The outcome of probing `script` with its EHLO reply split after byte `at` (0: not split).
  std::string ProbeSplitAt(ServerScript script, std::size_t at,
                           const probe::ProbeOptions& options = {}) const {
    script.ehlo_split_at = at;
    scripted::ScriptedSmtpServer server(WithCert(std::move(script)));
    return Outcome(RunProbe(server.address(), server.port(), pki_->ca_path(), options).result);
  }

  // Probes every split point, a batch at a time in parallel (each probe waits out the split's
  // pause), and expects each outcome to be the unsplit one.
  void ExpectEverySplitReadsLikeOneSegment(const ServerScript& script,
                                           const probe::ProbeOptions& options = {}) const {
    const std::string whole = ProbeSplitAt(script, 0, options);
    const std::size_t size = script.ehlo_reply.size();
    constexpr std::size_t kBatch = 16;
    for (std::size_t first = 1; first < size; first += kBatch) {
      const std::size_t last = std::min(size, first + kBatch);
      std::vector<std::string> outcomes(last - first);
      std::vector<std::thread> probes;
      for (std::size_t at = first; at < last; ++at) {
        probes.emplace_back([&, at] { outcomes[at - first] = ProbeSplitAt(script, at, options); });
      }
      for (auto& probe : probes) probe.join();
      for (std::size_t at = first; at < last; ++at) {
        EXPECT_EQ(outcomes[at - first], whole)
            << "split after byte " << at << ": \"" << script.ehlo_reply.substr(0, at) << "\" | \""
            << script.ehlo_reply.substr(at) << "\"";
      }
    }
  }

  std::string dir_;
  std::unique_ptr<scripted::EphemeralPki> pki_;
  scripted::CertFiles cert_;
};

TEST_F(SplitReply, SeedMisorderedReplySplitAnywhereIsTheSameMisorderedReply) {
  const ServerScript seed = ServerScript::Misordered();
  const std::string whole = ProbeSplitAt(seed, 0);
  ASSERT_NE(whole.find("class misordered, TLS established"), std::string::npos) << whole;
  ASSERT_NE(whole.find("finding starttls-on-greeting-line"), std::string::npos) << whole;
  ExpectEverySplitReadsLikeOneSegment(seed);
}

TEST_F(SplitReply, PrematureFinalLineSplitAnywhereStillShowsTheStarttlsAfterIt) {
  const ServerScript premature = ServerScript::PrematureFinalLine();
  const std::string whole = ProbeSplitAt(premature, 0);
  ASSERT_NE(whole.find("class misordered, TLS established"), std::string::npos) << whole;
  ASSERT_NE(whole.find("finding starttls-after-final-line"), std::string::npos) << whole;
  ASSERT_NE(whole.find("finding text-after-final-line"), std::string::npos) << whole;
  // Right after the premature final line, with the product's grace: the tail comes one pause
  // (15 ms) later.
  EXPECT_EQ(ProbeSplitAt(premature, premature.ehlo_reply.find("250-")), whole);
  // Everywhere, many probes at once: a longer grace, so that a loaded machine (sanitizers, a
  // busy CI host) cannot make a pause outlast it. The wait ends when the tail arrives.
  probe::ProbeOptions patient;
  patient.trailing_grace = std::chrono::seconds(2);
  ExpectEverySplitReadsLikeOneSegment(premature, patient);
}

// A compliant reply pays nothing for the rule: nothing is waited for after its final line. (A
// long grace, so that waiting it out could not pass for a slow machine.)
TEST_F(SplitReply, CompliantReplyIsNotHeldBack) {
  probe::ProbeOptions options;
  options.trailing_grace = std::chrono::seconds(3);
  scripted::ScriptedSmtpServer server(WithCert(ServerScript::Compliant()));
  const ProbeRun run = RunProbe(server.address(), server.port(), pki_->ca_path(), options);
  EXPECT_EQ(run.result.ehlo_class, smtp::EhloClass::kCompliant);
  EXPECT_EQ(run.result.tls_outcome, probe::TlsOutcome::kEstablished);
  EXPECT_LT(run.wall, std::chrono::seconds(2));
}

}  // namespace
}  // namespace stx::test
