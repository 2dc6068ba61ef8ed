// `tern dev`: a single-node dev chain with JSON-RPC over HTTP and WebSocket (docs/dev-node.md).
#include "dev_cmd.hpp"
#include "chain/chain_name.hpp"

#include "rpc_api_flag.hpp"
#include "rpc_exposure.hpp"
#include "version.hpp"

#include "api/services/keys.hpp"
#include "chain/dev_accounts.hpp"
#include "core/duration.hpp"
#include "core/hex.hpp"
#include "filestorage/constants.hpp"
#include "filestorage/feature.hpp"
#include "mlchain/feature.hpp"
#include "node/node.hpp"

#include <pthread.h>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

namespace {

/// Wei as ether with 18 decimals, e.g. "10000.000000000000000000".
std::string format_ether(const tern::U256& wei)
{
    std::string s = wei.to_dec();
    if (s.size() <= 18)
        s.insert(0, 19 - s.size(), '0');
    s.insert(s.size() - 18, ".");
    return s;
}

/// Parses a decimal or 0x-hex number for U256 options.
tern::U256 parse_u256_option(const std::string& s, const char* name)
{
    const auto v = tern::U256::from_string(s);
    if (!v)
        throw CLI::ValidationError(name, "not a number: " + s);
    return *v;
}

void print_banner(const tern::node::Node& node, const std::string& derivation)
{
    const auto& cfg = node.config();
    const auto& accounts = node.keys().accounts;
    std::printf("\nTern %s — dev chain\n\n", tern::tools::kVersion);
    if (!accounts.empty())
    {
        std::printf("Available Accounts\n==================\n\n");
        for (size_t i = 0; i < accounts.size(); ++i)
            std::printf("(%zu) %s (%s ETH)\n", i,
                        tern::chain::to_checksum_address(accounts[i].address).c_str(),
                        cfg.genesis_file.empty() ? format_ether(cfg.dev_balance).c_str() : "?");
        std::printf("\nPrivate Keys\n==================\n\n");
        for (size_t i = 0; i < accounts.size(); ++i)
            std::printf("(%zu) %s\n", i, tern::to_hex(accounts[i].secret_key.view()).c_str());
        std::printf("\nWallet\n==================\nMnemonic:          %s\nDerivation path:   %s\n",
                    cfg.mnemonic.c_str(), derivation.c_str());
    }
    const auto& chain = node.chain_config();
    std::printf("\nChain ID\n==================\n\n%llu\n",
                static_cast<unsigned long long>(chain.chain_id));
    std::printf("\nFees\n==================\n\n%s\n",
                chain.fee_rule == tern::chain::FeeRule::Free
                    ? "free: no fee is ever charged (--fee-rule charged to charge)"
                    : ("charged, base fee " + chain.base_fee.to_dec() + " wei").c_str());
    if (chain.pow_difficulty != tern::U256{})
        std::printf("proof-of-work gas: difficulty %s\n", chain.pow_difficulty.to_dec().c_str());
    std::printf("\nGas Limit\n==================\n\n%llu\n",
                static_cast<unsigned long long>(chain.gas_limit));
    std::printf("\nStorage\n==================\n\n%s\n",
                cfg.data_dir.empty() ? "in memory" : cfg.data_dir.c_str());
    std::printf("\nMining\n==================\n\n%s\n",
                cfg.block_time == 0 ? "automine"
                                    : ("every " + std::to_string(cfg.block_time) + " s").c_str());
    for (const auto& n : node.notices())
        std::printf("\nnote: %s\n", n.c_str());
    std::printf("\nListening on %s:%u\n", cfg.host.c_str(), static_cast<unsigned>(node.port()));
    std::fflush(stdout);
}

int run_dev(tern::node::NodeConfig config, bool allow_insecure_unlock)
{
    const bool exposed = !tern::tools::is_loopback_host(config.host);
    const bool secret_keys = config.mnemonic != tern::chain::kDevMnemonic;
    // Keys of the test mnemonic are public (unlocking them over the network gives nobody
    // anything new); those of another mnemonic are not: refused on a reachable port, as geth
    // refuses account unlocking with HTTP on unless --allow-insecure-unlock.
    if (exposed && secret_keys && config.dev_accounts > 0 && !allow_insecure_unlock)
    {
        std::fprintf(
            stderr,
            "error: refusing to unlock the accounts of --mnemonic on a JSON-RPC port other "
            "machines can reach (--host %s): anyone could spend their funds and sign with "
            "their keys. Use --host 127.0.0.1, --accounts 0, or --allow-insecure-unlock "
            "(see docs/security.md)\n",
            config.host.c_str());
        return 1;
    }

    // Block SIGINT/SIGTERM in every thread (the node's threads inherit the mask) and wait for
    // them here.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    tern::node::Node node{std::move(config)};
    // Every JSON-RPC method comes with the node (api::node_methods); --rpc-api selects.
    const auto started = node.start();
    if (!started)
    {
        std::fprintf(stderr, "error: %s\n", started.error().c_str());
        return 1;
    }
    print_banner(node, std::string(tern::chain::kDevDerivationPrefix));
    if (exposed)
    {
        std::fprintf(
            stderr, "\n%s\n",
            tern::tools::exposure_warning(node.config().host, node.port(), node.rpc_namespaces(),
                                          node.keys().accounts.size(), !secret_keys)
                .c_str());
        std::fflush(stderr);
    }

    int sig = 0;
    sigwait(&signals, &sig);
    std::printf("\nShutting down (%s)...\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    std::fflush(stdout);
    node.stop();
    return 0;
}

/// What the `tern dev` flags fill in; the callback reads it after parsing.
struct DevOptions
{
    tern::node::NodeConfig config;
    std::string base_fee = "0";
    std::string min_gas_price = "0";
    std::string fee_rule;
    std::string chain_name;
    std::string pow_difficulty = "0";
    uint64_t chain_id = 0;
    bool allow_insecure_unlock = false;
    std::string evm_timeout = "5s";
    bool no_file_storage = false;
    uint64_t file_storage_space = tern::filestorage::kDefaultSpace;
    tern::mlchain::MlSettings ml = tern::mlchain::ai_chain_ml_settings();
};

}  // namespace

namespace tern::tools {

void register_dev_command(CLI::App& app)
{
    auto* dev = app.add_subcommand("dev", "Run a single-node dev chain (JSON-RPC over HTTP+WS)");
    auto o = std::make_shared<DevOptions>();
    tern::node::NodeConfig& config = o->config;
    std::string& base_fee = o->base_fee;
    std::string& min_gas_price = o->min_gas_price;
    // The chain flags only build the dev genesis's rules (config.dev_chain).
    tern::chain::ChainConfig& dev_chain = config.dev_chain;
    uint64_t& chain_id = o->chain_id;
    chain_id = dev_chain.chain_id;
    dev->add_option("--port,-p", config.port, "RPC port (0: any free port)")->capture_default_str();
    dev->add_option("--host", config.host,
                    "RPC listen address (other than loopback: a warning, see docs/security.md)")
        ->capture_default_str();
    dev->add_option("--data-dir", config.data_dir,
                    "Database directory (default: in memory, gone on exit)");
    auto* chain_id_opt = dev->add_option("--chain-id", chain_id, "Chain id")->capture_default_str();
    dev->add_option("--chain-name", o->chain_name,
                    "Derive the chain id from a name with SKALE's formula")
        ->excludes(chain_id_opt);
    dev->add_option("--block-time,-b", config.block_time,
                    "Seconds between blocks (default: automine, a block per arrival)");
    dev->add_option("--genesis", config.genesis_file, "Genesis file (geth JSON format)");
    dev->add_flag("--archive", config.archive, "Keep the state of every block");
    dev->add_option("--history", config.history, "Blocks of historical state to keep")
        ->capture_default_str();
    // SKALE's block gas limit: filestorage.js sends its 1 MiB chunks with 160 M gas.
    dev_chain.gas_limit = tern::filestorage::kBlockGasLimit;
    dev->add_option("--gas-limit", dev_chain.gas_limit, "Block gas limit")->capture_default_str();
    dev->add_flag("--no-file-storage", o->no_file_storage,
                  "No FileStorage at 0xD3002000...d3 (docs/filestorage.md)");
    dev->add_option("--ml-max-model-bytes", o->ml.max_model_bytes,
                    "Largest model the registry accepts (docs/ml.md \"Limits\")")
        ->capture_default_str()
        ->check(CLI::Range(uint64_t{1}, uint64_t{UINT32_MAX}));
    dev->add_option("--ml-max-call-cost", o->ml.max_call_cost,
                    "Largest engine cost (gas) of one inference call")
        ->capture_default_str()
        ->check(CLI::Range(uint64_t{1}, uint64_t{INT64_MAX}));
    dev->add_option("--file-storage-space", o->file_storage_space,
                    "FileStorage's capacity in bytes (getTotalStorageSpace)")
        ->capture_default_str();
    dev->add_option("--base-fee", base_fee, "Base fee per gas (wei)")->capture_default_str();
    dev->add_option("--min-gas-price", min_gas_price, "Lowest gas price the pool accepts (wei)")
        ->capture_default_str();
    dev->add_option("--fee-rule", o->fee_rule,
                    "free (no fee is ever charged) or charged (default: free, or charged when "
                    "--base-fee or --min-gas-price is above 0; docs/economics.md)")
        ->check(CLI::IsMember({"free", "charged"}));
    dev->add_option("--sender-block-gas-percent", config.sender_block_gas_percent,
                    "Percent of a block's gas one sender's free transactions may fill (the "
                    "rest waits for later blocks; 0: no limit)")
        ->capture_default_str();
    dev->add_option("--pow-difficulty", o->pow_difficulty,
                    "SKALE's proof-of-work gas difficulty (0: off; docs/economics.md)")
        ->capture_default_str();
    dev->add_option("--accounts,-a", config.dev_accounts, "Number of dev accounts")
        ->capture_default_str();
    dev->add_option("--mnemonic,-m", config.mnemonic, "Mnemonic of the dev accounts");
    bool& allow_insecure_unlock = o->allow_insecure_unlock;
    dev->add_flag("--allow-insecure-unlock", allow_insecure_unlock,
                  "Unlock the accounts of --mnemonic also when --host is not a loopback address");
    add_rpc_api_flag(*dev, config.rpc_api, "default: all: eth, net, web3, debug, evm, personal");
    dev->add_option("--rpc-threads", config.rpc_threads, "RPC server threads")
        ->capture_default_str();
    dev->add_option("--rpc-gas-cap", config.rpc_gas_cap, "Gas cap of eth_call/eth_estimateGas")
        ->capture_default_str();
    std::string& evm_timeout = o->evm_timeout;
    dev->add_option("--rpc-evm-timeout", evm_timeout,
                    "Longest eth_call/eth_estimateGas/eth_createAccessList/debug_trace* "
                    "execution: a duration (5s, 500ms) or seconds; 0: no limit")
        ->capture_default_str();
    dev->add_option("--rpc-trace-max-bytes", config.rpc_trace_max_bytes,
                    "Most memory one struct-logger trace may hold ('trace too large'; 0: no limit)")
        ->capture_default_str();
    dev->add_option("--rpc-trace-total-bytes", config.rpc_trace_total_bytes,
                    "Most memory the traces running at once may hold in all (0: no limit)")
        ->capture_default_str();
    dev->add_flag("!--no-wait", config.wait_for_inclusion,
                  "Automine: answer eth_sendRawTransaction before the block is committed");
    // Limits (docs/dev-node.md): geth's defaults; 0 turns the batch limits off.
    dev->add_option("--rpc-max-body-bytes", config.rpc_max_body_bytes,
                    "Largest HTTP request body (more: 413)")
        ->capture_default_str();
    dev->add_option("--rpc-max-batch", config.rpc_max_batch_items,
                    "Most calls in one JSON-RPC batch (more: 'batch too large'; 0: no limit)")
        ->capture_default_str();
    dev->add_option("--rpc-max-batch-response-bytes", config.rpc_max_batch_response_bytes,
                    "Result bytes of one batch (past it: 'response too large'; 0: no limit)")
        ->capture_default_str();
    dev->add_option("--rpc-max-ws-message-bytes", config.rpc_max_ws_message_bytes,
                    "Largest WebSocket message (more: connection closed)")
        ->capture_default_str();
    dev->add_option("--rpc-max-connections", config.rpc_max_connections,
                    "Most open HTTP/WebSocket connections (more: closed at once)")
        ->capture_default_str();
    // Abuse limits and browser access (docs/dev-node.md). Dev mode lets pages served from
    // localhost call the node (CORS); validators (node.toml) default to none, like geth.
    config.rpc_cors = {"http://localhost", "http://localhost:*", "http://127.0.0.1",
                       "http://127.0.0.1:*"};
    dev->add_option("--rpc-cors", config.rpc_cors,
                    "CORS origins, comma-separated ('*': any; 'none': no CORS headers)")
        ->delimiter(',')
        ->capture_default_str();
    dev->add_option("--rpc-vhosts", config.rpc_vhosts,
                    "Host names accepted in the Host header besides IPs ('*': any; else 403)")
        ->delimiter(',')
        ->capture_default_str();
    dev->add_option("--rpc-ws-origins", config.rpc_ws_origins,
                    "Origins allowed to open a WebSocket (default: loopback pages; '*': any)")
        ->delimiter(',');
    dev->add_option("--rpc-heavy-threads", config.rpc_heavy_threads,
                    "Threads for eth_call/estimateGas/getLogs/traces (0: max(2, cores))")
        ->capture_default_str();
    dev->add_option("--rpc-heavy-queue", config.rpc_heavy_queue,
                    "Heavy calls waiting for a thread (more: -32005)")
        ->capture_default_str();
    dev->add_option("--rpc-heavy-nice", config.rpc_heavy_nice,
                    "Nice value added to the heavy threads (0: same priority)")
        ->capture_default_str();
    dev->add_option("--rpc-max-ws-inflight", config.rpc_max_ws_inflight,
                    "Messages handled at once per WebSocket (more: reading pauses)")
        ->capture_default_str();
    dev->add_option("--rpc-max-inflight-bytes", config.rpc_max_inflight_bytes,
                    "Request+response bytes in flight in all (more: 503/-32005; 0: no limit)")
        ->capture_default_str();
    dev->add_option("--rpc-max-connections-per-ip", config.rpc_max_connections_per_ip,
                    "Open connections per client address (more: closed at once; 0: no limit)")
        ->capture_default_str();
    dev->add_option("--rpc-max-ws-per-ip", config.rpc_max_ws_per_ip,
                    "WebSockets per client address (more: 429; 0: no limit)")
        ->capture_default_str();
    // Request rate per address: off in dev mode (test suites and scripts hammer loopback);
    // `tern node` limits every address, loopback included (docs/security.md).
    config.rpc_requests_per_second_per_ip = 0;
    dev->add_option("--rpc-requests-per-second-per-ip", config.rpc_requests_per_second_per_ip,
                    "JSON-RPC calls per second per client address, batch items each (more: "
                    "429/-32005; 0: no limit)")
        ->capture_default_str();
    dev->add_option("--rpc-request-burst-per-ip", config.rpc_request_burst_per_ip,
                    "Calls a client address may make at once above that rate (0: one second's)")
        ->capture_default_str();
    dev->add_option("--rpc-ws-idle-close", config.rpc_ws_idle_close_seconds,
                    "Seconds before a WebSocket without requests or subscriptions is closed "
                    "(0: never)")
        ->capture_default_str();
    // Log queries, filters and subscriptions (issue 10; docs/dev-node.md; 0: no limit).
    dev->add_option("--rpc-max-log-range", config.rpc_max_log_range,
                    "Most blocks one eth_getLogs spans, toBlock - fromBlock (geth's "
                    "--rpc.rangelimit; more: 'exceed maximum block range')")
        ->capture_default_str();
    dev->add_option("--rpc-max-log-results", config.rpc_max_log_results,
                    "Most logs one eth_getLogs returns (more: -32005 'query returned more than "
                    "N results')")
        ->capture_default_str();
    dev->add_option("--rpc-max-log-criteria", config.rpc_max_log_criteria,
                    "Most addresses, or topics per position, in a log filter (geth's "
                    "--rpc.logquerylimit)")
        ->capture_default_str();
    dev->add_option("--rpc-max-filters-per-client", config.rpc_max_filters_per_client,
                    "Most eth_newFilter filters one client (IP, IPv6 /64) keeps installed")
        ->capture_default_str();
    dev->add_option("--rpc-max-filters", config.rpc_max_filters,
                    "Most filters installed in all (the last resort)")
        ->capture_default_str();
    dev->add_option("--rpc-max-subscriptions-per-connection",
                    config.rpc_max_subscriptions_per_connection,
                    "Most eth_subscribe subscriptions of one WebSocket connection")
        ->capture_default_str();
    dev->add_option("--rpc-max-subscriptions", config.rpc_max_subscriptions,
                    "Most subscriptions of all connections (the last resort)")
        ->capture_default_str();
    dev->add_option("--evm-mine-max-ahead", config.evm_mine_max_ahead,
                    "evm_mine: most seconds a timestamp may be past the clock (or the head)")
        ->capture_default_str();
    dev->add_option("--max-tx-bytes", config.max_tx_size,
                    "Largest transaction the pool accepts ('oversized data')")
        ->capture_default_str();
    dev->add_option("--txpool-max", config.pool_max_total, "Most transactions in the pool")
        ->capture_default_str();
    dev->add_option("--txpool-max-per-sender", config.pool_max_per_sender,
                    "Most pool transactions of one sender")
        ->capture_default_str();
    // Database durability (docs/dev-node.md, "Persistence and restart").
    dev->add_flag("--sync-writes", config.sync_writes,
                  "fsync the database at every block (survives power loss, not only kill -9)");
    dev->add_flag("--accept-lost-blocks", config.accept_lost_blocks,
                  "Start even if the database recovers to an earlier block than it had "
                  "acknowledged (damaged write-ahead log), logging the blocks lost");

    dev->callback([o] {
        tern::node::NodeConfig& config = o->config;
        tern::chain::ChainConfig& dev_chain = config.dev_chain;
        const std::string& base_fee = o->base_fee;
        const std::string& min_gas_price = o->min_gas_price;
        const std::string& evm_timeout = o->evm_timeout;
        const uint64_t chain_id = o->chain_id;
        const bool allow_insecure_unlock = o->allow_insecure_unlock;
        // A bad value ends the command as CLI11 does (its message, exit code 106).
        dev_chain.base_fee = parse_u256_option(base_fee, "--base-fee");
        dev_chain.min_gas_price = parse_u256_option(min_gas_price, "--min-gas-price");
        dev_chain.pow_difficulty = parse_u256_option(o->pow_difficulty, "--pow-difficulty");
        if (o->fee_rule.empty())
            dev_chain.fee_rule = tern::chain::asks_for_fees(dev_chain)
                                     ? tern::chain::FeeRule::Charged
                                     : tern::chain::FeeRule::Free;
        else
            dev_chain.fee_rule =
                o->fee_rule == "free" ? tern::chain::FeeRule::Free : tern::chain::FeeRule::Charged;
        if (dev_chain.fee_rule == tern::chain::FeeRule::Free &&
            tern::chain::asks_for_fees(dev_chain))
            throw CLI::ValidationError("--fee-rule",
                                       "free charges no fee: --base-fee and --min-gas-price must "
                                       "be 0 (or use --fee-rule charged)");
        const auto timeout = tern::parse_timeout(evm_timeout);
        if (!timeout)
            throw CLI::ValidationError("--rpc-evm-timeout", timeout.error());
        config.rpc_evm_timeout = *timeout;
        dev_chain.chain_id =
            o->chain_name.empty() ? chain_id : tern::chain::chain_id_from_name(o->chain_name);
        tern::mlchain::set_ml_settings(dev_chain, o->ml);
        if (!o->no_file_storage)
        {
            // FileStorage on, its admin (who grants ALLOCATOR_ROLE) the first dev account.
            tern::filestorage::FileStorageSettings fs;
            fs.enabled = true;
            fs.space = o->file_storage_space;
            const auto first = tern::chain::derive_dev_accounts(config.mnemonic, 1);
            if (!first)
                throw CLI::ValidationError("--mnemonic", first.error());
            fs.admin = first->front().address;
            tern::filestorage::set_file_storage_settings(dev_chain, fs);
        }
        // "--rpc-cors none" (or an empty value): no CORS headers at all.
        std::erase_if(config.rpc_cors,
                      [](const std::string& origin) { return origin.empty() || origin == "none"; });
        const int rc = run_dev(std::move(config), allow_insecure_unlock);
        if (rc != 0)
            throw CLI::RuntimeError(rc);
    });
}

}  // namespace tern::tools
