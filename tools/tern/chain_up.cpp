// `tern chain up`: starts a chain's nodes in the background and waits until they serve.
#include "chain_commands.hpp"

#include "tools/tern/common/fail.hpp"
#include "tools/tern/common/process.hpp"
#include "tools/tern/common/rpc_client.hpp"

#include <sys/wait.h>
#include <chrono>
#include <cstdio>
#include <thread>

namespace tern::tools {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

/// True once the node's RPC answers eth_chainId with the chain's id.
bool rpc_ready(const NodeEntry& n, uint64_t chain_id, std::string* wrong)
{
    const auto r =
        RpcClient{n.rpc_host, std::to_string(n.rpc_port), "/", std::chrono::milliseconds(1000)}
            .try_call("eth_chainId", json::array());
    if (!r || !r->is_string())
        return false;
    const uint64_t got = to_u64(r->get<std::string>(), 16);
    if (got != chain_id)
        *wrong = "port " + std::to_string(n.rpc_port) + " answers chain id " + std::to_string(got) +
                 ", not " + std::to_string(chain_id) + " (another chain uses the port?)";
    return got == chain_id;
}

/// CometBFT's latest block height on node n (nullopt while its RPC does not answer).
std::optional<uint64_t> comet_height(const NodeEntry& n)
{
    const auto st = RpcClient{n.comet_rpc_host, std::to_string(n.comet_rpc_port)}.get("/status");
    try
    {
        if (!st || !st->is_object() || !st->contains("sync_info"))
            return std::nullopt;
        return to_u64(st->at("sync_info").value("latest_block_height", "0"));
    }
    catch (const json::exception&)
    {
        return std::nullopt;  // an answer of another shape: not ready
    }
}

}  // namespace

void chain_up(const std::string& dir_arg, int node, unsigned timeout_s)
{
    const ChainFile chain = load_chain(dir_arg);
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec)
        fail("cannot find the tern binary (/proc/self/exe)");

    struct Started
    {
        const NodeEntry* node;
        pid_t pid;
    };
    std::vector<Started> started;
    for (const NodeEntry* n : select_nodes(chain, node))
    {
        if (const auto pid = running_node_pid(n->home))
        {
            std::printf("%s already running (pid %d)\n", n->name.c_str(), static_cast<int>(*pid));
            continue;
        }
        fs::create_directories(n->home / "logs");
        const std::string log = (n->home / "logs" / "tern.log").string();
        const std::string pid_file = (n->home / kPidFile).string();
        const std::string home = n->home.string();
        const auto pid = spawn_node(self, home, log, pid_file);
        if (!pid)
            fail(pid.error());
        started.push_back({n, *pid});
    }

    const auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
    std::string problems;
    for (const auto& s : started)
    {
        std::string wrong;
        bool ready = false;
        bool exited = false;
        while (Clock::now() < deadline)
        {
            int status = 0;
            if (::waitpid(s.pid, &status, WNOHANG) == s.pid)
            {
                exited = true;
                break;
            }
            // Ready = Tern's RPC answers and its CometBFT's RPC, where transactions go, too.
            if (rpc_ready(*s.node, chain.chain_id, &wrong) && comet_height(*s.node))
            {
                ready = true;
                break;
            }
            if (!wrong.empty())
                break;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        if (ready)
            continue;
        const fs::path log = s.node->home / "logs" / "tern.log";
        problems +=
            s.node->name + ": " +
            (exited           ? std::string("exited")
             : !wrong.empty() ? wrong
                              : "RPC not answering after " + std::to_string(timeout_s) + " s") +
            "; end of " + log.string() + ":\n" + tail_lines(log, 15);
        // When cometbft itself stopped (a port taken, a bad config), its own log says why.
        const fs::path comet_log = s.node->home / "logs" / "cometbft.log";
        if (exited && fs::exists(comet_log))
            problems += "end of " + comet_log.string() + ":\n" + tail_lines(comet_log, 10);
    }
    // Every validator started: wait for the first block (a quorum is up and agrees), so that
    // clients can use it right away. A single node (--node) or a full node may be joining (block
    // or state sync); it is not waited for.
    size_t validators = 0;
    size_t validators_started = 0;
    for (const auto& n : chain.nodes)
        validators += n.validator ? 1 : 0;
    for (const auto& st : started)
        validators_started += st.node->validator ? 1 : 0;
    if (problems.empty() && validators_started > 0 && validators_started == validators)
    {
        bool produced = false;
        while (!produced && Clock::now() < deadline)
        {
            produced = true;
            for (const auto& n : chain.nodes)
                produced = produced && (!n.validator || comet_height(n).value_or(0) >= 1);
            if (!produced)
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        if (!produced)
            problems += "no block finalized within " + std::to_string(timeout_s) +
                        " s (see the nodes' logs/cometbft.log)\n";
    }
    for (const auto& n : select_nodes(chain, node))
        std::printf(
            "%-7s %s  (pid %s, logs %s)\n", n->name.c_str(),
            ("http://" + n->rpc_host + ":" + std::to_string(n->rpc_port)).c_str(),
            [&] {
                const auto pid = running_node_pid(n->home);
                return pid ? std::to_string(*pid) : std::string("-");
            }()
                .c_str(),
            (n->home / "logs").c_str());
    if (!problems.empty())
        fail("not every node came up:\n" + problems);
}

}  // namespace tern::tools
