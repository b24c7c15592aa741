#include "app/demo_partners.hpp"

#include <filesystem>

#include "config/config_values.hpp"
#include "scripted/ephemeral_pki.hpp"
#include "scripted/scripted_smtp_server.hpp"

namespace stx::app {
namespace {

struct DemoPartner {
  const char* domain;
  const char* name;
  const char* address;
  const char* tier;
  scripted::ServerScript (*script)();
  bool expired_certificate;
};

scripted::ServerScript ExpiredCertificate() { return scripted::ServerScript::Compliant(); }

constexpr DemoPartner kPartners[] = {
    {"bank.demo.example", "Demo Bank (compliant)", "127.0.0.11", "1",
     &scripted::ServerScript::Compliant, false},
    {"insurer.demo.example", "Demo Insurer (misordered, the ESA case)", "127.0.0.12", "1",
     &scripted::ServerScript::Misordered, false},
    {"supplier.demo.example", "Demo Supplier (no STARTTLS)", "127.0.0.13", "2",
     &scripted::ServerScript::NoStarttls, false},
    {"logistics.demo.example", "Demo Logistics (STARTTLS refused)", "127.0.0.14", "2",
     &scripted::ServerScript::StarttlsRefused, false},
    {"agency.demo.example", "Demo Agency (expired certificate)", "127.0.0.15", "3",
     &ExpiredCertificate, true},
};

}  // namespace

DemoPartners::DemoPartners() {
  pki_dir_ = scripted::MakePkiDirectory("starttls-exporter-demo");
  pki_ = std::make_unique<scripted::EphemeralPki>(pki_dir_);

  config_.source = "--demo";
  config_.global.interval = std::chrono::seconds(15);
  config_.global.timeout = std::chrono::seconds(10);
  config_.global.ehlo_name = "probe.demo.example";
  config_.global.ca_file = pki_->ca_path();
  config_.global.concurrency = 8;
  for (const DemoPartner& p : kPartners) {
    scripted::CertSpec spec = p.expired_certificate ? scripted::CertSpec::Expired(p.domain)
                                                    : scripted::CertSpec::Valid(p.domain);
    // The probe reaches the partner by address (no DNS in the demo), so the certificate also
    // names the address; the host-name check then passes for the valid ones.
    spec.ip_sans = {p.address};
    const scripted::CertFiles files = pki_->Issue(spec);
    scripted::ServerScript script = p.script();
    script.cert_chain_path = files.cert_chain_pem_path;
    script.key_path = files.key_path;
    script.idle_timeout = std::chrono::seconds(30);
    servers_.push_back(std::make_unique<scripted::ScriptedSmtpServer>(script, p.address, 0));

    config::Partner partner = config::DefaultPartner(config_.global, p.domain);
    partner.name = p.name;
    partner.labels = {{"team", "demo"}, {"tier", p.tier}};
    partner.static_mx = {*config::CheckStaticMx(p.address, servers_.back()->port()).value};
    config_.partners.push_back(std::move(partner));
  }
}

DemoPartners::~DemoPartners() {
  servers_.clear();
  pki_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(pki_dir_, ignored);
}

}  // namespace stx::app
