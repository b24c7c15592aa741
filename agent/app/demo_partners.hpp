#pragma once
#include <memory>
#include <string>
#include <vector>

#include "config/exporter_config.hpp"

namespace stx::scripted {
class ScriptedSmtpServer;
class EphemeralPki;
}  // namespace stx::scripted

namespace stx::app {

/// `--demo`: scripted partners on loopback, one per status worth seeing (compliant,
/// misordered, no STARTTLS, STARTTLS refused, expired certificate), each on its own 127.0.0.x
/// address with a certificate from an ephemeral CA, and a configuration that probes them every
/// 15 s. Nothing leaves the machine.
class DemoPartners {
 public:
  DemoPartners();  ///< throws std::runtime_error when a partner cannot listen
  ~DemoPartners();
  DemoPartners(const DemoPartners&) = delete;
  DemoPartners& operator=(const DemoPartners&) = delete;

  const config::ExporterConfig& config() const { return config_; }

 private:
  std::string pki_dir_;
  std::unique_ptr<scripted::EphemeralPki> pki_;
  std::vector<std::unique_ptr<scripted::ScriptedSmtpServer>> servers_;
  config::ExporterConfig config_;
};

}  // namespace stx::app
