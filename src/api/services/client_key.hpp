#pragma once

#include <string>
#include <string_view>

namespace tern::api {

/// The client a per-client limit (filters) counts against, from the peer's IP address as
/// rpc::CallContext::client_ip() gives it: the same grouping as the server's per-address
/// connection caps (rpc::ClientLimits::key_of: an IPv4 address, IPv4-mapped IPv6 as IPv4, other
/// IPv6 addresses by their /64 prefix), printed ("10.1.2.3", "2001:db8:1:2::/64"). In-process
/// calls ("") and anything unparsable are the client "".
std::string client_key(std::string_view client_ip);

}  // namespace tern::api
