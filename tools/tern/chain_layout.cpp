#include "chain_layout.hpp"

#include "tools/tern/common/fail.hpp"
#include "tools/tern/common/files.hpp"

namespace tern::tools {

namespace fs = std::filesystem;
using json = nlohmann::json;

ChainFile load_chain(const std::string& dir_arg)
{
    ChainFile chain;
    chain.dir = fs::absolute(dir_arg).lexically_normal();
    const fs::path file = chain.dir / kChainFile;
    if (!fs::exists(file))
        fail(file.string() + " not found (create the chain with `tern chain init --out DIR`)");
    const json doc = read_json(file);
    try
    {
        chain.chain_id = doc.at("chain_id").get<uint64_t>();
        for (const auto& n : doc.at("nodes"))
        {
            NodeEntry e;
            e.index = n.at("index").get<unsigned>();
            e.name = n.at("name").get<std::string>();
            e.home = (chain.dir / n.at("home").get<std::string>()).lexically_normal();
            e.rpc_host = n.at("rpc_host").get<std::string>();
            e.rpc_port = n.at("rpc_port").get<uint16_t>();
            e.comet_rpc_host = n.at("cometbft_rpc_host").get<std::string>();
            e.comet_rpc_port = n.at("cometbft_rpc_port").get<uint16_t>();
            e.validator = n.value("validator", true);
            chain.nodes.push_back(std::move(e));
        }
    }
    catch (const json::exception& e)
    {
        fail(file.string() + ": " + e.what());
    }
    chain.doc = doc;
    return chain;
}

/// The nodes a command acts on: all, or the one `--node i` names.
std::vector<const NodeEntry*> select_nodes(const ChainFile& chain, int node)
{
    std::vector<const NodeEntry*> out;
    for (const auto& n : chain.nodes)
        if (node < 0 || n.index == static_cast<unsigned>(node))
            out.push_back(&n);
    if (out.empty())
        fail("no node " + std::to_string(node) + " in " + (chain.dir / kChainFile).string());
    return out;
}

/// The settings init stored in chain.json (chains made before they were stored: init's
/// defaults, and the ABCI mode of node 0).
NodeSettings stored_settings(const ChainFile& chain)
{
    const json& d = chain.doc;
    NodeSettings s;
    s.block_time_ms = d.value("block_time_ms", s.block_time_ms);
    s.create_empty_blocks = d.value("create_empty_blocks", s.create_empty_blocks);
    s.mempool_size = d.value("mempool_size", s.mempool_size);
    s.log_level = d.value("log_level", s.log_level);
    s.rpc_listen = d.value("rpc_listen", s.rpc_listen);
    const std::string abci0 = d.at("nodes").at(0).value("abci_address", "unix://");
    s.abci = d.value("abci", abci0.rfind("unix://", 0) == 0 ? "unix" : "tcp");
    if (d.contains("snapshot_interval") && d["snapshot_interval"].is_number_unsigned())
        s.snapshot_interval = d["snapshot_interval"].get<uint64_t>();
    if (d.contains("snapshot_keep_recent") && d["snapshot_keep_recent"].is_number_unsigned())
        s.snapshot_keep_recent = d["snapshot_keep_recent"].get<uint64_t>();
    s.unlock_dev_accounts = d.value("unlock_dev_accounts", s.unlock_dev_accounts);
    s.sender_block_gas_percent = d.value("sender_block_gas_percent", s.sender_block_gas_percent);
    if (d.contains("rpc_api") && d["rpc_api"].is_array() && !d["rpc_api"].empty())
        s.rpc_api = d["rpc_api"].get<std::vector<std::string>>();
    return s;
}

}  // namespace tern::tools
