#include "node/client_key.hpp"

#include <boost/asio/ip/address.hpp>

namespace tern::node {

std::string client_key(std::string_view remote_address)
{
    // "[v6]:port" or "v4:port"; the port is what follows the last ':'.
    std::string_view host = remote_address;
    if (host.starts_with('['))
    {
        const size_t close = host.find(']');
        if (close == std::string_view::npos)
            return {};
        host = host.substr(1, close - 1);
    }
    else if (const size_t colon = host.rfind(':'); colon != std::string_view::npos)
        host = host.substr(0, colon);
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(std::string(host), ec);
    if (ec)
        return {};
    if (address.is_v4())
        return address.to_v4().to_string();
    const auto v6 = address.to_v6();
    if (v6.is_v4_mapped())
        return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string();
    auto bytes = v6.to_bytes();
    for (size_t i = 8; i < bytes.size(); ++i)
        bytes[i] = 0;
    return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

}  // namespace tern::node
