#pragma once

// H/node.toml: what `tern node --home H` reads, and `tern chain init/add-node` write.

#include "core/result.hpp"
#include "node/config.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tern::tools {

/// A TOML basic string literal ("..." with `"` and `\` escaped).
[[nodiscard]] std::string toml_string(const std::string& s);

/// The keys of node.toml, as the file has them (paths relative to its folder unless absolute;
/// resolved() makes them absolute). Absent keys read as these defaults.
struct NodeToml
{
    std::string genesis;  ///< empty: the app_state of CometBFT's genesis
    std::string data_dir = "data";
    std::string rpc_host = "127.0.0.1";
    uint16_t rpc_port = 8545;
    std::string abci_address = "unix://abci.sock";
    std::string cometbft_home = "cometbft";
    std::string cometbft_rpc = "http://127.0.0.1:26657";
    bool spawn_cometbft = true;
    std::string cometbft_binary;  ///< key `cometbft`; empty: find_cometbft()
    uint64_t history = 10'000;
    bool archive = false;
    /// Accounts of the public test mnemonic the node signs with (eth_sendTransaction, eth_sign,
    /// eth_signTypedData_*); 0: none, as a validator should.
    size_t unlock_dev_accounts = 0;
    /// JSON-RPC namespaces served (geth's --http.api); debug, evm and personal only when listed.
    std::vector<std::string> rpc_api{"eth", "net", "web3"};
    size_t rpc_threads = 32;
    uint64_t retain_blocks = 0;
    uint64_t nonce_window = 64;
    /// Percent of a block's gas one free-riding sender may use (producer::sender_gas_quota).
    uint64_t sender_block_gas_percent = 10;
    size_t bundle_max_txs = 500;  ///< 0 or 1: no bundling
    size_t bundle_max_bytes = 256 * 1024;
    int64_t bundle_wait_us = 1000;
    size_t max_queued_txs = 4096;  ///< admitted sends waiting for the broadcaster (backpressure)
    /// State-sync snapshot every N heights (0: none); nullopt: absent, kDefaultSnapshotInterval.
    std::optional<uint64_t> snapshot_interval;
    /// Snapshots kept; nullopt: absent, kDefaultSnapshotKeepRecent.
    std::optional<uint64_t> snapshot_keep_recent;
    std::string snapshot_dir = "snapshots";
    /// The rpc_* limits and browser-access keys (absent: NodeConfig's defaults, i.e. no CORS,
    /// vhosts "localhost"); only those fields of it are read and written.
    node::NodeConfig rpc;
    bool sync_writes = false;         ///< fsync the database at every block (power loss)
    bool accept_lost_blocks = false;  ///< start on a database that lost acknowledged blocks

    /// snapshot_interval when the key is absent.
    static constexpr uint64_t kDefaultSnapshotInterval = 1000;
    /// snapshot_keep_recent when the key is absent.
    static constexpr uint64_t kDefaultSnapshotKeepRecent = 2;

    /// Reads and checks `file`; the error is the message `tern node` prints after "error: "
    /// ("FILE: rpc_port out of range", "FILE: <TOML parse error>", ...).
    [[nodiscard]] static Result<NodeToml, std::string> read(const std::filesystem::path& file);

    /// The file's text: `header` (comment lines, each ending in a newline) first, then the keys
    /// `tern chain init` always writes (data_dir ... rpc_api), unlock_dev_accounts when > 0,
    /// snapshot_interval/snapshot_keep_recent when set, then every other key whose value is not
    /// its default.
    [[nodiscard]] std::string to_text(const std::string& header = "") const;

    /// Writes to_text(header) to `file`; false if it cannot be written.
    [[nodiscard]] bool write(const std::filesystem::path& file,
                             const std::string& header = "") const;

    /// This file's paths (genesis, data_dir, a unix:// abci_address, cometbft_home,
    /// snapshot_dir) made absolute against `home`, the file's folder.
    [[nodiscard]] NodeToml resolved(const std::filesystem::path& home) const;

    /// Every key equal (of `rpc`: the ones node.toml has).
    friend bool operator==(const NodeToml& a, const NodeToml& b);
};

}  // namespace tern::tools
