#pragma once

// What the `tern` subcommands that write to a chain share (`tern model`, `tern fs`): a JSON-RPC
// client whose failures end the subcommand (NodeRpc), the signing key of --key, and a sender of
// signed transactions that keeps a window of sends in flight and checks their receipts
// (TxSender).

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/uint256.hpp"
#include "tools/tern/common/rpc_client.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace tern::tools {

/// The JSON-RPC client of a subcommand that talks to a node (one connection per request; a copy
/// is a client of its own, for another thread). call() ends the subcommand on any failure
/// (fail()); eth_call() and estimate_gas() hand every failure back as one line.
class NodeRpc
{
public:
    /// A client of "http://host[:port][/path]" (parse_http_url's syntax; a bad URL ends the
    /// subcommand); a request may take up to `timeout`.
    explicit NodeRpc(const std::string& url,
                     std::chrono::milliseconds timeout = std::chrono::seconds(60));

    /// The answer to `method`, or why there is none; never ends the subcommand.
    [[nodiscard]] Result<nlohmann::json, RpcError> request(const std::string& method,
                                                           const nlohmann::json& params);
    /// One line saying why `method` failed: "cannot resolve HOST: ...", "cannot connect to
    /// HOST:PORT: ...", "METHOD: HTTP 502, not JSON-RPC", "METHOD: <the JSON-RPC error>".
    [[nodiscard]] std::string describe(const std::string& method, const RpcError& e) const;

    /// The `result` of `method`; a failure ends the subcommand with describe()'s line.
    nlohmann::json call(const std::string& method, const nlohmann::json& params);

    /// eth_call of `to` with `data` (from `from` when given) at "latest": the returned bytes,
    /// or why not: the JSON-RPC error's message (a revert: "execution reverted: <reason>"),
    /// else describe()'s line. Never ends the subcommand (worker threads use it).
    [[nodiscard]] Result<Bytes, std::string>
    eth_call(const Address& to, BytesView data, const std::optional<Address>& from = std::nullopt);

    /// eth_estimateGas of a call from `from` to `to` with `data`, or why not, as eth_call().
    [[nodiscard]] Result<uint64_t, std::string> estimate_gas(const Address& from,
                                                             const Address& to,
                                                             BytesView data);

    /// The URL given.
    [[nodiscard]] const std::string& url() const noexcept { return url_; }

private:
    /// The `result` of `method`; nullopt with `error` set to why there is none: the JSON-RPC
    /// error's message, else describe()'s line.
    std::optional<nlohmann::json> call_or_error(const std::string& method,
                                                const nlohmann::json& params,
                                                std::string& error);

    std::string url_;
    RpcClient client_;
};

/// A JSON-RPC quantity ("0x..."); anything else ends the subcommand.
U256 quantity(const nlohmann::json& j);

/// The private key of a --key option (32 bytes of hex, "0x" optional); empty: dev account 0 of
/// the public test mnemonic (`tern dev`'s first account, 0xf39F...2266). A malformed or invalid
/// key ends the subcommand.
Hash256 signing_key(const std::string& key_hex);

/// An address given on the command line: exactly 40 hex digits, "0x" optional.
std::optional<Address> parse_address_arg(std::string_view text);

/// One key's transactions to a node. Each is signed here (EIP-1559, max fee twice eth_gasPrice,
/// no tip), gets the next nonce after the key's pending count, and is sent on a connection of
/// its own by one of `window` worker threads, so up to `window` sends are in flight (a
/// `tern dev` in automine answers a send once its block is committed; a send that arrives
/// before its predecessor waits in the pool's queue). confirm() then waits for the receipts.
class TxSender
{
public:
    /// A sender signing with `key` through `rpc` (which outlives it): reads the chain id, the
    /// pending nonce of the key's address and the gas price.
    TxSender(NodeRpc& rpc, const Hash256& key, size_t window = 1);
    /// Waits for the sends in flight.
    ~TxSender();
    TxSender(const TxSender&) = delete;
    TxSender& operator=(const TxSender&) = delete;

    /// The key's address.
    [[nodiscard]] const Address& address() const noexcept { return address_; }

    /// Signs a call of `to` with `data` and `gas` with the next nonce and hands it to a worker,
    /// first waiting while `window` sends are in flight; `label` names it in errors. Returns
    /// its index (0 for the first send of this sender). A send the node refused before ends
    /// the subcommand.
    size_t send(const Address& to, Bytes data, uint64_t gas, std::string label);

    /// Called (from a worker thread, one call at a time) when the node has accepted send
    /// number `index`.
    void on_accepted(std::function<void(size_t index)> callback);

    /// Waits until every send is answered, then for the receipt of each one not confirmed yet
    /// (polling, within `timeout`), in order; returns those receipts. A refused send ends the
    /// subcommand with "LABEL: <the node's error>", a failed transaction with "LABEL (HASH)
    /// failed: <revertReason>".
    std::vector<nlohmann::json> confirm(std::chrono::seconds timeout = std::chrono::minutes(5));

private:
    struct Sent
    {
        std::string label;
        std::string hash;
        uint64_t gas = 0;
    };
    struct Job
    {
        size_t index = 0;
        std::string raw;
    };

    /// A worker: sends the queued jobs through its own copy of the client.
    void work(NodeRpc& client);
    /// Ends the subcommand if a send was refused (lock held).
    void check_refusals();

    NodeRpc& rpc_;
    Hash256 key_;
    Address address_;
    uint64_t chain_id_ = 0;
    uint64_t nonce_ = 0;
    U256 max_fee_;
    size_t window_;

    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Job> queue_;
    size_t busy_ = 0;
    bool stopping_ = false;
    std::vector<Sent> sent_;
    size_t confirmed_ = 0;
    std::optional<std::pair<size_t, std::string>> refused_;  // first refused send, its error
    std::function<void(size_t)> on_accepted_;
    std::vector<std::thread> workers_;
};

}  // namespace tern::tools
