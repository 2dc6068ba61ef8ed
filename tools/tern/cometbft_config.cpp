#include "cometbft_config.hpp"

#include "cometbft_path.hpp"
#include "rpc_exposure.hpp"

#include "tools/tern/common/fail.hpp"
#include "tools/tern/common/files.hpp"
#include "tools/tern/common/node_toml.hpp"
#include "tools/tern/common/process.hpp"

#include <sodium.h>

#include <set>
#include <sstream>

namespace tern::tools {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::vector<uint8_t> base64_decode(const std::string& s)
{
    std::vector<uint8_t> out(s.size());
    size_t len = 0;
    if (sodium_base642bin(out.data(), out.size(), s.data(), s.size(), nullptr, &len, nullptr,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        fail("bad base64 in a CometBFT key file");
    out.resize(len);
    return out;
}

std::string hex_lower(const uint8_t* p, size_t n)
{
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s;
    for (size_t i = 0; i < n; ++i)
    {
        s += kDigits[p[i] >> 4];
        s += kDigits[p[i] & 15];
    }
    return s;
}

/// CometBFT's node id: hex of the first 20 bytes of SHA-256(ed25519 public key), read from
/// node_key.json (whose private key value is seed || public key, 64 bytes).
std::string node_id_of(const fs::path& node_key_file)
{
    const json key = read_json(node_key_file);
    const auto priv = base64_decode(key.at("priv_key").at("value").get<std::string>());
    if (priv.size() != 64)
        fail(node_key_file.string() + ": not an ed25519 key");
    uint8_t digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, priv.data() + 32, 32);
    return hex_lower(digest, 20);
}

std::string ms(unsigned v)
{
    return toml_string(std::to_string(v) + "ms");
}

}  // namespace

/// Sets `key = value` (value already a TOML literal) in CometBFT's generated config.toml,
/// keeping its comments and layout; every key must already be present in its section.
std::string set_toml_keys(const std::string& text,
                          const std::map<std::string, std::map<std::string, std::string>>& keys)
{
    std::set<std::string> done;
    std::istringstream in{text};
    std::string out;
    std::string section;
    for (std::string line; std::getline(in, line);)
    {
        const auto first = line.find_first_not_of(" \t");
        if (first != std::string::npos && line[first] == '[')
        {
            const auto close = line.find(']', first);
            section = line.substr(first + 1, close - first - 1);
        }
        else if (first != std::string::npos && line[first] != '#')
        {
            const auto eq = line.find('=');
            if (eq != std::string::npos)
            {
                std::string key = line.substr(first, eq - first);
                key.erase(key.find_last_not_of(" \t") + 1);
                const auto sec = keys.find(section);
                if (sec != keys.end())
                    if (const auto kv = sec->second.find(key); kv != sec->second.end())
                    {
                        line = key + " = " + kv->second;
                        done.insert(section + "." + key);
                    }
            }
        }
        out += line + "\n";
    }
    for (const auto& [sec, kvs] : keys)
        for (const auto& [key, value] : kvs)
            if (!done.contains(sec + "." + key))
                fail("config.toml written by cometbft has no " +
                     (sec.empty() ? key : sec + "." + key) + " (unexpected CometBFT version?)");
    return out;
}

/// Parses TOML text with toml++ (a check that what we wrote is valid).
toml::table parse_toml(const std::string& text, const std::string& what)
{
    try
    {
        return toml::parse(text, what);
    }
    catch (const toml::parse_error& e)
    {
        fail(what + ": invalid TOML written: " + std::string(e.description()));
    }
}

/// Node i's ports: spread on one machine (+1 JSON-RPC, +10 CometBFT per node), the base ports
/// on separate machines.
NodePlan plan_node(unsigned i,
                   const std::string& host,
                   bool separate,
                   unsigned rpc_port,
                   unsigned base_port)
{
    NodePlan n;
    const unsigned k = separate ? 0 : i;
    n.index = i;
    n.name = "node" + std::to_string(i);
    n.host = host;
    n.rpc_port = rpc_port + k;
    n.p2p_port = base_port + 10 * k;
    n.comet_rpc_port = base_port + 10 * k + 1;
    n.abci_port = base_port + 10 * k + 2;
    if (n.rpc_port > 65535 || n.abci_port > 65535 || rpc_port == 0 || base_port == 0)
        fail("ports out of range for " + n.name);
    return n;
}

/// `cometbft init` of DIR/<name>/cometbft by the pinned binary itself (keys and the default
/// config.toml); fills in the node id and the validator key.
void init_cometbft_home(const std::string& cometbft, const fs::path& dir, NodePlan& n)
{
    const fs::path home = dir / n.name;
    fs::create_directories(home / "logs");
    const auto ran = run_command({cometbft, "init", "--home", (home / "cometbft").string()});
    if (!ran)
        fail(ran.error());
    const auto& [status, output] = *ran;
    if (status != 0)
        fail("cometbft init failed for " + n.name + ":\n" + output);
    const fs::path config = home / "cometbft" / "config";
    n.node_id = node_id_of(config / "node_key.json");
    const json pv = read_json(config / "priv_validator_key.json");
    n.validator_address = pv.at("address").get<std::string>();
    n.validator_pub_key = pv.at("pub_key");
}

/// Writes node n's CometBFT genesis and config.toml (peers: `peers`, state sync when `sync`
/// is given) and its node.toml (`evm_genesis`: a `genesis` key, for chains whose CometBFT
/// genesis has no app_state); returns its chain.json entry.
json write_node_files(const fs::path& dir,
                      uint64_t chain_id,
                      const NodePlan& n,
                      const std::vector<const NodePlan*>& peers,
                      const NodeSettings& s,
                      const std::string& genesis_text,
                      const StateSyncPlan* sync,
                      const std::string& evm_genesis)
{
    const fs::path home = dir / n.name;
    const fs::path config_dir = home / "cometbft" / "config";
    write_file(config_dir / "genesis.json", genesis_text);

    std::string peer_list;
    for (const NodePlan* p : peers)
        peer_list += (peer_list.empty() ? "" : ",") + p->node_id + "@" + p->host + ":" +
                     std::to_string(p->p2p_port);
    // ABCI stays on this machine: a unix socket in the node folder, or TCP on loopback (the
    // node's own 127.x address when several "machines" share one).
    const std::string abci_host = is_loopback_host(n.host) ? n.host : "127.0.0.1";
    const std::string abci_node = s.abci == "unix"
                                      ? "unix://abci.sock"
                                      : "tcp://" + abci_host + ":" + std::to_string(n.abci_port);
    const std::string abci_comet =
        s.abci == "unix" ? "unix://" + (home / "abci.sock").string() : abci_node;
    if (s.abci == "unix" && (home / "abci.sock").string().size() > 100)
        fail("unix socket path too long: " + (home / "abci.sock").string() +
             " (use a shorter --out or --abci tcp)");
    const std::string comet_rpc = n.host + ":" + std::to_string(n.comet_rpc_port);
    const std::string p2p = n.host + ":" + std::to_string(n.p2p_port);
    std::map<std::string, std::map<std::string, std::string>> keys{
        {"",
         {{"proxy_app", toml_string(abci_comet)},
          {"moniker", toml_string(n.name)},
          {"log_level", toml_string(s.log_level)}}},
        // A FileStorage chunk is a 1 MiB transaction (1.4 MB of base64 in broadcast_tx_sync):
        // CometBFT's 1 MB body and transaction limits would refuse it.
        {"rpc", {{"laddr", toml_string("tcp://" + comet_rpc)}, {"max_body_bytes", "8388608"}}},
        {"p2p",
         {{"laddr", toml_string("tcp://" + p2p)},
          {"external_address", toml_string(is_loopback_host(n.host) ? "" : p2p)},
          {"persistent_peers", toml_string(peer_list)},
          {"addr_book_strict", "false"},
          {"allow_duplicate_ip", "true"},
          {"flush_throttle_timeout", ms(10)},
          {"send_rate", "20480000"},
          {"recv_rate", "20480000"},
          {"persistent_peers_max_dial_period", toml_string("5s")}}},
        {"mempool",
         {{"size", std::to_string(s.mempool_size)},
          {"cache_size", std::to_string(2 * s.mempool_size)},
          {"max_tx_bytes", "4194304"},
          {"max_txs_bytes", "268435456"},
          {"recheck", "true"},
          {"broadcast", "true"}}},
        {"consensus",
         {{"timeout_propose", ms(1000)},
          {"timeout_propose_delta", ms(200)},
          {"timeout_prevote", ms(500)},
          {"timeout_prevote_delta", ms(200)},
          {"timeout_precommit", ms(500)},
          {"timeout_precommit_delta", ms(200)},
          {"timeout_commit", ms(s.block_time_ms)},
          {"create_empty_blocks", s.create_empty_blocks ? "true" : "false"},
          {"create_empty_blocks_interval", toml_string("0s")},
          {"peer_gossip_sleep_duration", ms(20)}}},
        // Tern indexes transactions itself (receipts, logs); CometBFT's index would be a
        // second copy.
        {"tx_index", {{"indexer", toml_string("null")}}},
    };
    if (sync)
    {
        std::string servers;
        for (const auto& r : sync->rpc_servers)
            servers += (servers.empty() ? "" : ",") + r;
        keys["statesync"] = {
            {"enable", "true"},
            {"rpc_servers", toml_string(servers)},
            {"trust_height", std::to_string(sync->trust_height)},
            {"trust_hash", toml_string(sync->trust_hash)},
            // Tern's validators are not bonded: a week, CometBFT's default.
            {"trust_period", toml_string("168h0m0s")},
            {"discovery_time", toml_string("5s")},  // CometBFT's minimum (default 15 s)
        };
    }
    const fs::path config_file = config_dir / "config.toml";
    const std::string config_text = set_toml_keys(read_file(config_file), keys);
    const toml::table parsed = parse_toml(config_text, config_file.string());
    if (parsed["p2p"]["persistent_peers"].value_or(std::string{}) != peer_list)
        fail(config_file.string() + ": persistent_peers did not round-trip");
    write_file(config_file, config_text);

    const std::string rpc_listen = s.rpc_listen.empty() ? n.host : s.rpc_listen;
    NodeToml node_toml;
    node_toml.genesis = evm_genesis;
    node_toml.data_dir = "data";
    node_toml.rpc_host = rpc_listen;
    node_toml.rpc_port = static_cast<uint16_t>(n.rpc_port);
    node_toml.abci_address = abci_node;
    node_toml.cometbft_home = "cometbft";
    node_toml.cometbft_rpc = "http://" + comet_rpc;
    node_toml.spawn_cometbft = true;
    node_toml.rpc_api = s.rpc_api;
    node_toml.unlock_dev_accounts = s.unlock_dev_accounts;
    node_toml.snapshot_interval = s.snapshot_interval;
    node_toml.snapshot_keep_recent = s.snapshot_keep_recent;
    node_toml.sender_block_gas_percent = s.sender_block_gas_percent;
    const std::string header = "# Tern " + std::string(n.validator ? "validator " : "full node ") +
                               n.name + " of chain " + std::to_string(chain_id) +
                               " (written by `tern chain " + (n.validator ? "init" : "add-node") +
                               "`); read by `tern node --home " + home.string() + "`.\n";
    const std::string node_toml_text = node_toml.to_text(header);
    parse_toml(node_toml_text, (home / "node.toml").string());
    write_file(home / "node.toml", node_toml_text);

    const std::string rpc_connect = rpc_listen == "0.0.0.0" ? n.host : rpc_listen;
    return {
        {"index", n.index},
        {"name", n.name},
        {"home", n.name},
        {"validator", n.validator},
        {"state_sync", sync != nullptr},
        {"host", n.host},
        {"rpc_host", rpc_connect},
        {"rpc_port", n.rpc_port},
        {"rpc_url", "http://" + rpc_connect + ":" + std::to_string(n.rpc_port)},
        {"ws_url", "ws://" + rpc_connect + ":" + std::to_string(n.rpc_port)},
        {"cometbft_rpc_host", n.host},
        {"cometbft_rpc_port", n.comet_rpc_port},
        {"p2p_port", n.p2p_port},
        {"abci_address", abci_node},
        {"node_id", n.node_id},
        {"validator_address", n.validator_address},
    };
}

/// The cometbft binary (and libsodium ready for the node ids).
std::string find_cometbft_or_fail()
{
    const auto cometbft = find_cometbft();
    if (!cometbft)
        fail(
            "cometbft not found (set TERN_COMETBFT or run scripts/setup, which installs it "
            "with `go install`)");
    if (sodium_init() < 0)
        fail("libsodium failed to initialize");
    return *cometbft;
}

}  // namespace tern::tools
