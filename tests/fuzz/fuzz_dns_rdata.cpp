// libFuzzer target: the reading of DNS record data the resolver hands over (MX, A, AAAA and
// the wire-format names in them). A partner's zone controls these bytes; the validating
// resolver passes on whatever RDATA the zone holds.
//
// Input layout: byte 0 picks the reader (bits 0-1: MX, A, AAAA, a bare name); the rest is cut
// into records at each 0xff 0xfe pair (a separator no test needs inside a record).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dns/dns_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int reader = data[0] & 0x03;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  stx::dns::RawAnswer raw;
  raw.have_data = true;
  for (std::size_t start = 0;;) {
    const std::size_t cut = rest.find("\xff\xfe", start);
    raw.records.emplace_back(rest.substr(start, cut == std::string_view::npos ? cut : cut - start));
    if (cut == std::string_view::npos) break;
    start = cut + 2;
  }
  switch (reader) {
    case 0: {
      const auto mx = stx::dns::ParseMxAnswer(raw);
      for (const auto& record : mx.records) {
        if (record.host.find('\0') != std::string::npos) __builtin_trap();  // escaped, always
      }
      break;
    }
    case 1:
      (void)stx::dns::ParseAddressAnswer(raw, stx::dns::AddressFamily::kV4);
      break;
    case 2:
      (void)stx::dns::ParseAddressAnswer(raw, stx::dns::AddressFamily::kV6);
      break;
    default: {
      std::size_t pos = 0;
      std::string name;
      if (stx::dns::ReadWireName(rest, pos, name) && pos > rest.size()) __builtin_trap();
      break;
    }
  }
  return 0;
}
