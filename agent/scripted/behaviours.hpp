#pragma once
// The named catalogue of scripted partner behaviours: what `scripted_smtp_server --behaviour`
// and the fleet accept. One table, so a behaviour added here reaches every tool that serves
// scripted partners.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scripted/ephemeral_pki.hpp"
#include "scripted/server_script.hpp"

namespace stx::scripted {

/// Which certificate a behaviour serves: most serve a valid one; some exist to show a
/// certificate problem.
enum class CertKind { kValid, kExpired, kWrongHost };

struct Behaviour {
  std::string name;
  ServerScript script;
  CertKind cert = CertKind::kValid;
};

struct BehaviourOptions {
  std::string host = "mx.test";  ///< the name the server speaks for (banner, EHLO, certificate)
  std::chrono::milliseconds delay{2000};  ///< slow_banner's delay
};

/// Every behaviour name, in catalogue order.
std::vector<std::string_view> BehaviourNames();

/// The behaviour called `name`, speaking for `options.host`; nullopt for an unknown name.
std::optional<Behaviour> FindBehaviour(std::string_view name, const BehaviourOptions& options = {});

/// The certificate request for a behaviour's CertKind, for `host`.
CertSpec CertSpecFor(CertKind kind, const std::string& host);

}  // namespace stx::scripted
