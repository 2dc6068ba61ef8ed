// `tern chain init|add-node|up|down|status`: a multi-validator Tern chain on CometBFT. Each
// subcommand's body is in its own file (chain_init.cpp, chain_add_node.cpp, chain_up.cpp,
// chain_down.cpp, chain_status.cpp); the chain directory's layout is in chain_layout.hpp.
#include "chain_cmd.hpp"
#include "chain/chain_name.hpp"

#include "chain_commands.hpp"

#include "tools/tern/common/fail.hpp"

#include <functional>
#include <memory>

namespace tern::tools {

namespace {

/// A subcommand body whose unexpected exceptions (filesystem, JSON) become `error: ...` and
/// exit status 1 instead of std::terminate.
template <typename F>
std::function<void()> guarded(F body)
{
    return [body] {
        try
        {
            body();
        }
        catch (const CLI::Error&)
        {
            throw;
        }
        catch (const std::exception& e)
        {
            fail(e.what());
        }
    };
}

}  // namespace

void register_chain_commands(CLI::App& app)
{
    auto* chain = app.add_subcommand(
        "chain", "Multi-validator chains on CometBFT: init, add-node, up, down, status");
    chain->require_subcommand(1);

    auto init_opts = std::make_shared<InitOptions>();
    NodeSettings& settings = init_opts->settings;
    auto* init = chain->add_subcommand(
        "init", "Write genesis, keys and configs of an N-validator chain into a directory");
    init->add_option("--validators,-n", init_opts->validators, "Number of validators")
        ->capture_default_str();
    auto* chain_id_opt = init->add_option("--chain-id", init_opts->chain_id,
                                          "EVM chain id (CometBFT's chain id is tern-<ID>)")
                             ->capture_default_str();
    auto chain_name = std::make_shared<std::string>();
    init->add_option("--chain-name", *chain_name,
                     "Derive the chain id from a name with SKALE's formula (the first 13 hex "
                     "digits of keccak256(name))")
        ->excludes(chain_id_opt);
    init->add_option("--out,-o", init_opts->out, "Directory to create")->required();
    init->add_option("--rpc-port", init_opts->rpc_port, "JSON-RPC port of node 0 (node i: +i)")
        ->capture_default_str();
    init->add_option("--base-port", init_opts->base_port,
                     "CometBFT P2P port of node 0; node i uses base+10i (P2P), base+10i+1 "
                     "(CometBFT RPC), base+10i+2 (ABCI with --abci tcp)")
        ->capture_default_str();
    init->add_option("--rpc-host", settings.rpc_listen,
                     "JSON-RPC listen address (default: the node's host, 127.0.0.1 on one "
                     "machine; 0.0.0.0 to serve on every interface)");
    init->add_option("--hosts", init_opts->hosts,
                     "Validators on separate machines: one host/IP per validator, comma "
                     "separated; node i listens on host i and every node uses the base ports")
        ->delimiter(',');
    init->add_flag("--create-empty-blocks", settings.create_empty_blocks,
                   "Make blocks when idle, too (default: only when transactions arrive)");
    init->add_option("--block-time", settings.block_time_ms,
                     "CometBFT timeout_commit in ms: the pause after each block")
        ->capture_default_str();
    init->add_option("--gas-limit", init_opts->gas_limit, "Block gas limit")->capture_default_str();
    init->add_flag("--no-file-storage", init_opts->no_file_storage,
                   "No FileStorage at 0xD3002000...d3 (docs/filestorage.md)");
    init->add_option("--ml-max-model-bytes", init_opts->ml.max_model_bytes,
                     "Largest model the registry accepts (docs/ml.md \"Limits\")")
        ->capture_default_str()
        ->check(CLI::Range(uint64_t{1}, uint64_t{UINT32_MAX}));
    init->add_option("--ml-max-call-cost", init_opts->ml.max_call_cost,
                     "Largest engine cost (gas) of one inference call")
        ->capture_default_str()
        ->check(CLI::Range(uint64_t{1}, uint64_t{INT64_MAX}));
    init->add_option("--file-storage-space", init_opts->file_storage_space,
                     "FileStorage's capacity in bytes (getTotalStorageSpace)")
        ->capture_default_str();
    init->add_option("--file-storage-admin", init_opts->file_storage_admin,
                     "FileStorage's admin (grants ALLOCATOR_ROLE; default: the first test-mnemonic "
                     "account with --dev-accounts, else none)");
    init->add_option("--mempool-size", settings.mempool_size,
                     "CometBFT mempool size in transactions (cache: twice that)")
        ->capture_default_str();
    init->add_option("--abci", settings.abci,
                     "ABCI connection between cometbft and tern: unix (socket in the node "
                     "folder) or tcp")
        ->capture_default_str();
    init->add_option("--log-level", settings.log_level, "CometBFT log_level")
        ->capture_default_str();
    auto snapshot_interval = std::make_shared<uint64_t>(0);
    auto snapshot_keep = std::make_shared<uint64_t>(0);
    auto* interval_opt = init->add_option(
        "--snapshot-interval", *snapshot_interval,
        "node.toml snapshot_interval: a state snapshot every N blocks, served to nodes that "
        "join by state sync (default: the node's, see docs/consensus.md)");
    auto* keep_opt = init->add_option("--snapshot-keep-recent", *snapshot_keep,
                                      "node.toml snapshot_keep_recent: snapshots kept");
    init->add_option("--alloc", init_opts->funding.alloc_file,
                     "Genesis accounts from a geth-format alloc JSON file (address -> {balance, "
                     "nonce, code, storage}; or a genesis file, whose alloc is used)");
    init->add_option("--fund", init_opts->funding.fund,
                     "Fund ADDRESS=AMOUNT in the genesis (repeatable); AMOUNT in wei, or with a "
                     "unit: 100ether, 1.5ether, 20gwei");
    init->add_flag("--dev-accounts", init_opts->funding.dev_accounts,
                   "Fund the 10 accounts of the PUBLIC test mnemonic with 10000 ether each (local "
                   "test chains only: anyone can spend them)");
    init->add_option("--unlock-dev-accounts", settings.unlock_dev_accounts,
                     "node.toml unlock_dev_accounts: every node signs eth_sendTransaction/eth_sign "
                     "for the first N test-mnemonic accounts (default 0: nodes sign nothing)");
    init->add_option("--rpc-api", settings.rpc_api,
                     "node.toml rpc_api: JSON-RPC namespaces served, comma separated (debug, evm "
                     "and personal only when listed)")
        ->delimiter(',')
        ->capture_default_str();
    init->add_option("--sender-block-gas-percent", settings.sender_block_gas_percent,
                     "node.toml sender_block_gas_percent: percent of a block's gas one sender's "
                     "free transactions may fill (0: no limit; docs/economics.md)")
        ->capture_default_str();
    init->add_option("--owner", init_opts->owner,
                     "The chain owner: admin of the predeploys (FileStorage, ConfigController, "
                     "Etherbase) and allowed to deploy contracts (default: the first "
                     "test-mnemonic account with --dev-accounts)");
    init->add_flag("--no-deployer-allow-list", init_opts->no_deployer_allow_list,
                   "No ConfigController at 0xD2002000...d2: anyone may deploy contracts");
    init->add_flag("--free-contract-deployment", init_opts->free_contract_deployment,
                   "ConfigController allows anyone to deploy (isFCDEnabled) from the genesis on");
    init->add_flag("--sfuel", init_opts->sfuel,
                   "SKALE's sFUEL mode: fees are charged and paid to Etherbase (0xd2bA3e00...), "
                   "which the genesis funds and the owner hands out (docs/economics.md)");
    init->add_option("--sfuel-gas-price", init_opts->sfuel_gas_price,
                     "With --sfuel: the minimum gas price in wei")
        ->capture_default_str();
    init->add_option("--sfuel-supply", init_opts->sfuel_supply,
                     "With --sfuel: Etherbase's genesis balance in wei")
        ->capture_default_str();
    init->add_flag("--force", init_opts->force, "Replace a chain already in the directory");
    init->callback(
        guarded([init_opts, interval_opt, keep_opt, snapshot_interval, snapshot_keep, chain_name] {
            if (!chain_name->empty())
                init_opts->chain_id = chain::chain_id_from_name(*chain_name);
            if (interval_opt->count() > 0)
                init_opts->settings.snapshot_interval = *snapshot_interval;
            if (keep_opt->count() > 0)
                init_opts->settings.snapshot_keep_recent = *snapshot_keep;
            chain_init(*init_opts);
        }));

    struct AddOptions
    {
        std::string dir;
        std::string host;
        bool state_sync = false;
    };
    auto add = std::make_shared<AddOptions>();
    auto* add_node = chain->add_subcommand(
        "add-node",
        "Add a full node (not a validator) to a chain: its folder DIR/node<N>, peers = the "
        "validators; with --state-sync it restores a recent snapshot instead of replaying");
    add_node->add_option("dir", add->dir, "Chain directory (from tern chain init)")->required();
    add_node->add_flag("--state-sync", add->state_sync,
                       "Join by CometBFT state sync: trusted height and hash from a running "
                       "validator's /commit, two validators' CometBFT RPCs for the light client");
    add_node->add_option("--host", add->host,
                         "The new node's address (chains on separate machines; it uses the base "
                         "ports there)");
    add_node->callback(guarded([add] { chain_add_node(add->dir, add->host, add->state_sync); }));

    struct RunOptions
    {
        std::string dir;
        int node = -1;
        unsigned timeout = 60;
        bool kill = false;
        bool json = false;
    };
    auto run = std::make_shared<RunOptions>();

    auto* up = chain->add_subcommand(
        "up", "Start the chain's nodes in the background (logs in DIR/node<i>/logs)");
    up->add_option("dir", run->dir, "Chain directory (from tern chain init)")->required();
    up->add_option("--node", run->node, "Start only node i");
    up->add_option("--timeout", run->timeout, "Seconds to wait for each RPC to answer")
        ->capture_default_str();
    up->callback(guarded([run] { chain_up(run->dir, run->node, run->timeout); }));

    auto* down = chain->add_subcommand("down", "Stop the chain's nodes (SIGTERM, or SIGKILL)");
    down->add_option("dir", run->dir, "Chain directory")->required();
    down->add_option("--node", run->node, "Stop only node i");
    down->add_flag("--kill", run->kill, "SIGKILL the node and its cometbft (a crash)");
    down->add_option("--timeout", run->timeout, "Seconds before SIGTERM becomes SIGKILL")
        ->capture_default_str();
    down->callback(guarded([run] { chain_down(run->dir, run->node, run->kill, run->timeout); }));

    auto* status = chain->add_subcommand(
        "status", "Per node: running, CometBFT height, peers, app hash, Ethereum head");
    status->add_option("dir", run->dir, "Chain directory")->required();
    status->add_option("--node", run->node, "Only node i");
    status->add_flag("--json", run->json, "Machine-readable output");
    status->callback(guarded([run] { chain_status(run->dir, run->node, run->json); }));
}

}  // namespace tern::tools
