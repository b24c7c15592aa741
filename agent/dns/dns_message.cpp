#include "dns/dns_message.hpp"

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>
#include <cstdio>

#include "dns/mx_interpretation.hpp"

namespace stx::dns {
namespace {

/// Status and detail from everything but the records; `parse` says whether the records are
/// worth reading (NOERROR with data).
struct Verdict {
  LookupStatus status = LookupStatus::kError;
  std::string detail;
  bool parse = false;
};

Verdict Judge(const RawAnswer& raw, std::string_view type) {
  Verdict verdict;
  if (!raw.failure.empty()) {
    verdict.status = raw.timed_out ? LookupStatus::kTimeout : LookupStatus::kError;
    verdict.detail = raw.failure;
    return verdict;
  }
  switch (raw.rcode) {
    case 0:
      if (raw.have_data) {
        verdict.status = LookupStatus::kOk;
        verdict.parse = true;
      } else {
        verdict.status = LookupStatus::kNoData;
        verdict.detail = "no " + std::string(type) + " records";
      }
      break;
    case 2:
      // A validating resolver answers SERVFAIL for what the upstream refused, failed or could
      // not prove, as well as for its own upstream's SERVFAIL (RFC 4035 §5.5).
      verdict.status = LookupStatus::kServFail;
      verdict.detail =
          "SERVFAIL: no usable answer from the DNS server (broken zone, refused "
          "query or DNSSEC failure upstream?)";
      break;
    case 3:
      verdict.status = LookupStatus::kNxDomain;
      verdict.detail = "NXDOMAIN: the name does not exist";
      break;
    case 5:
      verdict.status = LookupStatus::kRefused;
      verdict.detail = "REFUSED: the server refuses to answer this question";
      break;
    default:
      verdict.status = LookupStatus::kError;
      verdict.detail = "DNS error RCODE " + std::to_string(raw.rcode);
      break;
  }
  return verdict;
}

template <typename Answer>
void CopyDnssec(const RawAnswer& raw, Answer& answer) {
  answer.dnssec = raw.dnssec;
  answer.why_bogus = raw.why_bogus;
}

bool Printable(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

}  // namespace

bool ReadWireName(std::string_view wire, std::size_t& pos, std::string& name) {
  std::string text;
  std::size_t at = pos;
  for (;;) {
    if (at >= wire.size()) return false;
    const auto length = static_cast<unsigned char>(wire[at]);
    if (length == 0) {
      ++at;
      break;
    }
    // 0xc0: a compression pointer (RFC 1035 §4.1.4), never in uncompressed RDATA; 0x40 and
    // 0x80 are reserved label types (RFC 6891 §5).
    if (length > 63) return false;
    if (at + 1 + length > wire.size()) return false;
    if (!text.empty()) text += '.';
    for (std::size_t i = at + 1; i <= at + length; ++i) {
      const auto c = static_cast<unsigned char>(wire[i]);
      if (Printable(c)) {
        text += static_cast<char>(c);
      } else if (c == '.' || c == '\\') {
        text += '\\';
        text += static_cast<char>(c);
      } else {
        char escaped[5];
        std::snprintf(escaped, sizeof escaped, "\\%03u", static_cast<unsigned>(c));
        text += escaped;
      }
    }
    at += 1 + length;
  }
  pos = at;
  name = std::move(text);
  return true;
}

MxAnswer ParseMxAnswer(const RawAnswer& raw) {
  MxAnswer answer;
  const Verdict verdict = Judge(raw, "MX");
  answer.status = verdict.status;
  answer.detail = verdict.detail;
  CopyDnssec(raw, answer);
  if (!verdict.parse) return answer;
  for (const std::string& rdata : raw.records) {
    MxRecord record;
    std::size_t pos = 2;
    if (rdata.size() < 3 || !ReadWireName(rdata, pos, record.host) || pos != rdata.size()) {
      answer.status = LookupStatus::kError;
      answer.detail = "malformed MX record";
      answer.records.clear();
      return answer;
    }
    record.preference = static_cast<std::uint16_t>(static_cast<unsigned char>(rdata[0]) << 8 |
                                                   static_cast<unsigned char>(rdata[1]));
    answer.records.push_back(std::move(record));
  }
  SortMxRecords(answer.records);
  return answer;
}

AddressAnswer ParseAddressAnswer(const RawAnswer& raw, AddressFamily family) {
  AddressAnswer answer;
  const bool v4 = family == AddressFamily::kV4;
  const Verdict verdict = Judge(raw, v4 ? "A" : "AAAA");
  answer.status = verdict.status;
  answer.detail = verdict.detail;
  CopyDnssec(raw, answer);
  if (!verdict.parse) return answer;
  for (const std::string& rdata : raw.records) {
    if (v4 && rdata.size() == 4) {
      boost::asio::ip::address_v4::bytes_type bytes;
      std::copy(rdata.begin(), rdata.end(), bytes.begin());
      answer.addresses.emplace_back(boost::asio::ip::address_v4(bytes));
    } else if (!v4 && rdata.size() == 16) {
      boost::asio::ip::address_v6::bytes_type bytes;
      std::copy(rdata.begin(), rdata.end(), bytes.begin());
      answer.addresses.emplace_back(boost::asio::ip::address_v6(bytes));
    } else {
      answer.status = LookupStatus::kError;
      answer.detail = std::string("malformed ") + (v4 ? "A" : "AAAA") + " record";
      answer.addresses.clear();
      return answer;
    }
  }
  return answer;
}

TlsaAnswer ParseTlsaAnswer(const RawAnswer& raw, std::string name) {
  TlsaAnswer answer;
  answer.name = std::move(name);
  const Verdict verdict = Judge(raw, "TLSA");
  answer.status = verdict.status;
  answer.detail = verdict.detail;
  CopyDnssec(raw, answer);
  if (!verdict.parse) return answer;
  for (const std::string& rdata : raw.records) {
    if (rdata.size() < 3) {
      answer.status = LookupStatus::kError;
      answer.detail = "malformed TLSA record";
      answer.records.clear();
      return answer;
    }
    answer.records.push_back({static_cast<std::uint8_t>(rdata[0]),
                              static_cast<std::uint8_t>(rdata[1]),
                              static_cast<std::uint8_t>(rdata[2]), rdata.substr(3)});
  }
  return answer;
}

}  // namespace stx::dns
