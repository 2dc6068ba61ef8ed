#pragma once

// What `tern dev` and `tern node` say (or refuse) when JSON-RPC listens where other machines
// can reach it (docs/security.md).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tern::tools {

/// True if `host` accepts connections from this machine only: 127.0.0.0/8, ::1 (also as
/// "[::1]") or "localhost". 0.0.0.0, other addresses and other names are not.
bool is_loopback_host(const std::string& host);

/// `text` wrapped at 100 columns, continuation lines indented by two spaces (warnings).
std::string wrap_text(const std::string& text);

/// The warning for a JSON-RPC server on the non-loopback `host`:`port`: who can reach it, the
/// namespaces served, the `unlocked` accounts anyone may sign with (`public_keys`: they are the
/// test mnemonic's, known to all), and where to read more. Several lines, no trailing newline.
std::string exposure_warning(const std::string& host,
                             uint16_t port,
                             const std::vector<std::string>& namespaces,
                             size_t unlocked,
                             bool public_keys);

}  // namespace tern::tools
