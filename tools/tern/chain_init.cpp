// `tern chain init`: genesis, keys and configs of an N-validator chain on CometBFT.
#include "chain_commands.hpp"

#include "cometbft_config.hpp"
#include "rpc_exposure.hpp"

#include "chain/dev_accounts.hpp"
#include "chain/genesis.hpp"
#include "configcontroller/feature.hpp"
#include "core/hex.hpp"
#include "etherbase/constants.hpp"
#include "etherbase/feature.hpp"
#include "filestorage/feature.hpp"
#include "marionette/feature.hpp"
#include "mlchain/feature.hpp"
#include "tools/tern/common/fail.hpp"
#include "tools/tern/common/files.hpp"
#include "tools/tern/common/process.hpp"

#include <cstdio>
#include <ctime>

namespace tern::tools {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string utc_rfc3339(std::time_t t)
{
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

/// "a, b, c".
std::string join(const std::vector<std::string>& items)
{
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : ", ") + item;
    return out;
}

/// What the genesis funds, for init's output (the beacon-roots contract is not a funded
/// account); the dev-accounts warning on stderr.
void print_funding(const std::map<Address, chain::GenesisAccount>& funded, bool dev_accounts)
{
    if (dev_accounts)
        std::fprintf(stderr, "%s\n",
                     wrap_text("WARNING: --dev-accounts funds the " +
                               std::to_string(chain::kDevAccountCount) +
                               " accounts of the public test mnemonic (\"" +
                               std::string(chain::kDevMnemonic) +
                               "\") with 10000 ether each. Their private keys are published "
                               "(Foundry, Hardhat, `tern dev` print them): anyone can spend these "
                               "funds. For local test chains only.")
                         .c_str());
    if (funded.empty())
    {
        std::printf("%s\n",
                    wrap_text("No account is funded (fund some with --fund ADDRESS=AMOUNT or "
                              "--alloc FILE). Gas is free on this chain (fee rule \"free\"): an "
                              "unfunded account can still send transactions at any gas price, "
                              "but not transfer value.")
                        .c_str());
        return;
    }
    std::printf("Funded accounts: %zu\n", funded.size());
    size_t shown = 0;
    for (const auto& [address, account] : funded)
    {
        if (++shown > 20)
        {
            std::printf("  ... and %zu more\n", funded.size() - 20);
            break;
        }
        std::printf("  %s %s\n", chain::to_checksum_address(address).c_str(),
                    format_ether(account.balance).c_str());
    }
}

}  // namespace

