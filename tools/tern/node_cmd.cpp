// `tern node --home H`: one validator (or full node) of a CometBFT chain.
#include "node_cmd.hpp"

#include "cometbft_path.hpp"
#include "rpc_api_flag.hpp"
#include "rpc_exposure.hpp"

#include "tools/tern/common/fail.hpp"
#include "tools/tern/common/node_toml.hpp"
#include "tools/tern/common/process.hpp"

#include "api/services/keys.hpp"
#include "consensus/child_process.hpp"
#include "consensus/comet_engine.hpp"
#include "db/chain_db.hpp"
#include "node/node.hpp"

#include <nlohmann/json.hpp>

#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace tern::tools {
namespace {

namespace fs = std::filesystem;

/// H/node.toml, its paths resolved against H; fails with NodeToml::read's message.
NodeToml read_node_toml(const fs::path& home)
{
    const auto n = NodeToml::read(home / "node.toml");
    if (!n)
        fail(n.error());
    return n->resolved(home);
}

/// The EVM genesis carried in `app_state` of CometBFT's genesis (what InitChain receives),
/// written to H/evm_genesis.json for the node to open (rewritten at every start); fails when
/// there is none.
std::string genesis_from_app_state(const fs::path& home, const std::string& cometbft_home)
{
    const fs::path file = fs::path(cometbft_home) / "config" / "genesis.json";
    std::ifstream in{file};
    if (!in)
        fail("no EVM genesis: node.toml has no `genesis` and " + file.string() + " cannot be read");
    const auto doc = nlohmann::json::parse(in, nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
        fail(file.string() + ": not JSON");
    const auto app_state = doc.find("app_state");
    if (app_state == doc.end() || !app_state->is_object() || app_state->empty())
        fail("no EVM genesis: node.toml has no `genesis` and " + file.string() +
             " has no app_state (chains made before app_state carried it: set genesis = "
             "\"../genesis.json\" in node.toml)");
    const fs::path out = home / "evm_genesis.json";
    std::ofstream(out, std::ios::trunc) << app_state->dump(2) << "\n";
    return out.string();
}

int run_node(const std::string& home_arg, const std::vector<std::string>& rpc_api)
{
    std::error_code ec;
    const fs::path home = fs::absolute(home_arg, ec).lexically_normal();
    if (ec || !fs::is_directory(home))
        fail("node home " + home_arg + " is not a directory");
    const NodeToml cfg = read_node_toml(home);
    fs::create_directories(home / "logs", ec);

    std::string binary = cfg.cometbft_binary;
    if (cfg.spawn_cometbft && binary.empty())
    {
        const auto found = find_cometbft();
        if (!found)
            fail("cometbft not found (set TERN_COMETBFT, or run scripts/setup to install it)");
        binary = *found;
    }

    consensus::CometEngineConfig engine_config;
    engine_config.abci_address = cfg.abci_address;
    engine_config.cometbft_rpc = cfg.cometbft_rpc;
    engine_config.app.retain_blocks = cfg.retain_blocks;
    engine_config.app.nonce_window = cfg.nonce_window;
    engine_config.app.sender_block_gas_percent = cfg.sender_block_gas_percent;
    engine_config.app.snapshot_interval =
        cfg.snapshot_interval.value_or(NodeToml::kDefaultSnapshotInterval);
    engine_config.app.snapshot_keep_recent =
        cfg.snapshot_keep_recent.value_or(NodeToml::kDefaultSnapshotKeepRecent);
    engine_config.app.snapshot_dir = cfg.snapshot_dir;
    engine_config.bundle_max_txs = cfg.bundle_max_txs;
    engine_config.bundle_max_bytes = cfg.bundle_max_bytes;
    engine_config.bundle_wait = std::chrono::microseconds(cfg.bundle_wait_us);
    engine_config.max_queued_txs = cfg.max_queued_txs;
    if (const char* crash = std::getenv("TERN_TEST_CRASH_AFTER_FINALIZE"); crash && *crash)
        engine_config.app.crash_before_commit_height = std::strtoull(crash, nullptr, 10);
    engine_config.log = [](std::string_view line) {
        std::fprintf(stderr, "abci: %.*s\n", static_cast<int>(line.size()), line.data());
    };

    node::NodeConfig config = cfg.rpc;
    config.genesis_file =
        cfg.genesis.empty() ? genesis_from_app_state(home, cfg.cometbft_home) : cfg.genesis;
    config.data_dir = cfg.data_dir;
    config.host = cfg.rpc_host;
    config.port = cfg.rpc_port;
    config.history = cfg.history;
    config.archive = cfg.archive;
    config.dev_accounts = cfg.unlock_dev_accounts;
    config.rpc_api = rpc_api.empty() ? cfg.rpc_api : rpc_api;
    config.rpc_threads = cfg.rpc_threads;
    config.sync_writes = cfg.sync_writes;
    config.accept_lost_blocks = cfg.accept_lost_blocks;

    // SIGINT/SIGTERM/SIGCHLD are blocked in every thread (inherited) and awaited here.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    node::Node node{std::move(config)};
    node.set_engine_factory([&engine_config](node::Node& n) {
        return std::make_unique<consensus::CometEngine>(engine_config, n);
    });
    const auto started = node.start();
    if (!started)
        fail(started.error());
    for (const auto& n : node.notices())
        std::printf("note: %s\n", n.c_str());
    std::fflush(stdout);
    if (cfg.unlock_dev_accounts > 0)
    {
        const std::string n = std::to_string(cfg.unlock_dev_accounts);
        std::fprintf(stderr, "%s\n",
                     wrap_text("WARNING: node.toml unlock_dev_accounts = " + n +
                               ": this node signs eth_sendTransaction, eth_sign and "
                               "eth_signTypedData_v4 for the first " +
                               n +
                               " accounts of the public test mnemonic, for every client of its "
                               "JSON-RPC. Their keys are known to all: never fund them on a chain "
                               "that matters (see docs/security.md).")
                         .c_str());
    }
    if (!is_loopback_host(node.config().host))
        std::fprintf(stderr, "%s\n",
                     exposure_warning(node.config().host, node.port(), node.rpc_namespaces(),
                                      node.keys().accounts.size(), true)
                         .c_str());
    std::fflush(stderr);

    const fs::path pid_file = home / kPidFile;
    std::ofstream(pid_file) << ::getpid() << "\n";

    const auto& engine = static_cast<consensus::CometEngine&>(node.engine());
    std::printf("tern node %s: chain id %llu, head block %llu\n", home.c_str(),
                static_cast<unsigned long long>(node.chain_config().chain_id),
                static_cast<unsigned long long>(node.db().head_number()));
    std::printf("JSON-RPC  http://%s:%u\nABCI      %s\n", node.config().host.c_str(),
                static_cast<unsigned>(node.port()), engine.abci_url().c_str());

    pid_t child = -1;
    const std::string comet_log = (home / "logs" / "cometbft.log").string();
    if (cfg.spawn_cometbft)
    {
        // No descriptor of this process (RPC and ABCI sockets, database files) reaches it.
        const auto spawned = consensus::spawn_child(
            {{binary, "start", "--home", cfg.cometbft_home}, comet_log, home.string()});
        if (!spawned)
        {
            node.stop();
            fail("cannot start " + binary + ": " + spawned.error());
        }
        child = *spawned;
        std::printf("CometBFT  %s start --home %s (pid %d, log %s)\n", binary.c_str(),
                    cfg.cometbft_home.c_str(), static_cast<int>(child), comet_log.c_str());
    }
    std::fflush(stdout);

    int status = 0;
    while (true)
    {
        int sig = 0;
        sigwait(&signals, &sig);
        if (sig == SIGCHLD)
        {
            if (child > 0 && ::waitpid(child, nullptr, WNOHANG) == child)
            {
                std::fprintf(stderr, "error: cometbft exited (see %s); stopping\n",
                             comet_log.c_str());
                child = -1;
                status = 1;
                break;
            }
            continue;
        }
        std::printf("Shutting down (%s)...\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
        std::fflush(stdout);
        break;
    }
    if (child > 0)
        consensus::stop_child(child, std::chrono::seconds(10));
    node.stop();
    fs::remove(pid_file, ec);
    return status;
}

}  // namespace

void register_node_command(CLI::App& app)
{
    auto* cmd = app.add_subcommand(
        "node", "Run one validator of a CometBFT chain (reads H/node.toml; spawns cometbft)");
    auto home = std::make_shared<std::string>();
    auto rpc_api = std::make_shared<std::vector<std::string>>();
    cmd->add_option("--home", *home, "Node directory (node.toml, data, cometbft, logs)")
        ->required();
    add_rpc_api_flag(*cmd, *rpc_api, "default: node.toml's rpc_api, eth,net,web3 when unset");
    cmd->callback([home, rpc_api] {
        const int rc = run_node(*home, *rpc_api);
        if (rc != 0)
            throw CLI::RuntimeError(rc);
    });
}

}  // namespace tern::tools
