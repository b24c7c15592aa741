#include "support/probe_runner.hpp"

#include <boost/asio/ssl/context.hpp>

#include "common/asio.hpp"
#include "probe/smtp_dialogue.hpp"
#include "tls/client_context.hpp"

namespace stx::test {

ProbeRun RunProbe(probe::AddressTarget target, std::shared_ptr<asio::ssl::context> tls_context,
                  probe::ProbeOptions options);

ProbeRun RunProbe(const std::string& address, std::uint16_t port, const std::string& ca_file,
                  probe::ProbeOptions options, const std::string& mx_host) {
  return RunProbe(address, port, tls::MakeClientContext({ca_file, /*system_trust_store=*/false}),
                  std::move(options), mx_host);
}

ProbeRun RunProbe(const std::string& address, std::uint16_t port,
                  std::shared_ptr<asio::ssl::context> tls_context, probe::ProbeOptions options,
                  const std::string& mx_host) {
  return RunProbe(probe::AddressTarget{mx_host, 10, asio::ip::make_address(address), port, nullptr,
                                       "", dns::DnssecStatus::kInsecure},
                  std::move(tls_context), std::move(options));
}

ProbeRun RunProbe(probe::AddressTarget target, const std::string& ca_file,
                  probe::ProbeOptions options) {
  return RunProbe(std::move(target),
                  tls::MakeClientContext({ca_file, /*system_trust_store=*/false}),
                  std::move(options));
}

ProbeRun RunProbe(probe::AddressTarget target, std::shared_ptr<asio::ssl::context> tls_context,
                  probe::ProbeOptions options) {
  asio::io_context io;
  if (options.ehlo_name == "localhost") options.ehlo_name = "probe.test";
  ProbeRun run;
  auto on_done = [&run](std::exception_ptr, probe::AddressProbeResult r) {
    run.result = std::move(r);
  };
  const auto start = std::chrono::steady_clock::now();
  asio::co_spawn(io, probe::ProbeAddress(target, options, tls_context), on_done);
  io.run();
  run.wall = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  return run;
}

}  // namespace stx::test
