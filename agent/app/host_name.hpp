#pragma once
#include <string>

namespace stx::app {

/// The machine's fully qualified name for EHLO (RFC 5321 §4.1.1.1: the client's FQDN).
/// gethostname(), made canonical through the local resolver when it has no dot; never empty.
std::string LocalFqdn();

}  // namespace stx::app
