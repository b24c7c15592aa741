#include "scripted/behaviours.hpp"

#include <functional>
#include <utility>

namespace stx::scripted {
namespace {

struct Entry {
  std::string_view name;
  std::function<ServerScript(const BehaviourOptions&)> make;
  CertKind cert = CertKind::kValid;
};

const std::vector<Entry>& Catalogue() {
  static const std::vector<Entry> entries = {
      {"compliant", [](const BehaviourOptions&) { return ServerScript::Compliant(); }},
      {"misordered", [](const BehaviourOptions&) { return ServerScript::Misordered(); }},
      {"no_starttls", [](const BehaviourOptions&) { return ServerScript::NoStarttls(); }},
      {"starttls_refused", [](const BehaviourOptions&) { return ServerScript::StarttlsRefused(); }},
      {"broken_tls", [](const BehaviourOptions&) { return ServerScript::BrokenTls(); }},
      {"expired_cert", [](const BehaviourOptions&) { return ServerScript::Compliant(); },
       CertKind::kExpired},
      {"wrong_host_cert", [](const BehaviourOptions&) { return ServerScript::Compliant(); },
       CertKind::kWrongHost},
      {"multiline_banner", [](const BehaviourOptions&) { return ServerScript::MultiLineBanner(); }},
      {"slow_banner", [](const BehaviourOptions& o) { return ServerScript::SlowBanner(o.delay); }},
      {"masked", [](const BehaviourOptions&) { return ServerScript::MaskedStarttls(); }},
      {"premature_final",
       [](const BehaviourOptions&) { return ServerScript::PrematureFinalLine(); }},
      {"plaintext_injection",
       [](const BehaviourOptions&) { return ServerScript::PlaintextInjection(); }},
      {"silent", [](const BehaviourOptions&) { return ServerScript::Silent(); }},
      // Hostile partners: each must cost a prober at most its deadline, with a specific reason,
      // and bounded memory.
      {"dripping", [](const BehaviourOptions&) { return ServerScript::Dripping(); }},
      {"endless_line", [](const BehaviourOptions&) { return ServerScript::EndlessLine(); }},
      {"endless_reply", [](const BehaviourOptions&) { return ServerScript::EndlessReply(); }},
      {"huge_ehlo", [](const BehaviourOptions&) { return ServerScript::HugeEhlo(); }},
      {"binary_bytes", [](const BehaviourOptions&) { return ServerScript::BinaryBytes(); }},
      {"mixed_codes", [](const BehaviourOptions&) { return ServerScript::MixedCodes(); }},
      {"closed_mid_banner",
       [](const BehaviourOptions&) { return ServerScript::ClosedMidBanner(); }},
      {"closed_mid_ehlo", [](const BehaviourOptions&) { return ServerScript::ClosedMidEhlo(); }},
      {"reset_after_ehlo", [](const BehaviourOptions&) { return ServerScript::ResetAfterEhlo(); }},
      {"reset_on_ehlo", [](const BehaviourOptions&) { return ServerScript::ResetOnEhlo(); }},
      {"silent_after_ready",
       [](const BehaviourOptions&) { return ServerScript::SilentAfterReady(); }},
      {"stall_mid_handshake",
       [](const BehaviourOptions&) { return ServerScript::StallMidHandshake(); }},
      {"huge_cert_chain", [](const BehaviourOptions&) { return ServerScript::HugeCertChain(); }},
      {"rejecting_banner", [](const BehaviourOptions&) { return ServerScript::RejectingBanner(); }},
      {"busy_banner", [](const BehaviourOptions&) { return ServerScript::BusyBanner(); }},
      {"unavailable_on_ehlo",
       [](const BehaviourOptions&) { return ServerScript::UnavailableOnEhlo(); }},
      {"unavailable_on_starttls",
       [](const BehaviourOptions&) { return ServerScript::UnavailableOnStarttls(); }},
      {"unsolicited_421", [](const BehaviourOptions&) { return ServerScript::Unsolicited421(); }},
      {"never_reads", [](const BehaviourOptions&) { return ServerScript::NeverReads(); }},
      {"never_reads_nor_speaks",
       [](const BehaviourOptions&) { return ServerScript::NeverReadsNorSpeaks(); }},
  };
  return entries;
}

void ReplaceAll(std::string& text, std::string_view from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

}  // namespace

std::vector<std::string_view> BehaviourNames() {
  std::vector<std::string_view> names;
  for (const Entry& e : Catalogue()) names.push_back(e.name);
  return names;
}

std::optional<Behaviour> FindBehaviour(std::string_view name, const BehaviourOptions& options) {
  for (const Entry& e : Catalogue()) {
    if (e.name != name) continue;
    Behaviour b{std::string(e.name), e.make(options), e.cert};
    // The presets speak for "mx.test"; a behaviour for another host speaks for that one.
    if (options.host != "mx.test") {
      for (std::string* text :
           {&b.script.banner, &b.script.ehlo_reply, &b.script.ehlo_reply_tls, &b.script.helo_reply,
            &b.script.starttls_reply, &b.script.hangup_notice})
        ReplaceAll(*text, "mx.test", options.host);
    }
    b.script.tls_host = options.host;
    return b;
  }
  return std::nullopt;
}

CertSpec CertSpecFor(CertKind kind, const std::string& host) {
  switch (kind) {
    case CertKind::kExpired:
      return CertSpec::Expired(host);
    case CertKind::kWrongHost:
      return CertSpec::WrongHost(host == "wrong-host.test" ? "other-host.test" : "wrong-host.test");
    case CertKind::kValid:
      break;
  }
  return CertSpec::Valid(host);
}

}  // namespace stx::scripted
