#pragma once

// Helpers for the node tests: a minimal HTTP JSON-RPC client and transaction signing.

#include "api/json/typed_data_test_util.hpp"
#include "chain/dev_accounts.hpp"
#include "core/hex.hpp"
#include "crypto/secp256k1.hpp"
#include "transaction/codec.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace tern::node::test {

using api::test_data::self_referencing_typed_data;

/// POSTs `body` to 127.0.0.1:`port` and returns the response body (Connection: close). With
/// `source` (another loopback address, e.g. "127.0.0.2") the request comes from there: a
/// different client to per-client limits.
inline std::string http_post(uint16_t port, const std::string& body, const char* source = nullptr)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        throw std::runtime_error("socket");
    if (source)
    {
        sockaddr_in from{};
        from.sin_family = AF_INET;
        if (::inet_pton(AF_INET, source, &from.sin_addr) != 1 ||
            ::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof(from)) != 0)
        {
            ::close(fd);
            throw std::runtime_error(std::string("bind ") + source);
        }
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
    {
        ::close(fd);
        throw std::runtime_error("connect");
    }
    const std::string req =
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
        "application/json\r\nConnection: close\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    size_t sent = 0;
    while (sent < req.size())
    {
        const auto n = ::send(fd, req.data() + sent, req.size() - sent, 0);
        if (n <= 0)
            break;
        sent += static_cast<size_t>(n);
    }
    std::string resp;
    char buf[65536];
    while (true)
    {
        const auto n = ::recv(fd, buf, sizeof(buf), 0);
        if (n <= 0)
            break;
        resp.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    const auto pos = resp.find("\r\n\r\n");
    if (pos == std::string::npos)
        throw std::runtime_error("bad HTTP response: " + resp);
    return resp.substr(pos + 4);
}

/// One JSON-RPC call (from `source`, see http_post); returns the whole response object.
inline nlohmann::json call_rpc(uint16_t port,
                               const std::string& method,
                               nlohmann::json params,
                               const char* source = nullptr)
{
    const nlohmann::json req{{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}};
    return nlohmann::json::parse(http_post(port, req.dump(), source));
}

/// The `result` of a call that must succeed.
inline nlohmann::json result(uint16_t port, const std::string& method, nlohmann::json params)
{
    const auto r = call_rpc(port, method, std::move(params));
    if (!r.contains("result"))
        throw std::runtime_error(method + " failed: " + r.dump());
    return r["result"];
}

/// POSTs one batch of eth_sendRawTransaction calls (ids 0..n-1); returns the response array.
inline nlohmann::json send_raw_batch(uint16_t port, const std::vector<std::string>& raws)
{
    nlohmann::json batch = nlohmann::json::array();
    for (size_t i = 0; i < raws.size(); ++i)
        batch.push_back({{"jsonrpc", "2.0"},
                         {"id", i},
                         {"method", "eth_sendRawTransaction"},
                         {"params", {raws[i]}}});
    return nlohmann::json::parse(http_post(port, batch.dump()));
}

/// Signs `tx` with `key` and returns the raw "0x..." encoding.
inline std::string sign_raw(Transaction tx, const Hash256& key)
{
    const auto sig = crypto::sign(signing_hash(tx), key);
    tx.y_parity = sig->recovery_id;
    tx.r = U256::from_hash(sig->r);
    tx.s = U256::from_hash(sig->s);
    return to_hex(encode_transaction(tx));
}

/// Parses a "0x" quantity.
inline uint64_t qty(const nlohmann::json& v)
{
    return U256::from_string(v.get<std::string>())->low64();
}

/// A "0x" quantity string.
inline std::string qty_hex(uint64_t v)
{
    return U256{v}.to_hex();
}

}  // namespace tern::node::test
