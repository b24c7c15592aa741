#include "app/probe_environment.hpp"

#include <boost/asio/ssl/context.hpp>

#include "app/host_name.hpp"
#include "dns/resolver.hpp"
#include "tls/client_context.hpp"

namespace stx::app {

std::shared_ptr<const scheduler::ProbeEnvironment> MakeProbeEnvironment(
    asio::any_io_executor executor, const config::ExporterConfig& config) {
  auto environment = std::make_shared<scheduler::ProbeEnvironment>();
  dns::ResolverOptions resolver_options;
  resolver_options.server = config.global.dns_server;
  resolver_options.trust_anchor_file = config.global.dns_trust_anchor_file;
  environment->resolver = std::make_shared<dns::Resolver>(executor, resolver_options);
  environment->tls_context = tls::MakeClientContext({config.global.ca_file, true});
  environment->global = config.global;
  if (config.global.ehlo_name.empty()) {
    // Looked up once, at start-up before the event loop runs; a reload must not block it.
    static const std::string fqdn = LocalFqdn();
    environment->ehlo_name = fqdn;
  } else {
    environment->ehlo_name = config.global.ehlo_name;
  }
  return environment;
}

}  // namespace stx::app
