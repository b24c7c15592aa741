#include "dns/dns_message.hpp"

#include <ares.h>
#include <netdb.h>

#include <cstring>
#include <memory>

#include "dns/mx_interpretation.hpp"

namespace stx::dns {
namespace {

constexpr int kClassIn = 1;
constexpr std::size_t kHeaderSize = 12;
// Byte 3 of the header (RFC 1035 §4.1.1): RA | Z | AD | CD | RCODE(4); AD is RFC 4035 §3.2.3.
constexpr unsigned char kAdBit = 0x20;
constexpr unsigned char kRcodeMask = 0x0f;

/// Status, detail and AD from everything but the records; `parse` says whether the message
/// holds records worth parsing (NOERROR).
struct Header {
  LookupStatus status = LookupStatus::kError;
  std::string detail;
  bool authenticated = false;
  bool parse = false;
};

Header ReadHeader(const RawAnswer& raw) {
  Header header;
  switch (raw.ares_status) {
    case ARES_SUCCESS:
      break;
    // Newer c-ares report SERVFAIL / REFUSED answers this way when ARES_FLAG_NOCHECKRESP is
    // off; AresChannel sets it, so with 1.18 these arrive as messages with their RCODE.
    case ARES_ESERVFAIL:
      header.status = LookupStatus::kServFail;
      header.detail = "SERVFAIL: the server failed to answer (broken zone or DNSSEC failure?)";
      return header;
    case ARES_EREFUSED:
      header.status = LookupStatus::kRefused;
      header.detail = "REFUSED: the server refuses to answer this question";
      return header;
    case ARES_ENOTFOUND:
      header.status = LookupStatus::kNxDomain;
      header.detail = "NXDOMAIN: the name does not exist";
      return header;
    case ARES_ETIMEOUT:
      header.status = LookupStatus::kTimeout;
      header.detail = "no answer from the DNS server in time";
      return header;
    case ARES_EDESTRUCTION:
      header.status = LookupStatus::kError;
      header.detail = "resolver destroyed while the query was in flight";
      return header;
    default:
      header.status = LookupStatus::kError;
      header.detail = ares_strerror(raw.ares_status);
      return header;
  }
  if (raw.message.size() < kHeaderSize) {
    header.detail = "answer shorter than a DNS header";
    return header;
  }
  header.authenticated = (raw.message[3] & kAdBit) != 0;
  const int rcode = raw.message[3] & kRcodeMask;
  switch (rcode) {
    case 0:
      header.status = LookupStatus::kOk;
      header.parse = true;
      break;
    case 2:
      header.status = LookupStatus::kServFail;
      header.detail = "SERVFAIL: the server failed to answer (broken zone or DNSSEC failure?)";
      break;
    case 3:
      header.status = LookupStatus::kNxDomain;
      header.detail = "NXDOMAIN: the name does not exist";
      break;
    case 5:
      header.status = LookupStatus::kRefused;
      header.detail = "REFUSED: the server refuses to answer this question";
      break;
    default:
      header.status = LookupStatus::kError;
      header.detail = "DNS error RCODE " + std::to_string(rcode);
      break;
  }
  return header;
}

/// Maps a c-ares parser result: ENODATA is "the name exists but has no such record".
void ApplyParseStatus(int parse_status, std::string_view type, LookupStatus& status,
                      std::string& detail) {
  if (parse_status == ARES_SUCCESS) return;
  if (parse_status == ARES_ENODATA) {
    status = LookupStatus::kNoData;
    detail = "no " + std::string(type) + " records";
    return;
  }
  status = LookupStatus::kError;
  detail = "malformed " + std::string(type) + " answer: " + ares_strerror(parse_status);
}

int MessageLength(const RawAnswer& raw) { return static_cast<int>(raw.message.size()); }

}  // namespace

std::optional<std::vector<unsigned char>> BuildQuery(std::string_view name, QueryType type,
                                                     std::string& error) {
  const std::string owned(name);
  unsigned char* buffer = nullptr;
  int length = 0;
  // ID 0: ares_send assigns its own random ID.
  const int status = ares_create_query(owned.c_str(), kClassIn, static_cast<int>(type), 0,
                                       /*rd=*/1, &buffer, &length, kEdnsUdpSize);
  if (status != ARES_SUCCESS) {
    error = "cannot build a query for '" + owned + "': " + ares_strerror(status);
    return std::nullopt;
  }
  std::unique_ptr<unsigned char, void (*)(void*)> guard(buffer, ares_free_string);
  std::vector<unsigned char> query(buffer, buffer + length);
  if (query.size() >= kHeaderSize) query[3] |= kAdBit;  // RFC 6840 §5.7
  return query;
}

MxAnswer ParseMxAnswer(const RawAnswer& raw) {
  MxAnswer answer;
  Header header = ReadHeader(raw);
  answer.status = header.status;
  answer.detail = std::move(header.detail);
  answer.authenticated = header.authenticated;
  if (!header.parse) return answer;

  ares_mx_reply* replies = nullptr;
  const int status = ares_parse_mx_reply(raw.message.data(), MessageLength(raw), &replies);
  std::unique_ptr<ares_mx_reply, void (*)(void*)> guard(replies, ares_free_data);
  ApplyParseStatus(status, "MX", answer.status, answer.detail);
  if (status != ARES_SUCCESS) return answer;
  for (const ares_mx_reply* r = replies; r != nullptr; r = r->next) {
    std::string host = r->host != nullptr ? r->host : "";
    if (host == ".") host.clear();  // the root name: null MX (RFC 7505)
    answer.records.push_back({r->priority, std::move(host)});
  }
  SortMxRecords(answer.records);
  return answer;
}

AddressAnswer ParseAddressAnswer(const RawAnswer& raw, AddressFamily family) {
  AddressAnswer answer;
  Header header = ReadHeader(raw);
  answer.status = header.status;
  answer.detail = std::move(header.detail);
  answer.authenticated = header.authenticated;
  if (!header.parse) return answer;

  hostent* host = nullptr;
  const int status =
      family == AddressFamily::kV4
          ? ares_parse_a_reply(raw.message.data(), MessageLength(raw), &host, nullptr, nullptr)
          : ares_parse_aaaa_reply(raw.message.data(), MessageLength(raw), &host, nullptr, nullptr);
  std::unique_ptr<hostent, void (*)(hostent*)> guard(host, ares_free_hostent);
  ApplyParseStatus(status, family == AddressFamily::kV4 ? "A" : "AAAA", answer.status,
                   answer.detail);
  if (status != ARES_SUCCESS || host == nullptr) return answer;
  for (char** entry = host->h_addr_list; entry != nullptr && *entry != nullptr; ++entry) {
    if (family == AddressFamily::kV4) {
      boost::asio::ip::address_v4::bytes_type bytes;
      std::memcpy(bytes.data(), *entry, bytes.size());
      answer.addresses.emplace_back(boost::asio::ip::address_v4(bytes));
    } else {
      boost::asio::ip::address_v6::bytes_type bytes;
      std::memcpy(bytes.data(), *entry, bytes.size());
      answer.addresses.emplace_back(boost::asio::ip::address_v6(bytes));
    }
  }
  if (answer.addresses.empty()) {
    answer.status = LookupStatus::kNoData;
    answer.detail = family == AddressFamily::kV4 ? "no A records" : "no AAAA records";
  }
  return answer;
}

}  // namespace stx::dns
