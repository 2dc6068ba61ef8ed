#include "api/services/client_key.hpp"

#include "rpc/client_limits.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>

namespace tern::api {

std::string client_key(std::string_view client_ip)
{
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(std::string(client_ip), ec);
    if (ec)
        return {};
    const auto key = rpc::ClientLimits::key_of(address);
    const boost::asio::ip::address_v6 grouped(key);
    if (grouped.is_v4_mapped())
        return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, grouped).to_string();
    // key_of keeps whole addresses only for the zero /64 prefix (::1 and friends).
    const bool prefix = std::any_of(key.begin(), key.begin() + 8, [](uint8_t b) { return b != 0; });
    return grouped.to_string() + (prefix ? "/64" : "");
}

}  // namespace tern::api
