#pragma once

// The bodies of `tern chain init|add-node|up|down|status` (one file each; chain_cmd.cpp adds
// them to the CLI). Each prints its output and fails with `error: ...` and exit status 1.

#include "chain_funding.hpp"
#include "chain_layout.hpp"
#include "mlchain/feature.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tern::tools {

/// The options of `tern chain init`.
struct InitOptions
{
    unsigned validators = 4;
    uint64_t chain_id = 7777;
    std::string out;
    unsigned rpc_port = 8545;
    unsigned base_port = 26656;
    std::vector<std::string> hosts;
    /// SKALE's 0xFFFFFFF: filestorage.js sends its chunks with 160 M gas.
    uint64_t gas_limit = 268'435'455;
    bool force = false;
    /// FileStorage (docs/filestorage.md): on unless --no-file-storage; its capacity; its admin
    /// (--file-storage-admin, else the first test-mnemonic account with --dev-accounts).
    bool no_file_storage = false;
    uint64_t file_storage_space = 10'000'000'000ULL;
    mlchain::MlSettings ml = mlchain::ai_chain_ml_settings();
    std::string file_storage_admin;
    /// The chain owner (--owner; default: the first test-mnemonic account with --dev-accounts):
    /// admin of every predeploy, allowed to deploy contracts.
    std::string owner;
    /// ConfigController's deployer allow-list: on unless --no-deployer-allow-list; anyone may
    /// deploy with --free-contract-deployment (or when there is no owner to allow anyone).
    bool no_deployer_allow_list = false;
    bool free_contract_deployment = false;
    /// sFUEL mode (--sfuel): fees charged at --sfuel-gas-price and paid to Etherbase, which the
    /// genesis funds with --sfuel-supply wei.
    bool sfuel = false;
    std::string sfuel_gas_price = "100000";
    std::string sfuel_supply = "1000000000000000000000000000";
    FundingRequest funding;  ///< --alloc, --fund, --dev-accounts
    NodeSettings settings;
};

/// `tern chain init`: keys, genesis and configs of an N-validator chain in `o.out`
/// (chain_init.cpp).
void chain_init(const InitOptions& o);

/// `tern chain add-node DIR [--host H] [--state-sync]`: a full node DIR/node<N>
/// (chain_add_node.cpp).
void chain_add_node(const std::string& dir_arg, const std::string& host_arg, bool state_sync);

/// `tern chain up DIR [--node i] [--timeout S]`: starts the nodes in the background and waits
/// for them (chain_up.cpp).
void chain_up(const std::string& dir_arg, int node, unsigned timeout_s);

/// `tern chain down DIR [--node i] [--kill] [--timeout S]` (chain_down.cpp).
void chain_down(const std::string& dir_arg, int node, bool kill_hard, unsigned timeout_s);

/// `tern chain status DIR [--node i] [--json]` (chain_status.cpp).
void chain_status(const std::string& dir_arg, int node, bool as_json);

}  // namespace tern::tools
