// `tern node --home H`: one validator (or full node) of a CometBFT chain.
#include "node_cmd.hpp"

#include "cometbft_path.hpp"
#include "rpc_exposure.hpp"

#include "consensus/child_process.hpp"
#include "consensus/comet_engine.hpp"
#include "core/duration.hpp"
#include "db/chain_db.hpp"
#include "node/debug_api.hpp"
#include "node/filter_api.hpp"
#include "node/keys.hpp"
#include "node/node.hpp"
#include "node/subscription_api.hpp"

#include <toml++/toml.h>
#include <nlohmann/json.hpp>

#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace tern::tools {
namespace {

namespace fs = std::filesystem;

/// H/node.toml, with paths resolved against H.
struct NodeToml
{
    std::string genesis;  ///< empty: the app_state of CometBFT's genesis
    std::string data_dir;
    std::string rpc_host = "127.0.0.1";
    uint16_t rpc_port = 8545;
    std::string abci_address;
    std::string cometbft_home;
    std::string cometbft_rpc = "http://127.0.0.1:26657";
    bool spawn_cometbft = true;
    std::string cometbft_binary;  ///< empty: find_cometbft()
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
    size_t bundle_max_txs = 500;  ///< 0 or 1: no bundling
    size_t bundle_max_bytes = 256 * 1024;
    int64_t bundle_wait_us = 1000;
    size_t max_queued_txs = 4096;  ///< admitted sends waiting for the broadcaster (backpressure)
    uint64_t snapshot_interval = 1000;  ///< state-sync snapshot every N heights; 0: none
    uint64_t snapshot_keep_recent = 2;
    std::string snapshot_dir;         ///< default <home>/snapshots
    node::NodeConfig rpc;             ///< the rpc_* limits and browser-access keys (read_rpc_keys)
    bool sync_writes = false;         ///< fsync the database at every block (power loss)
    bool accept_lost_blocks = false;  ///< start on a database that lost acknowledged blocks
};

[[noreturn]] void fail(const std::string& message)
{
    std::fprintf(stderr, "error: %s\n", message.c_str());
    throw CLI::RuntimeError(1);
}

std::string resolve(const fs::path& home, const std::string& p)
{
    if (p.empty())
        return p;
    const fs::path path{p};
    return (path.is_absolute() ? path : home / path).lexically_normal().string();
}

/// "unix://x.sock" relative to H becomes "unix:///abs/H/x.sock"; tcp addresses stay.
std::string resolve_abci(const fs::path& home, const std::string& address)
{
    constexpr std::string_view kUnix = "unix://";
    if (!std::string_view(address).starts_with(kUnix))
        return address;
    return std::string(kUnix) + resolve(home, address.substr(kUnix.size()));
}

/// node.toml's rpc_api: an array of namespace names, or one comma-separated string (as geth's
/// --http.api).
std::vector<std::string> parse_rpc_api(const toml::node& value, const std::string& file)
{
    std::vector<std::string> names;
    if (const auto* text = value.as_string())
    {
        const std::string& list = text->get();
        for (size_t at = 0; at <= list.size();)
        {
            const size_t comma = std::min(list.find(',', at), list.size());
            std::string name = list.substr(at, comma - at);
            name.erase(0, name.find_first_not_of(" \t"));
            name.erase(name.find_last_not_of(" \t") + 1);
            names.push_back(std::move(name));
            at = comma + 1;
        }
    }
    else if (const auto* array = value.as_array())
    {
        for (const auto& item : *array)
        {
            if (!item.is_string())
                fail(file + ": rpc_api must list namespace names (strings)");
            names.push_back(item.value_or(std::string()));
        }
    }
    else
        fail(file + ": rpc_api must be an array of namespaces, e.g. [\"eth\", \"net\", \"web3\"]");
    for (const auto& name : names)
        if (name.empty() ||
            name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789") != std::string::npos)
            fail(file + ": rpc_api: '" + name +
                 "' is not a namespace name (eth, net, web3, debug, ...)");
    if (names.empty())
        fail(file + ": rpc_api lists no namespace");
    return names;
}

/// The rpc_* keys of node.toml (abuse limits, browser access; docs/dev-node.md) into `c`;
/// absent keys keep NodeConfig's defaults (validators: no CORS, vhosts "localhost").
void read_rpc_keys(const toml::table& t, const std::string& file, node::NodeConfig& c)
{
    const auto count = [&](const char* key, auto& field) {
        const auto v = t[key].value<int64_t>();
        if (!v)
            return;
        if (*v < 0)
            fail(file + ": " + key + " must be >= 0");
        field = static_cast<std::remove_reference_t<decltype(field)>>(*v);
    };
    // A list of strings, or one comma-separated string.
    const auto list = [&](const char* key, std::vector<std::string>& field) {
        const auto* node = t.get(key);
        if (!node)
            return;
        field.clear();
        if (const auto* a = node->as_array())
        {
            for (const auto& item : *a)
                if (const auto v = item.value<std::string>(); v && !v->empty())
                    field.push_back(*v);
            return;
        }
        std::string text = node->value_or(std::string());
        for (size_t start = 0; start <= text.size();)
        {
            const size_t comma = std::min(text.find(',', start), text.size());
            if (comma > start)
                field.push_back(text.substr(start, comma - start));
            start = comma + 1;
        }
    };
    count("rpc_max_connections", c.rpc_max_connections);
    count("rpc_max_connections_per_ip", c.rpc_max_connections_per_ip);
    count("rpc_max_ws_per_ip", c.rpc_max_ws_per_ip);
    count("rpc_max_inflight_bytes", c.rpc_max_inflight_bytes);
    count("rpc_heavy_threads", c.rpc_heavy_threads);
    count("rpc_heavy_queue", c.rpc_heavy_queue);
    count("rpc_heavy_nice", c.rpc_heavy_nice);
    count("rpc_max_ws_inflight", c.rpc_max_ws_inflight);
    count("rpc_ws_idle_close", c.rpc_ws_idle_close_seconds);
    // Log queries, filters and subscriptions.
    count("rpc_max_log_range", c.rpc_max_log_range);
    count("rpc_max_log_results", c.rpc_max_log_results);
    count("rpc_max_log_criteria", c.rpc_max_log_criteria);
    count("rpc_max_filters_per_client", c.rpc_max_filters_per_client);
    count("rpc_max_filters", c.rpc_max_filters);
    count("rpc_max_subscriptions_per_connection", c.rpc_max_subscriptions_per_connection);
    count("rpc_max_subscriptions", c.rpc_max_subscriptions);
    count("rpc_trace_total_bytes", c.rpc_trace_total_bytes);
    list("rpc_cors", c.rpc_cors);
    list("rpc_vhosts", c.rpc_vhosts);
    list("rpc_ws_origins", c.rpc_ws_origins);
}

NodeToml read_node_toml(const fs::path& home)
{
    const fs::path file = home / "node.toml";
    toml::table t;
    try
    {
        t = toml::parse_file(file.string());
    }
    catch (const toml::parse_error& e)
    {
        fail(file.string() + ": " + std::string(e.description()));
    }
    NodeToml n;
    n.genesis = resolve(home, t["genesis"].value_or(std::string()));
    n.data_dir = resolve(home, t["data_dir"].value_or(std::string("data")));
    n.rpc_host = t["rpc_host"].value_or(n.rpc_host);
    const auto port = t["rpc_port"].value_or(int64_t{8545});
    if (port < 0 || port > 65535)
        fail(file.string() + ": rpc_port out of range");
    n.rpc_port = static_cast<uint16_t>(port);
    n.abci_address =
        resolve_abci(home, t["abci_address"].value_or(std::string("unix://abci.sock")));
    n.cometbft_home = resolve(home, t["cometbft_home"].value_or(std::string("cometbft")));
    n.cometbft_rpc = t["cometbft_rpc"].value_or(n.cometbft_rpc);
    n.spawn_cometbft = t["spawn_cometbft"].value_or(true);
    n.cometbft_binary = t["cometbft"].value_or(std::string());
    n.history = static_cast<uint64_t>(t["history"].value_or(int64_t{10'000}));
    n.archive = t["archive"].value_or(false);
    if (t.contains("dev_accounts"))
        fail(file.string() +
             ": dev_accounts is now unlock_dev_accounts (default 0: a validator signs nothing; "
             "see docs/security.md)");
    const auto unlock = t["unlock_dev_accounts"].value_or(int64_t{0});
    if (unlock < 0 || unlock > 1000)
        fail(file.string() + ": unlock_dev_accounts must be 0..1000");
    n.unlock_dev_accounts = static_cast<size_t>(unlock);
    if (const auto* api = t.get("rpc_api"))
        n.rpc_api = parse_rpc_api(*api, file.string());
    n.rpc_threads = static_cast<size_t>(t["rpc_threads"].value_or(int64_t{32}));
    n.retain_blocks = static_cast<uint64_t>(t["retain_blocks"].value_or(int64_t{0}));
    n.nonce_window = static_cast<uint64_t>(t["nonce_window"].value_or(int64_t{64}));
    n.bundle_max_txs = static_cast<size_t>(t["bundle_max_txs"].value_or(int64_t{500}));
    n.bundle_max_bytes = static_cast<size_t>(t["bundle_max_bytes"].value_or(int64_t{256 * 1024}));
    n.bundle_wait_us = t["bundle_wait_us"].value_or(int64_t{1000});
    if (n.bundle_wait_us < 0 || n.bundle_wait_us > 1'000'000)
        fail(file.string() + ": bundle_wait_us must be 0..1000000");
    const auto queued = t["max_queued_txs"].value_or(int64_t{4096});
    if (queued < 1)
        fail(file.string() + ": max_queued_txs must be at least 1");
    n.max_queued_txs = static_cast<size_t>(queued);
    const auto interval = t["snapshot_interval"].value_or(int64_t{1000});
    const auto keep = t["snapshot_keep_recent"].value_or(int64_t{2});
    if (interval < 0 || keep < 0)
        fail(file.string() + ": snapshot_interval and snapshot_keep_recent must be >= 0");
    n.snapshot_interval = static_cast<uint64_t>(interval);
    n.snapshot_keep_recent = static_cast<uint64_t>(keep);
    n.snapshot_dir = resolve(home, t["snapshot_dir"].value_or(std::string("snapshots")));
    n.sync_writes = t["sync_writes"].value_or(false);
    n.accept_lost_blocks = t["accept_lost_blocks"].value_or(false);
    read_rpc_keys(t, file.string(), n.rpc);
    // rpc_evm_timeout: a duration string ("5s", "500ms") or a number of seconds; 0: none.
    if (const auto node = t["rpc_evm_timeout"]; node)
    {
        std::string text;
        if (const auto str = node.value<std::string>())
            text = *str;
        else if (const auto num = node.value<int64_t>(); num && *num >= 0)
            text = std::to_string(*num);
        else
            fail(file.string() + ": rpc_evm_timeout must be a duration (\"5s\") or seconds");
        const auto d = parse_timeout(text);
        if (!d)
            fail(file.string() + ": rpc_evm_timeout: " + d.error());
        n.rpc.rpc_evm_timeout = *d;
    }
    const auto trace_bytes = t["rpc_trace_max_bytes"].value_or(int64_t{256} << 20);
    if (trace_bytes < 0)
        fail(file.string() + ": rpc_trace_max_bytes must be >= 0");
    n.rpc.rpc_trace_max_bytes = static_cast<uint64_t>(trace_bytes);
    return n;
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

int run_node(const std::string& home_arg)
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
    engine_config.app.snapshot_interval = cfg.snapshot_interval;
    engine_config.app.snapshot_keep_recent = cfg.snapshot_keep_recent;
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
    config.rpc_api = cfg.rpc_api;
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
    node.add_setup([](node::Node& n) {
        node::register_filter_api(n);
        node::register_subscription_api(n);
        node::register_debug_api(n);
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

    const fs::path pid_file = home / "tern.pid";
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
    cmd->add_option("--home", *home, "Node directory (node.toml, data, cometbft, logs)")
        ->required();
    cmd->callback([home] {
        const int rc = run_node(*home);
        if (rc != 0)
            throw CLI::RuntimeError(rc);
    });
}

}  // namespace tern::tools
