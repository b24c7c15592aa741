#pragma once
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/ip/address.hpp>

#include "dns/mail_routing.hpp"

#include "smtp/reply_reader.hpp"

namespace stx::probe {

/// Time and size bounds of one probe. Every stage has its own deadline, capped by the probe's
/// overall deadline, so a silent or dripping server costs at most `timeout`.
struct ProbeOptions {
  std::string ehlo_name = "localhost";
  std::chrono::milliseconds timeout{30'000};  ///< whole dialogue with one address
  std::chrono::milliseconds connect_timeout{10'000};
  /// Per reply. RFC 5321 §4.5.3.2 lets a client wait minutes; a monitor must not.
  std::chrono::milliseconds reply_timeout{15'000};
  std::chrono::milliseconds handshake_timeout{15'000};
  std::chrono::milliseconds quit_timeout{2'000};
  /// After the EHLO reply's final line, how long to wait for lines a server sends after it, when
  /// they can still change the result (see the EHLO stage in smtp_dialogue.cpp). Long enough
  /// for the next TCP segment of a server that writes its reply in pieces, short enough that a
  /// server whose reply lacks STARTTLS hardly waits.
  std::chrono::milliseconds trailing_grace{200};
  smtp::ReplyLimits limits;
  std::size_t max_transcript_lines = 300;

  /// Sets the overall timeout and caps every stage limit at it.
  void SetTimeout(std::chrono::milliseconds overall) {
    timeout = overall;
    connect_timeout = std::min(connect_timeout, overall);
    reply_timeout = std::min(reply_timeout, overall);
    handshake_timeout = std::min(handshake_timeout, overall);
  }
};

/// One address of one MX host.
struct AddressTarget {
  std::string mx_host;  ///< name for SNI and the certificate check; address literal if none
  std::uint16_t mx_preference = 0;
  boost::asio::ip::address address;
  std::uint16_t port = 25;
  /// The MX host's TLSA answer, when it was asked (its addresses are DNSSEC-secure, RFC 7672
  /// §2.2.2); shared by every address of the host. With usable records the dialogue checks
  /// the presented chain against them.
  std::shared_ptr<const dns::TlsaAnswer> tlsa;
  /// The domain whose mail the host receives: DANE-TA certificates may name it (RFC 7672
  /// §3.2.2). "" for host targets.
  std::string next_hop;
  /// DNSSEC status of the answers that led to the address (the MX answer and the host's
  /// address answer, the worse of the two): a validating sender cannot use a bogus one.
  dns::DnssecStatus address_dnssec = dns::DnssecStatus::kInsecure;
};

}  // namespace stx::probe
