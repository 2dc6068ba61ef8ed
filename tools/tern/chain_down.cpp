// `tern chain down`: stops a chain's nodes (SIGTERM, or SIGKILL as a crash).
#include "chain_commands.hpp"

#include "tools/tern/common/fail.hpp"
#include "tools/tern/common/process.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

namespace tern::tools {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

void chain_down(const std::string& dir_arg, int node, bool kill_hard, unsigned timeout_s)
{
    const ChainFile chain = load_chain(dir_arg);
    struct Victim
    {
        const NodeEntry* node;
        pid_t pid;
        std::vector<pid_t> children;
    };
    std::vector<Victim> victims;
    for (const NodeEntry* n : select_nodes(chain, node))
    {
        const auto pid = running_node_pid(n->home);
        if (!pid)
        {
            std::printf("%s not running\n", n->name.c_str());
            std::error_code ec;
            fs::remove(n->home / kPidFile, ec);
            continue;
        }
        victims.push_back({n, *pid, descendants(*pid)});
    }
    // kill -9 takes the node and its cometbft down at once (a crash of the whole validator);
    // SIGTERM lets tern stop its cometbft child first.
    for (const auto& v : victims)
    {
        ::kill(v.pid, kill_hard ? SIGKILL : SIGTERM);
        if (kill_hard)
            for (const pid_t c : v.children)
                ::kill(c, SIGKILL);
    }
    auto all_gone = [&] {
        for (const auto& v : victims)
        {
            if (process_alive(v.pid))
                return false;
            for (const pid_t c : v.children)
                if (process_alive(c))
                    return false;
        }
        return true;
    };
    const auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
    while (!all_gone() && Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!all_gone())
    {
        std::fprintf(stderr, "some processes ignored SIGTERM for %u s: sending SIGKILL\n",
                     timeout_s);
        for (const auto& v : victims)
        {
            ::kill(v.pid, SIGKILL);
            for (const pid_t c : v.children)
                ::kill(c, SIGKILL);
        }
        const auto hard_deadline = Clock::now() + std::chrono::seconds(10);
        while (!all_gone() && Clock::now() < hard_deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    for (const auto& v : victims)
    {
        // Leftover children (none normally: cometbft exits with its parent) are killed, too.
        for (const pid_t c : v.children)
            if (process_alive(c) && parent_of(c) == 1)
                ::kill(c, SIGKILL);
        std::error_code ec;
        fs::remove(v.node->home / kPidFile, ec);
        std::printf("%s stopped (pid %d%s)\n", v.node->name.c_str(), static_cast<int>(v.pid),
                    kill_hard ? ", SIGKILL" : "");
    }
    if (!all_gone())
        fail("some node processes are still alive");
}

}  // namespace tern::tools
