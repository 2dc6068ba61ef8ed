#pragma once

#include <boost/asio/ip/address.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>

namespace tern::rpc {

/// Open connections and WebSockets per client address, so that one client cannot take every
/// slot of the server's global connection cap. IPv4 addresses count one by one; IPv6 ones by
/// their /64 prefix (what one subscriber is usually given); loopback counts like any other
/// address. Thread-safe.
class ClientLimits
{
public:
    /// What is counted.
    enum class Kind : uint8_t
    {
        Connection,  ///< any open TCP connection (HTTP or WebSocket)
        WebSocket,   ///< upgraded WebSocket connections
    };
    /// A client's address as counted (IPv4-mapped IPv6 for IPv4, the /64 prefix for IPv6).
    using Key = std::array<uint8_t, 16>;

    /// The key `address` counts under.
    static Key key_of(const boost::asio::ip::address& address) noexcept;

    /// Counts one more `kind` for `key` unless it has `max` already (0: no limit); false then.
    [[nodiscard]] bool try_open(const Key& key, Kind kind, size_t max);
    /// Counts one `kind` less for `key`.
    void close(const Key& key, Kind kind);
    /// Open `kind` of `key` now.
    size_t count(const Key& key, Kind kind) const;

private:
    struct Counts
    {
        size_t connections = 0;
        size_t websockets = 0;
        size_t& operator[](Kind k) { return k == Kind::Connection ? connections : websockets; }
    };
    mutable std::mutex mu_;
    std::map<Key, Counts> counts_;
};

}  // namespace tern::rpc