void chain_init(const InitOptions& o)
{
    const NodeSettings& s = o.settings;
    if (o.validators < 1 || o.validators > 64)
        fail("--validators must be 1..64");
    if (o.chain_id == 0)
        fail("--chain-id must be positive");
    if (s.block_time_ms > 60'000)
        fail("--block-time is in milliseconds, at most 60000");
    if (s.abci != "unix" && s.abci != "tcp")
        fail("--abci must be unix or tcp");
    const bool separate = !o.hosts.empty();
    if (separate && o.hosts.size() != o.validators)
        fail("--hosts needs one host per validator (" + std::to_string(o.validators) + ")");
    for (const auto& h : o.hosts)
        if (h.empty() || h == "0.0.0.0")
            fail("--hosts: each entry is the address other nodes reach that validator at");
    const auto funded = funded_accounts(o.funding);
    if (!funded)
        fail(funded.error());
    if (const auto it = funded->find(chain::kBeaconRootsAddress);
        it != funded->end() &&
        it->second != chain::dev_genesis(o.chain_id).alloc.at(chain::kBeaconRootsAddress))
        fail("--alloc: " + to_hex(chain::kBeaconRootsAddress) +
             " is the EIP-4788 beacon roots contract, which every chain has (init adds it)");
    if (o.settings.unlock_dev_accounts > 1000)
        fail("--unlock-dev-accounts must be 0..1000");
    std::vector<NodePlan> plan;
    for (unsigned i = 0; i < o.validators; ++i)
        plan.push_back(
            plan_node(i, separate ? o.hosts[i] : "127.0.0.1", separate, o.rpc_port, o.base_port));

    const fs::path dir = fs::absolute(o.out).lexically_normal();
    if (fs::exists(dir) && !fs::is_directory(dir))
        fail(dir.string() + " exists and is not a directory");
    if (fs::exists(dir) && !fs::is_empty(dir))
    {
        if (!o.force)
            fail(dir.string() + " is not empty (use --force to replace a chain there)");
        // Only our own files go: chain.json, genesis.json and node<i> folders with a node.toml,
        // and never while a node of the old chain runs.
        for (const auto& entry : fs::directory_iterator(dir))
        {
            const std::string name = entry.path().filename().string();
            if (entry.is_directory() && fs::exists(entry.path() / "node.toml"))
            {
                if (const auto pid = running_node_pid(entry.path()))
                    fail(name + " is running (pid " + std::to_string(*pid) +
                         "); stop it with `tern chain down` first");
                fs::remove_all(entry.path());
            }
            else if (name == kChainFile || name == "genesis.json")
                fs::remove(entry.path());
        }
    }
    fs::create_directories(dir);
    const auto cometbft = find_cometbft_or_fail();

    // 1. Keys and default configuration of every node, by the pinned cometbft itself.
    for (auto& n : plan)
        init_cometbft_home(cometbft, dir, n);

    // 2. The EVM genesis: `tern dev`'s rules, this chain id, the block gas limit, the accounts
    //    --alloc/--fund/--dev-accounts fund (none by default), the beacon-roots contract.
    const std::time_t now = std::time(nullptr);
    chain::GenesisSpec evm = chain::dev_genesis(o.chain_id, static_cast<uint64_t>(now));
    const chain::GenesisAccount beacon = evm.alloc.at(chain::kBeaconRootsAddress);
    evm.alloc.clear();
    evm.alloc = *funded;
    evm.alloc[chain::kBeaconRootsAddress] = beacon;
    evm.gas_limit = o.gas_limit;
    evm.config.gas_limit = o.gas_limit;
    const auto address_option = [](const std::string& text, const char* flag) {
        const auto a = fixed_from_hex<Address>(text);
        if (!a || text.size() != 42)
            fail(std::string(flag) + ": expected a 0x address of 40 hex digits");
        return *a;
    };
    std::optional<Address> owner;
    if (!o.owner.empty())
        owner = address_option(o.owner, "--owner");
    else if (o.funding.dev_accounts)
        owner = chain::default_dev_accounts()[0].address;
    mlchain::set_ml_settings(evm.config, o.ml);
    if (!o.no_file_storage)
    {
        filestorage::FileStorageSettings fs;
        fs.enabled = true;
        fs.space = o.file_storage_space;
        fs.admin =
            o.file_storage_admin.empty()
                ? owner
                : std::optional(address_option(o.file_storage_admin, "--file-storage-admin"));
        filestorage::set_file_storage_settings(evm.config, fs);
    }
    if (!o.no_deployer_allow_list)
    {
        configcontroller::ConfigControllerSettings cc;
        cc.enabled = true;
        cc.admin = owner;
        cc.free_contract_deployment = o.free_contract_deployment || !owner;
        configcontroller::set_config_controller_settings(evm.config, cc);
    }
    if (owner)
        marionette::set_marionette_settings(evm.config, {true, owner, std::nullopt});
    if (o.sfuel)
    {
        etherbase::EtherbaseSettings eb;
        eb.enabled = true;
        eb.admin = owner;
        const auto supply = U256::from_string(o.sfuel_supply);
        const auto price = U256::from_string(o.sfuel_gas_price);
        if (!supply || !price)
            fail("--sfuel-supply and --sfuel-gas-price: expected numbers of wei");
        eb.balance = *supply;
        etherbase::set_etherbase_settings(evm.config, eb);
        evm.config.fee_rule = chain::FeeRule::Charged;
        evm.config.min_gas_price = *price;
        evm.config.coinbase = etherbase::kEtherbaseAddress;
        evm.coinbase = etherbase::kEtherbaseAddress;
    }

    // 3. One CometBFT genesis for all: every node a validator with power 10, the EVM genesis
    //    in app_state (InitChain checks it against the node's).
    json genesis = read_json(dir / plan[0].name / "cometbft" / "config" / "genesis.json");
    genesis["genesis_time"] = utc_rfc3339(now);
    genesis["chain_id"] = "tern-" + std::to_string(o.chain_id);
    genesis["initial_height"] = "1";
    // Room for several 1 MiB FileStorage chunks per block (CometBFT's default: 4 MiB).
    genesis["consensus_params"]["block"]["max_bytes"] = "16777216";
    genesis["consensus_params"]["block"]["max_gas"] = "-1";
    genesis["app_hash"] = "";
    genesis["app_state"] = chain::genesis_to_json(evm);
    genesis["validators"] = json::array();
    for (const auto& n : plan)
        genesis["validators"].push_back({{"address", n.validator_address},
                                         {"pub_key", n.validator_pub_key},
                                         {"power", "10"},
                                         {"name", n.name}});
    const std::string genesis_text = genesis.dump(2) + "\n";

    // 4. Per node: CometBFT's genesis and config.toml (peers: every other validator), node.toml.
    json chain_nodes = json::array();
    for (const auto& n : plan)
    {
        std::vector<const NodePlan*> peers;
        for (const auto& p : plan)
            if (&p != &n)
                peers.push_back(&p);
        chain_nodes.push_back(
            write_node_files(dir, o.chain_id, n, peers, s, genesis_text, nullptr));
    }

    json summary = {
        {"chain_id", o.chain_id},
        {"cometbft_chain_id", "tern-" + std::to_string(o.chain_id)},
        {"genesis_time", utc_rfc3339(now)},
        {"gas_limit", o.gas_limit},
        {"separate_hosts", separate},
        {"rpc_port", o.rpc_port},
        {"base_port", o.base_port},
        {"block_time_ms", s.block_time_ms},
        {"create_empty_blocks", s.create_empty_blocks},
        {"mempool_size", s.mempool_size},
        {"abci", s.abci},
        {"log_level", s.log_level},
        {"rpc_listen", s.rpc_listen},
        {"snapshot_interval", s.snapshot_interval ? json(*s.snapshot_interval) : json()},
        {"snapshot_keep_recent", s.snapshot_keep_recent ? json(*s.snapshot_keep_recent) : json()},
        {"unlock_dev_accounts", s.unlock_dev_accounts},
        {"rpc_api", s.rpc_api},
        {"sender_block_gas_percent", s.sender_block_gas_percent},
        {"funded_accounts", funded->size()},
        {"nodes", chain_nodes},
    };
    write_file(dir / kChainFile, summary.dump(2) + "\n");

    std::printf("Chain %llu (CometBFT chain id tern-%llu): %u validators in %s\n",
                static_cast<unsigned long long>(o.chain_id),
                static_cast<unsigned long long>(o.chain_id), o.validators, dir.c_str());
    for (const auto& n : chain_nodes)
        std::printf("  %-7s RPC %-24s P2P %s:%u  node id %s\n",
                    n["name"].get<std::string>().c_str(), n["rpc_url"].get<std::string>().c_str(),
                    n["host"].get<std::string>().c_str(), n["p2p_port"].get<unsigned>(),
                    n["node_id"].get<std::string>().c_str());
    print_funding(*funded, o.funding.dev_accounts);
    if (!o.no_file_storage)
    {
        const auto fs = filestorage::file_storage_settings(evm.config);
        if (fs.admin)
            std::printf("FileStorage at 0xD3002000...d3: admin %s (grants ALLOCATOR_ROLE)\n",
                        to_hex(*fs.admin).c_str());
        else
            std::fprintf(stderr, "%s\n",
                         wrap_text("note: FileStorage has no admin (--file-storage-admin), so "
                                   "nobody can grant ALLOCATOR_ROLE and reserve space for files.")
                             .c_str());
    }
    if (!o.no_deployer_allow_list)
    {
        if (owner && !o.free_contract_deployment)
            std::printf(
                "ConfigController at 0xD2002000...d2: only %s and the accounts it adds "
                "(addToWhitelist) deploy contracts\n",
                to_hex(*owner).c_str());
        else
            std::printf("ConfigController at 0xD2002000...d2: anyone may deploy contracts%s\n",
                        owner ? "" : " (no --owner to allow-list deployers)");
    }
    if (owner)
        std::printf(
            "Chain owner %s: admin of the predeploys, PUPPETEER of Marionette "
            "0xD2c0DeFACe00... (execute: calls as the chain's administrator)\n",
            to_hex(*owner).c_str());
    if (o.sfuel)
        std::printf(
            "sFUEL: fees at %s wei/gas go to Etherbase 0xd2bA3e00...; %s hands sFUEL out "
            "(partiallyRetrieve; contracts/examples/SFuelFaucet.sol)\n",
            o.sfuel_gas_price.c_str(), owner ? to_hex(*owner).c_str() : "nobody");
    if (s.unlock_dev_accounts > 0)
    {
        const std::string n = std::to_string(s.unlock_dev_accounts);
        std::fprintf(stderr, "%s\n",
                     wrap_text("WARNING: --unlock-dev-accounts " + n +
                               ": every node signs transactions and messages for the first " + n +
                               " test-mnemonic accounts, for any client of its JSON-RPC.")
                         .c_str());
    }
    const std::string rpc_listen0 = s.rpc_listen.empty() ? plan[0].host : s.rpc_listen;
    if (!is_loopback_host(rpc_listen0))
        std::fprintf(
            stderr, "%s\n",
            wrap_text("WARNING: the nodes' JSON-RPC (" + join(s.rpc_api) + ") listens on " +
                      rpc_listen0 + (s.rpc_listen.empty() ? " (their --hosts addresses)" : "") +
                      ", reachable from other machines (see docs/security.md).")
                .c_str());
    std::printf("Start it with: tern chain up %s\n", dir.c_str());
}

}  // namespace tern::tools
