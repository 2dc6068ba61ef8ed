#pragma once

// The files of one node of a chain (`tern chain init` and `add-node`): its CometBFT home (by
// `cometbft init`), CometBFT's config.toml and genesis, and node.toml.

#include "chain_layout.hpp"

#include <toml++/toml.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace tern::tools {

/// Addresses, ports and keys of one node.
struct NodePlan
{
    unsigned index = 0;
    std::string name;
    /// The node's address: its P2P and CometBFT RPC listen there and other nodes reach it there
    /// (127.0.0.1 on one machine, its --hosts entry on separate machines).
    std::string host;
    unsigned rpc_port = 0;
    unsigned p2p_port = 0;
    unsigned comet_rpc_port = 0;
    unsigned abci_port = 0;
    bool validator = true;
    std::string node_id;
    std::string validator_address;
    nlohmann::json validator_pub_key;
};

/// What a node joining by state sync is told (CometBFT's [statesync] section).
struct StateSyncPlan
{
    std::vector<std::string> rpc_servers;  ///< CometBFT RPCs for the light client (>= 2 entries)
    uint64_t trust_height = 0;
    std::string trust_hash;  ///< block hash at trust_height (hex)
};

/// Sets `key = value` (value already a TOML literal) in CometBFT's generated config.toml,
/// keeping its comments and layout; every key must already be present in its section.
std::string set_toml_keys(const std::string& text,
                          const std::map<std::string, std::map<std::string, std::string>>& keys);

/// Parses TOML text with toml++ (a check that what we wrote is valid); fails with "WHAT:
/// invalid TOML written: ...".
toml::table parse_toml(const std::string& text, const std::string& what);

/// Node i's ports: spread on one machine (+1 JSON-RPC, +10 CometBFT per node), the base ports
/// on separate machines.
NodePlan plan_node(unsigned i,
                   const std::string& host,
                   bool separate,
                   unsigned rpc_port,
                   unsigned base_port);

/// `cometbft init` of DIR/<name>/cometbft by the pinned binary itself (keys and the default
/// config.toml); fills in the node id and the validator key.
void init_cometbft_home(const std::string& cometbft, const std::filesystem::path& dir, NodePlan& n);

/// Writes node n's CometBFT genesis and config.toml (peers: `peers`, state sync when `sync`
/// is given) and its node.toml (`evm_genesis`: a `genesis` key, for chains whose CometBFT
/// genesis has no app_state); returns its chain.json entry.
nlohmann::json write_node_files(const std::filesystem::path& dir,
                                uint64_t chain_id,
                                const NodePlan& n,
                                const std::vector<const NodePlan*>& peers,
                                const NodeSettings& s,
                                const std::string& genesis_text,
                                const StateSyncPlan* sync,
                                const std::string& evm_genesis = "");

/// The cometbft binary (and libsodium ready for the node ids); fails when there is none.
std::string find_cometbft_or_fail();

}  // namespace tern::tools
