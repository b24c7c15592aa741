#include "app/check_command.hpp"

#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <ostream>

#include "app/host_name.hpp"
#include "common/asio.hpp"
#include "common/duration.hpp"
#include "dns/resolver.hpp"
#include "dns/server_spec.hpp"
#include "probe/check_target.hpp"
#include "probe/target_probe.hpp"
#include "report/json_report.hpp"
#include "report/text_report.hpp"
#include "tls/client_context.hpp"

namespace stx::app {

int ExitStatusOf(const std::vector<probe::TargetProbeResult>& results) {
  bool any_error = false;
  bool any_not_compliant = false;
  for (const auto& target : results) {
    if (target.error) any_error = true;
    for (const auto& r : target.results) {
      switch (r.ehlo_class) {
        case smtp::EhloClass::kCompliant:
          break;
        case smtp::EhloClass::kMisordered:
        case smtp::EhloClass::kNoStarttls:
          any_not_compliant = true;
          break;
        case smtp::EhloClass::kError:
          any_error = true;
          break;
      }
    }
  }
  if (any_not_compliant) return kNotCompliant;
  if (any_error) return kErrorOrUsage;
  return kAllCompliant;  // includes a null MX: the domain takes no mail, nothing is sent in clear
}

int RunCheck(const CheckCommandOptions& options, std::ostream& out, std::ostream& err) {
  auto parsed = probe::ParseCheckTarget(options.target);
  if (const auto* why = std::get_if<std::string>(&parsed)) {
    err << "check: " << *why << "\n";
    return kErrorOrUsage;
  }
  const auto timeout = ParseDuration(options.timeout);
  if (!timeout || timeout->count() <= 0) {
    err << "check: --timeout '" << options.timeout
        << "' is not a positive duration; write e.g. 10s, 1500ms or 1m\n";
    return kErrorOrUsage;
  }
  if (!options.dns_server.empty()) {
    if (const auto spec = dns::ParseServerSpec(options.dns_server); !spec.server) {
      err << "check: --dns-server " << spec.error << "\n";
      return kErrorOrUsage;
    }
  }
  if (options.ipv4_only && options.ipv6_only) {
    err << "check: -4 and -6 exclude each other; give at most one\n";
    return kErrorOrUsage;
  }

  probe::TargetProbeOptions probe_options;
  probe_options.port = options.port;
  probe_options.primary_only = options.primary_only;
  probe_options.ipv4 = !options.ipv6_only;
  probe_options.ipv6 = !options.ipv4_only;
  probe_options.probe.ehlo_name = options.ehlo_name.empty() ? LocalFqdn() : options.ehlo_name;
  probe_options.probe.SetTimeout(*timeout);

  std::shared_ptr<asio::ssl::context> tls_context;
  try {
    tls_context = tls::MakeClientContext({options.ca_file, true});
  } catch (const std::exception& e) {
    err << "check: --ca-file: " << e.what() << "\n";
    return kErrorOrUsage;
  }

  asio::io_context io;
  dns::ResolverOptions resolver_options;
  resolver_options.server = options.dns_server;
  std::optional<dns::Resolver> resolver;
  try {
    resolver.emplace(io.get_executor(), resolver_options);
  } catch (const std::exception& e) {
    err << "check: DNS resolver: " << e.what() << "\n";
    return kErrorOrUsage;
  }

  probe::TargetProbeResult result;
  auto on_done = [&result](std::exception_ptr, probe::TargetProbeResult r) {
    result = std::move(r);
  };
  asio::co_spawn(io,
                 probe::ProbeTarget(std::get<probe::CheckTarget>(parsed), probe_options, *resolver,
                                    tls_context),
                 on_done);
  io.run();
  result.target = options.target;

  if (options.json) {
    out << report::ToJson(result).dump(2) << "\n";
  } else {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    out << report::ToText(result, now);
  }
  return ExitStatusOf({result});
}

}  // namespace stx::app
