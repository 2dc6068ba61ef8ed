// `tern chain add-node`: a full node (not a validator) joining a chain, by block or state sync.
#include "chain_commands.hpp"

#include "cometbft_config.hpp"

#include "tools/tern/common/fail.hpp"
#include "tools/tern/common/files.hpp"
#include "tools/tern/common/node_toml.hpp"
#include "tools/tern/common/rpc_client.hpp"

#include <cstdio>

namespace tern::tools {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

/// Trust for state sync from the chain's running validators: the latest committed block
/// (`/commit`) of the first that answers, and the CometBFT RPCs of (up to) two that answer.
StateSyncPlan trust_from_validators(const ChainFile& chain)
{
    StateSyncPlan plan;
    for (const auto& v : chain.nodes)
    {
        if (!v.validator)
            continue;
        const auto commit =
            RpcClient{v.comet_rpc_host, std::to_string(v.comet_rpc_port)}.get("/commit");
        if (!commit || !commit->is_object())
            continue;
        try
        {
            const json& sh = commit->at("signed_header");
            const uint64_t height = to_u64(sh.at("header").at("height").get<std::string>());
            const std::string hash = sh.at("commit").at("block_id").at("hash").get<std::string>();
            if (height == 0 || hash.empty())
                continue;
            if (plan.trust_height == 0)
            {
                plan.trust_height = height;
                plan.trust_hash = hash;
            }
        }
        catch (const json::exception&)
        {
            continue;
        }
        plan.rpc_servers.push_back("http://" + v.comet_rpc_host + ":" +
                                   std::to_string(v.comet_rpc_port));
        if (plan.rpc_servers.size() == 2)
            break;
    }
    if (plan.trust_height == 0)
        fail(
            "--state-sync needs a running validator with at least one block (its CometBFT RPC "
            "/commit gives the trusted height and hash): start the chain with `tern chain up`");
    if (plan.rpc_servers.size() == 1)  // CometBFT wants two entries; one validator is all we have
        plan.rpc_servers.push_back(plan.rpc_servers[0]);
    return plan;
}

}  // namespace

void chain_add_node(const std::string& dir_arg, const std::string& host_arg, bool state_sync)
{
    const ChainFile chain = load_chain(dir_arg);
    const NodeSettings s = stored_settings(chain);
    const bool separate = chain.doc.value("separate_hosts", false);
    if (separate && host_arg.empty())
        fail("the chain's validators are on separate machines: give the new node's --host");
    if (!separate && !host_arg.empty() && host_arg != "127.0.0.1")
        fail("--host is for chains made with --hosts (this one runs on one machine)");
    const json& nodes = chain.doc.at("nodes");
    const json& first = nodes.at(0);
    const unsigned index = static_cast<unsigned>(nodes.size());
    NodePlan n = plan_node(index, separate ? host_arg : "127.0.0.1", separate,
                           chain.doc.value("rpc_port", first.at("rpc_port").get<unsigned>()),
                           chain.doc.value("base_port", first.at("p2p_port").get<unsigned>()));
    n.validator = false;
    if (fs::exists(chain.dir / n.name))
        fail((chain.dir / n.name).string() + " exists already");

    // Peers: the validators, from their chain.json entries.
    std::vector<NodePlan> validators;
    for (const auto& e : nodes)
        if (e.value("validator", true))
        {
            NodePlan p;
            p.node_id = e.at("node_id").get<std::string>();
            p.host = e.at("host").get<std::string>();
            p.p2p_port = e.at("p2p_port").get<unsigned>();
            validators.push_back(std::move(p));
        }
    std::vector<const NodePlan*> peers;
    for (const auto& p : validators)
        peers.push_back(&p);

    std::optional<StateSyncPlan> sync;
    std::optional<int64_t> interval;  // the validators' snapshot_interval, when node 0 sets it
    if (state_sync)
    {
        sync = trust_from_validators(chain);
        const fs::path node0_toml = chain.dir / first.at("home").get<std::string>() / "node.toml";
        const auto node0 = NodeToml::read(node0_toml);
        if (!node0)
            fail(node0.error());
        if (node0->snapshot_interval)
            interval = static_cast<int64_t>(*node0->snapshot_interval);
        if (interval && *interval <= 0)
            fail("the validators take no snapshots (snapshot_interval = 0 in " +
                 node0_toml.string() + "): a node cannot state-sync from them");
    }
    const auto cometbft = find_cometbft_or_fail();
    // The same CometBFT genesis as the validators (node 0's copy).
    const std::string genesis_text = read_file(chain.dir / first.at("home").get<std::string>() /
                                               "cometbft" / "config" / "genesis.json");
    // Chains made before app_state carried the EVM genesis name DIR/genesis.json instead.
    const json parsed_genesis = json::parse(genesis_text, nullptr, false);
    const bool has_app_state = parsed_genesis.is_object() && parsed_genesis.contains("app_state") &&
                               parsed_genesis["app_state"].is_object() &&
                               !parsed_genesis["app_state"].empty();
    const std::string evm_genesis =
        !has_app_state && fs::exists(chain.dir / "genesis.json") ? "../genesis.json" : "";
    try
    {
        init_cometbft_home(cometbft, chain.dir, n);
        json entry = write_node_files(chain.dir, chain.chain_id, n, peers, s, genesis_text,
                                      sync ? &*sync : nullptr, evm_genesis);
        json doc = chain.doc;
        doc["nodes"].push_back(entry);
        write_file(chain.dir / kChainFile, doc.dump(2) + "\n");
    }
    catch (...)
    {
        std::error_code ec;
        fs::remove_all(chain.dir / n.name, ec);  // no half-written node folder
        throw;
    }
    std::printf("%s added to %s: full node (not a validator), RPC http://%s:%u, P2P %s:%u\n",
                n.name.c_str(), chain.dir.c_str(),
                (s.rpc_listen.empty() || s.rpc_listen == "0.0.0.0" ? n.host : s.rpc_listen).c_str(),
                n.rpc_port, n.host.c_str(), n.p2p_port);
    if (sync)
    {
        std::printf("  state sync: trust height %llu, hash %s, light-client RPCs %s, %s\n",
                    static_cast<unsigned long long>(sync->trust_height), sync->trust_hash.c_str(),
                    sync->rpc_servers[0].c_str(), sync->rpc_servers[1].c_str());
        if (interval && sync->trust_height < static_cast<uint64_t>(*interval))
            std::printf(
                "  note: the validators snapshot every %lld blocks and the chain is at %llu: "
                "the node waits (discovering snapshots) until the first one exists\n",
                static_cast<long long>(*interval),
                static_cast<unsigned long long>(sync->trust_height));
    }
    else
        std::printf("  it replays every block from its peers (block sync)\n");
    std::printf("Start it with: tern chain up %s --node %u\n", chain.dir.c_str(), index);
}

}  // namespace tern::tools
