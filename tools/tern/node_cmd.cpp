// `tern node --home H`: one validator (or full node) of a CometBFT chain.
#include "node_cmd.hpp"

#include "cometbft_path.hpp"

#include "consensus/comet_engine.hpp"
#include "core/duration.hpp"
#include "db/chain_db.hpp"
#include "node/debug_api.hpp"
#include "node/filter_api.hpp"
#include "node/node.hpp"
#include "node/subscription_api.hpp"

#include <toml++/toml.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <pthread.h>
#include <sys/prctl.h>
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
#include <thread>
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
    size_t dev_accounts = 10;
    size_t rpc_threads = 32;
    uint64_t retain_blocks = 0;
    uint64_t nonce_window = 64;
    size_t bundle_max_txs = 500;  ///< 0 or 1: no bundling
    size_t bundle_max_bytes = 256 * 1024;
    int64_t bundle_wait_us = 1000;
    size_t max_queued_txs = 4096;  ///< admitted sends waiting for the broadcaster (backpressure)
    uint64_t snapshot_interval = 1000;  ///< state-sync snapshot every N heights; 0: none
    uint64_t snapshot_keep_recent = 2;
    std::string snapshot_dir;  ///< default <home>/snapshots
    std::chrono::nanoseconds rpc_evm_timeout = std::chrono::seconds(5);
    uint64_t rpc_trace_max_bytes = uint64_t{256} << 20;
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
    n.dev_accounts = static_cast<size_t>(t["dev_accounts"].value_or(int64_t{10}));
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
        n.rpc_evm_timeout = *d;
    }
    const auto trace_bytes = t["rpc_trace_max_bytes"].value_or(int64_t{256} << 20);
    if (trace_bytes < 0)
        fail(file.string() + ": rpc_trace_max_bytes must be >= 0");
    n.rpc_trace_max_bytes = static_cast<uint64_t>(trace_bytes);
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

/// Starts `cometbft start --home H` with its output appended to `log`, in directory `cwd`.
/// The child dies with this process (PR_SET_PDEATHSIG), also on kill -9.
pid_t spawn_cometbft(const std::string& binary,
                     const std::string& cometbft_home,
                     const std::string& log,
                     const std::string& cwd)
{
    // Everything the child needs is prepared before fork (only async-signal-safe calls after).
    std::vector<std::string> args{binary, "start", "--home", cometbft_home};
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid != 0)
        return pid;  // parent (or -1)
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
        ::_exit(1);  // the parent died before prctl took effect
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0)
    {
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
    }
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd >= 0)
        ::dup2(null_fd, STDIN_FILENO);
    if (::chdir(cwd.c_str()) != 0)
        ::_exit(1);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
}

/// Stops the child: SIGTERM, then SIGKILL after `grace`.
void stop_child(pid_t pid, std::chrono::seconds grace)
{
    ::kill(pid, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (std::chrono::steady_clock::now() < deadline)
    {
        if (::waitpid(pid, nullptr, WNOHANG) == pid)
            return;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
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

    node::NodeConfig config;
    config.genesis_file =
        cfg.genesis.empty() ? genesis_from_app_state(home, cfg.cometbft_home) : cfg.genesis;
    config.data_dir = cfg.data_dir;
    config.host = cfg.rpc_host;
    config.port = cfg.rpc_port;
    config.history = cfg.history;
    config.archive = cfg.archive;
    config.dev_accounts = cfg.dev_accounts;
    config.rpc_threads = cfg.rpc_threads;
    config.rpc_evm_timeout = cfg.rpc_evm_timeout;
    config.rpc_trace_max_bytes = cfg.rpc_trace_max_bytes;

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
        child = spawn_cometbft(binary, cfg.cometbft_home, comet_log, home.string());
        if (child < 0)
        {
            node.stop();
            fail("cannot start " + binary);
        }
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
        stop_child(child, std::chrono::seconds(10));
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
