// tern: the Tern node and tools.
//   tern dev        single-node dev chain with JSON-RPC over HTTP and WebSocket
//   tern chain      multi-validator chains on CometBFT (init, up, down, status)
//   tern node       one validator of a CometBFT chain (node.toml; spawns cometbft)
//   tern model      ONNX models in the chain's model registry (upload, list)
//   tern statetest  Ethereum GeneralStateTests (fork Cancun) against the execution layer
//   tern version    version
#include "chain_cmd.hpp"
#include "model_cmd.hpp"
#include "node_cmd.hpp"
#include "statetest.hpp"

#include "chain/dev_accounts.hpp"
#include "core/duration.hpp"
#include "core/hex.hpp"
#include "node/debug_api.hpp"
#include "node/filter_api.hpp"
#include "node/keys.hpp"
#include "node/node.hpp"
#include "node/subscription_api.hpp"

#include <CLI/CLI.hpp>

#include <pthread.h>
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

namespace {

constexpr const char* kVersion = "0.1.0";

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
    std::printf("\nTern %s — dev chain\n\n", kVersion);
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
    std::printf("\nBase Fee\n==================\n\n%s\n", chain.base_fee.to_dec().c_str());
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

int run_dev(tern::node::NodeConfig config)
{
    // Block SIGINT/SIGTERM in every thread (the node's threads inherit the mask) and wait for
    // them here.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    tern::node::Node node{std::move(config)};
    // The eth_/net_/web3_ methods and eth_getProof come with every Node; `tern dev` adds the
    // filter family, subscriptions and tracing.
    node.add_setup([](tern::node::Node& n) {
        tern::node::register_filter_api(n);
        tern::node::register_subscription_api(n);
        tern::node::register_debug_api(n);
    });
    const auto started = node.start();
    if (!started)
    {
        std::fprintf(stderr, "error: %s\n", started.error().c_str());
        return 1;
    }
    print_banner(node, std::string(tern::chain::kDevDerivationPrefix));

    int sig = 0;
    sigwait(&signals, &sig);
    std::printf("\nShutting down (%s)...\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    std::fflush(stdout);
    node.stop();
    return 0;
}

}  // namespace

int main(int argc, char** argv)
{
    CLI::App app{"Tern: an EVM application chain node"};
    app.require_subcommand(1);

    // ---- tern dev ----
    auto* dev = app.add_subcommand("dev", "Run a single-node dev chain (JSON-RPC over HTTP+WS)");
    tern::node::NodeConfig config;
    std::string base_fee = "0";
    std::string min_gas_price = "0";
    uint64_t chain_id = config.chain_id;
    dev->add_option("--port,-p", config.port, "RPC port (0: any free port)")->capture_default_str();
    dev->add_option("--host", config.host, "RPC listen address")->capture_default_str();
    dev->add_option("--data-dir", config.data_dir,
                    "Database directory (default: in memory, gone on exit)");
    dev->add_option("--chain-id", chain_id, "Chain id")->capture_default_str();
    dev->add_option("--block-time,-b", config.block_time,
                    "Seconds between blocks (default: automine, a block per arrival)");
    dev->add_option("--genesis", config.genesis_file, "Genesis file (geth JSON format)");
    dev->add_flag("--archive", config.archive, "Keep the state of every block");
    dev->add_option("--history", config.history, "Blocks of historical state to keep")
        ->capture_default_str();
    dev->add_option("--gas-limit", config.gas_limit, "Block gas limit")->capture_default_str();
    dev->add_option("--base-fee", base_fee, "Base fee per gas (wei)")->capture_default_str();
    dev->add_option("--min-gas-price", min_gas_price, "Lowest gas price the pool accepts (wei)")
        ->capture_default_str();
    dev->add_option("--accounts,-a", config.dev_accounts, "Number of dev accounts")
        ->capture_default_str();
    dev->add_option("--mnemonic,-m", config.mnemonic, "Mnemonic of the dev accounts");
    dev->add_option("--rpc-threads", config.rpc_threads, "RPC server threads")
        ->capture_default_str();
    dev->add_option("--rpc-gas-cap", config.rpc_gas_cap, "Gas cap of eth_call/eth_estimateGas")
        ->capture_default_str();
    std::string evm_timeout = "5s";
    dev->add_option("--rpc-evm-timeout", evm_timeout,
                    "Longest eth_call/eth_estimateGas/eth_createAccessList/debug_trace* "
                    "execution: a duration (5s, 500ms) or seconds; 0: no limit")
        ->capture_default_str();
    dev->add_option("--rpc-trace-max-bytes", config.rpc_trace_max_bytes,
                    "Most memory one struct-logger trace may hold ('trace too large'; 0: no limit)")
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
    dev->add_option("--max-tx-bytes", config.max_tx_size,
                    "Largest transaction the pool accepts ('oversized data')")
        ->capture_default_str();
    dev->add_option("--txpool-max", config.pool_max_total, "Most transactions in the pool")
        ->capture_default_str();
    dev->add_option("--txpool-max-per-sender", config.pool_max_per_sender,
                    "Most pool transactions of one sender")
        ->capture_default_str();

    // ---- tern statetest ----
    auto* st = app.add_subcommand("statetest", "Run Ethereum state tests (fork Cancun)");
    std::vector<std::string> inputs;
    std::string filter;
    std::string known_file;
    st->add_option("paths", inputs, "state test files or directories (recursive)")->required();
    st->add_option("--filter", filter, "only tests whose name or file contains this");
    st->add_option("--known-failures", known_file, "expected failures, one pattern per line");

    // ---- tern chain init|up|down|status ----
    tern::tools::register_chain_commands(app);
    tern::tools::register_node_command(app);
    tern::tools::register_model_commands(app);

    // ---- tern version ----
    auto* version = app.add_subcommand("version", "Print the version");

    CLI11_PARSE(app, argc, argv);

    if (version->parsed())
    {
        std::printf("tern %s\n", kVersion);
        return 0;
    }
    if (st->parsed())
        return tern::statetest::run_main(inputs, filter, known_file);
    if (dev->parsed())
    {
        try
        {
            config.base_fee = parse_u256_option(base_fee, "--base-fee");
            config.min_gas_price = parse_u256_option(min_gas_price, "--min-gas-price");
            const auto timeout = tern::parse_timeout(evm_timeout);
            if (!timeout)
                throw CLI::ValidationError("--rpc-evm-timeout", timeout.error());
            config.rpc_evm_timeout = *timeout;
        }
        catch (const CLI::Error& e)
        {
            return app.exit(e);
        }
        config.chain_id = chain_id;
        return run_dev(std::move(config));
    }
    return 0;
}
