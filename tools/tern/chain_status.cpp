// `tern chain status`: per node, running or not, CometBFT height and peers, Ethereum head.
#include "chain_commands.hpp"

#include "tools/tern/common/process.hpp"
#include "tools/tern/common/rpc_client.hpp"

#include <cstdio>

namespace tern::tools {

namespace {

using json = nlohmann::json;

json node_status(const NodeEntry& n)
{
    json s = {{"index", n.index}, {"name", n.name}, {"validator", n.validator}};
    const auto pid = running_node_pid(n.home);
    s["running"] = pid.has_value();
    s["pid"] = pid ? json(*pid) : json(nullptr);
    s["rpc_url"] = "http://" + n.rpc_host + ":" + std::to_string(n.rpc_port);
    s["height"] = nullptr;
    s["app_hash"] = nullptr;
    s["catching_up"] = nullptr;
    s["peers"] = nullptr;
    s["block_number"] = nullptr;
    s["block_hash"] = nullptr;
    s["state_root"] = nullptr;
    RpcClient comet{n.comet_rpc_host, std::to_string(n.comet_rpc_port)};
    RpcClient rpc{n.rpc_host, std::to_string(n.rpc_port)};
    // Answers of an unexpected shape leave the fields null.
    try
    {
        if (const auto st = comet.get("/status"))
        {
            const json sync = st->is_object() ? st->value("sync_info", json()) : json();
            if (sync.is_object())
            {
                s["height"] = to_u64(sync.value("latest_block_height", "0"));
                s["app_hash"] = sync.value("latest_app_hash", "");
                s["catching_up"] = sync.value("catching_up", false);
            }
        }
        if (const auto net = comet.get("/net_info"))
            s["peers"] = to_u64(net->value("n_peers", "0"));
        if (const auto b = rpc.try_call("eth_getBlockByNumber", {"latest", false});
            b && b->is_object())
        {
            s["block_number"] = to_u64(b->value("number", "0x0"), 16);
            s["block_hash"] = b->value("hash", "");
            s["state_root"] = b->value("stateRoot", "");
        }
    }
    catch (const json::exception&)
    {}
    return s;
}

}  // namespace

void chain_status(const std::string& dir_arg, int node, bool as_json)
{
    const ChainFile chain = load_chain(dir_arg);
    json out = json::array();
    for (const NodeEntry* n : select_nodes(chain, node))
        out.push_back(node_status(*n));
    if (as_json)
    {
        std::printf("%s\n", out.dump(2).c_str());
        return;
    }
    auto str = [](const json& v) {
        if (v.is_null())
            return std::string("-");
        if (v.is_string())
            return v.get<std::string>();
        if (v.is_boolean())
            return std::string(v.get<bool>() ? "yes" : "no");
        return v.dump();
    };
    std::printf("%-7s %-9s %-10s %-8s %-6s %-8s %-68s %s\n", "node", "role", "running", "height",
                "peers", "block", "block hash", "app hash");
    for (const auto& s : out)
        std::printf("%-7s %-9s %-10s %-8s %-6s %-8s %-68s %s\n", str(s["name"]).c_str(),
                    s["validator"].get<bool>() ? "validator" : "full",
                    s["running"].get<bool>() ? ("pid " + str(s["pid"])).c_str() : "no",
                    str(s["height"]).c_str(), str(s["peers"]).c_str(),
                    str(s["block_number"]).c_str(), str(s["block_hash"]).c_str(),
                    str(s["app_hash"]).c_str());
}

}  // namespace tern::tools
