#include "dns/dns_message.hpp"

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>
#include <cstdio>
#include <optional>

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

namespace {

/// Status, detail and DNSSEC verdict of `raw`, then each record through `read` into
/// `answer.*items`; one record that does not read makes the whole answer kError ("malformed
/// <type> record"): a resolver never hands such data on, so it is not a partial truth.
template <typename Answer, typename Item, typename Read>
void ReadAnswer(const RawAnswer& raw, std::string_view type, Answer& answer,
                std::vector<Item> Answer::*items, Read read) {
  const Verdict verdict = Judge(raw, type);
  answer.status = verdict.status;
  answer.detail = verdict.detail;
  answer.dnssec = raw.dnssec;
  answer.why_bogus = raw.why_bogus;
  if (!verdict.parse) return;
  for (const std::string& rdata : raw.records) {
    std::optional<Item> item = read(rdata);
    if (!item) {
      answer.status = LookupStatus::kError;
      answer.detail = "malformed " + std::string(type) + " record";
      (answer.*items).clear();
      return;
    }
    (answer.*items).push_back(std::move(*item));
  }
}

/// RFC 1035 §3.3.9: PREFERENCE, then EXCHANGE (a name, uncompressed here).
std::optional<MxRecord> ReadMx(const std::string& rdata) {
  MxRecord record;
  std::size_t pos = 2;
  if (rdata.size() < 3 || !ReadWireName(rdata, pos, record.host) || pos != rdata.size()) {
    return std::nullopt;
  }
  record.preference = static_cast<std::uint16_t>(static_cast<unsigned char>(rdata[0]) << 8 |
                                                 static_cast<unsigned char>(rdata[1]));
  return record;
}

/// RFC 1035 §3.4.1 (4 bytes) and RFC 3596 §2.2 (16 bytes).
template <typename Address>
std::optional<boost::asio::ip::address> ReadAddress(const std::string& rdata) {
  typename Address::bytes_type bytes;
  if (rdata.size() != bytes.size()) return std::nullopt;
  std::copy(rdata.begin(), rdata.end(), bytes.begin());
  return Address(bytes);
}

/// RFC 6698 §2.1: usage, selector, matching type, then the association data.
std::optional<TlsaRecord> ReadTlsa(const std::string& rdata) {
  if (rdata.size() < 3) return std::nullopt;
  return TlsaRecord{static_cast<std::uint8_t>(rdata[0]), static_cast<std::uint8_t>(rdata[1]),
                    static_cast<std::uint8_t>(rdata[2]), rdata.substr(3)};
}

/// RFC 1035 §3.3.14: one or more character-strings, each a length byte and that many bytes.
std::optional<std::string> ReadTxt(const std::string& rdata) {
  std::string text;
  std::size_t pos = 0;
  if (rdata.empty()) return std::nullopt;
  while (pos < rdata.size()) {
    const std::size_t length = static_cast<unsigned char>(rdata[pos]);
    if (pos + 1 + length > rdata.size()) return std::nullopt;
    text.append(rdata, pos + 1, length);
    pos += 1 + length;
  }
  return text;
}

}  // namespace

MxAnswer ParseMxAnswer(const RawAnswer& raw) {
  MxAnswer answer;
  ReadAnswer(raw, "MX", answer, &MxAnswer::records, &ReadMx);
  SortMxRecords(answer.records);
  return answer;
}

AddressAnswer ParseAddressAnswer(const RawAnswer& raw, AddressFamily family) {
  AddressAnswer answer;
  if (family == AddressFamily::kV4) {
    ReadAnswer(raw, "A", answer, &AddressAnswer::addresses,
               &ReadAddress<boost::asio::ip::address_v4>);
  } else {
    ReadAnswer(raw, "AAAA", answer, &AddressAnswer::addresses,
               &ReadAddress<boost::asio::ip::address_v6>);
  }
  return answer;
}

TlsaAnswer ParseTlsaAnswer(const RawAnswer& raw, std::string name) {
  TlsaAnswer answer;
  answer.name = std::move(name);
  ReadAnswer(raw, "TLSA", answer, &TlsaAnswer::records, &ReadTlsa);
  return answer;
}

TxtAnswer ParseTxtAnswer(const RawAnswer& raw, std::string name) {
  TxtAnswer answer;
  answer.name = std::move(name);
  ReadAnswer(raw, "TXT", answer, &TxtAnswer::records, &ReadTxt);
  return answer;
}

}  // namespace stx::dns
