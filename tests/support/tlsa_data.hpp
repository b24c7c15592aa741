#pragma once
// TLSA certificate association data computed from a PEM file, for tests that publish records
// for the certificates their servers serve (RFC 6698 §2.1.2, §2.1.3).
#include <cstdint>
#include <string>

namespace stx::test {

/// The association data for certificate `index` (0: the first) of the PEM file at `pem_path`:
/// selector 0 (the whole certificate) or 1 (its SubjectPublicKeyInfo), matching type 0 (the
/// bytes), 1 (SHA-256) or 2 (SHA-512). Raw bytes; throws std::runtime_error when the file has
/// no such certificate.
std::string TlsaData(const std::string& pem_path, std::size_t index, std::uint8_t selector,
                     std::uint8_t matching_type);

/// The same in lower-case hex, as a zone file's TLSA line takes it.
std::string TlsaHex(const std::string& pem_path, std::size_t index, std::uint8_t selector,
                    std::uint8_t matching_type);

}  // namespace stx::test
