#pragma once

// A chain directory made by `tern chain init` (docs/consensus.md, "Operating a chain"):
//   DIR/chain.json                  summary: chain ids, nodes, ports, node ids (machine-readable)
//   DIR/node<i>/node.toml           what `tern node --home DIR/node<i>` reads
//   DIR/node<i>/cometbft/{config,data}/...   CometBFT home (keys, config.toml, shared genesis
//                                   whose app_state is the EVM genesis, geth format)
//   DIR/node<N>/                    a full node added by `add-node` (optionally state sync)
//   DIR/node<i>/logs/               tern.log (this process's output), cometbft.log

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tern::tools {

/// The chain's summary file in DIR.
inline constexpr const char* kChainFile = "chain.json";

/// One node of chain.json.
struct NodeEntry
{
    unsigned index = 0;
    std::string name;
    std::filesystem::path home;  ///< absolute
    std::string rpc_host;
    uint16_t rpc_port = 0;
    std::string comet_rpc_host;
    uint16_t comet_rpc_port = 0;
    bool validator = true;  ///< false: a full node added with `tern chain add-node`
};

/// DIR/chain.json as read.
struct ChainFile
{
    std::filesystem::path dir;
    uint64_t chain_id = 0;
    std::vector<NodeEntry> nodes;
    nlohmann::json doc;  ///< chain.json as read
};

/// Reads DIR/chain.json; fails ("... not found (create the chain with ...)", "FILE: ...").
ChainFile load_chain(const std::string& dir_arg);

/// The nodes a command acts on: all (`node` < 0), or the one `--node i` names; fails if none.
std::vector<const NodeEntry*> select_nodes(const ChainFile& chain, int node);

/// What every node's files get alike (kept in chain.json, so that `add-node` writes a node
/// configured like the validators).
struct NodeSettings
{
    unsigned block_time_ms = 500;
    bool create_empty_blocks = false;
    unsigned mempool_size = 50'000;
    std::string abci = "unix";
    std::string log_level = "info";
    /// JSON-RPC listen address; empty: the node's own host (127.0.0.1 on one machine).
    std::string rpc_listen;
    std::optional<uint64_t> snapshot_interval;     ///< node.toml key, written when set
    std::optional<uint64_t> snapshot_keep_recent;  ///< node.toml key, written when set
    /// node.toml unlock_dev_accounts (written when > 0): test-mnemonic accounts a node signs for.
    size_t unlock_dev_accounts = 0;
    /// node.toml rpc_api: the JSON-RPC namespaces served.
    std::vector<std::string> rpc_api{"eth", "net", "web3"};
    /// node.toml sender_block_gas_percent: the per-sender block quota of free transactions.
    uint64_t sender_block_gas_percent = 10;
};

/// The settings init stored in chain.json (chains made before they were stored: init's
/// defaults, and the ABCI mode of node 0).
NodeSettings stored_settings(const ChainFile& chain);

}  // namespace tern::tools
