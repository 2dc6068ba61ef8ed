#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tern::rpc {

/// The Access-Control-Allow-Origin value for a request from `origin`, or "" when CORS does not
/// allow it (no header then). `allowed` as geth's --http.corsdomain: "*" allows any origin
/// (answered "*"), other entries match case-insensitively and may hold one "*" wildcard
/// ("http://localhost:*"); an empty list allows none.
std::string cors_allow_origin(const std::vector<std::string>& allowed, std::string_view origin);

/// True when a WebSocket handshake carrying `origin` may proceed, as geth's --ws.origins:
/// `has_origin` false (no Origin header: not a browser) always may; "*" allows any origin;
/// an entry such as "http://localhost" or "localhost:3000" matches the scheme, host and port it
/// names (a part it leaves out matches anything). An empty list means the loopback origins
/// "http://localhost", "http://127.0.0.1" and "http://[::1]" (any port; geth: localhost and the
/// machine's host name).
bool ws_origin_allowed(const std::vector<std::string>& allowed,
                       bool has_origin,
                       std::string_view origin);

/// True when a request with Host header `host` may be served, as geth's --http.vhosts (which
/// defeats DNS rebinding: a foreign page reaching a loopback node through its own domain name
/// sends that name): an empty header, an IP address (with or without port) and names in
/// `allowed` (case-insensitive, port ignored) pass; "*" lets every name pass.
bool host_allowed(const std::vector<std::string>& allowed, std::string_view host);

}  // namespace tern::rpc
