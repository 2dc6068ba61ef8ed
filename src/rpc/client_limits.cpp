#include "rpc/client_limits.hpp"

#include <algorithm>

namespace tern::rpc {

ClientLimits::Key ClientLimits::key_of(const boost::asio::ip::address& address) noexcept
{
    Key key{};
    if (address.is_v4() || (address.is_v6() && address.to_v6().is_v4_mapped()))
    {
        const auto v4 = address.is_v4() ? address.to_v4()
                                        : boost::asio::ip::make_address_v4(
                                              boost::asio::ip::v4_mapped, address.to_v6());
        const auto b = v4.to_bytes();
        key[10] = key[11] = 0xff;
        std::copy(b.begin(), b.end(), key.begin() + 12);
        return key;
    }
    const auto b = address.to_v6().to_bytes();
    std::copy(b.begin(), b.begin() + 8, key.begin());
    // ::1 and the other addresses of the zero prefix stay distinct from one another.
    if (std::all_of(b.begin(), b.begin() + 8, [](uint8_t x) { return x == 0; }))
        std::copy(b.begin() + 8, b.end(), key.begin() + 8);
    return key;
}

bool ClientLimits::try_open(const Key& key, Kind kind, size_t max)
{
    std::lock_guard lock(mu_);
    size_t& n = counts_[key][kind];
    if (max != 0 && n >= max)
    {
        if (counts_[key].connections == 0 && counts_[key].websockets == 0)
            counts_.erase(key);
        return false;
    }
    ++n;
    return true;
}

void ClientLimits::close(const Key& key, Kind kind)
{
    std::lock_guard lock(mu_);
    const auto it = counts_.find(key);
    if (it == counts_.end())
        return;
    size_t& n = it->second[kind];
    if (n > 0)
        --n;
    if (it->second.connections == 0 && it->second.websockets == 0)
        counts_.erase(it);
}

size_t ClientLimits::count(const Key& key, Kind kind) const
{
    std::lock_guard lock(mu_);
    const auto it = counts_.find(key);
    if (it == counts_.end())
        return 0;
    auto c = it->second;
    return c[kind];
}

}  // namespace tern::rpc
