#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <system_error>

namespace stx::config {

/// The whole content of the file at `path`, or nullopt with `error` set (the OS's reason, or
/// file_too_large beyond `max_bytes`: a wrong path to a huge file must not stall a load).
std::optional<std::string> ReadFileText(const std::string& path, std::size_t max_bytes,
                                        std::error_code& error);

}  // namespace stx::config
