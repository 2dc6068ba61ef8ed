#pragma once

#include "core/bytes.hpp"
#include "core/result.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace tern::consensus {

/// A JSON-RPC client of one CometBFT node's RPC (`rpc.laddr`, e.g. "http://127.0.0.1:26657"):
/// HTTP/1.1 POSTs over keep-alive connections (a few kept idle for reuse), thread-safe.
class CometRpc
{
public:
    /// A client of `url` ("http://host:port"; an invalid URL makes every call fail).
    explicit CometRpc(std::string url,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));
    ~CometRpc();
    CometRpc(const CometRpc&) = delete;
    CometRpc& operator=(const CometRpc&) = delete;

    /// Calls `method` with `params`; the whole response object (with "result" or "error"), or
    /// a transport error message.
    Result<nlohmann::json, std::string> call(const std::string& method,
                                             const nlohmann::json& params);

    /// broadcast_tx_sync: hands `tx` to the node's mempool (CheckTx runs before it answers).
    /// Empty string if accepted, else the reason: CheckTx's log, "already known" for a
    /// transaction CometBFT has seen, "txpool is full" for a full mempool, or the transport
    /// error.
    std::string broadcast_tx_sync(BytesView tx);

private:
    struct Connection;
    std::unique_ptr<Connection> take();
    void give_back(std::unique_ptr<Connection> c);

    std::string host_;
    std::string port_;
    std::chrono::milliseconds timeout_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<Connection>> idle_;
};

/// The rejection in a broadcast_tx_sync response (empty if CheckTx accepted): CheckTx's log
/// (geth's wording from the pool), "already known" when CometBFT's cache has the transaction,
/// "txpool is full" for a full mempool, else "consensus: <CometBFT's error>".
std::string broadcast_error(const nlohmann::json& response);

/// Standard base64 (with padding) of `data`, as CometBFT's JSON encodes byte strings.
std::string base64_encode(BytesView data);

}  // namespace tern::consensus
