#pragma once

#include <string>
#include <string_view>

namespace tern::node {

/// The client a per-client limit (filters) counts against, from a peer address as
/// rpc::CallContext::remote_address() gives it ("ip:port", "[v6]:port"): the IPv4 address
/// (IPv4-mapped IPv6 addresses as IPv4), or for IPv6 its /64 prefix ("2001:db8:1:2::/64": one
/// host usually holds a whole /64, so single addresses would not limit anyone). In-process
/// calls ("") and anything unparsable are the client "".
std::string client_key(std::string_view remote_address);

}  // namespace tern::node
