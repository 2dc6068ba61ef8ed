#include "chain/genesis.hpp"

#include "chain/dev_accounts.hpp"
#include "chain/json_fields.hpp"
#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "core/protocol.hpp"
#include "execution/host.hpp"
#include "execution/state_root.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

namespace tern::chain {
namespace {

using nlohmann::json;

/// Parsing fails by throwing json_fields::JsonFieldError inside the parser; parse_genesis turns
/// it into an error result (not a hot path: a genesis is read once).
using json_fields::fail;
using json_fields::JsonFieldError;
using json_fields::parse_address;
using json_fields::parse_bytes;
using json_fields::parse_fixed;
using json_fields::parse_u256;
using json_fields::parse_u64;
using json_fields::parse_word;

/// Reads `obj`'s chain rules (the one codec, chain_config.hpp) into config, throwing its error.
void read_rules(const json& obj,
                ChainConfig& config,
                ChainConfigKeys keys,
                std::string_view where,
                FeatureKeys features = {})
{
    auto read = chain_config_from_json(obj, config, keys, where, features);
    if (!read)
        throw JsonFieldError{read.error()};
    config = std::move(*read);
}

const json* find(const json& obj, const char* key)
{
    const auto it = obj.find(key);
    if (it == obj.end())
        return nullptr;
    return &*it;
}

/// Fork fields numbered by block: each must be 0 (or absent: Tern's default is active).
constexpr std::array kBlockForks = {
    "homesteadBlock",    "daoForkBlock",     "eip150Block",         "eip155Block",
    "eip158Block",       "byzantiumBlock",   "constantinopleBlock", "petersburgBlock",
    "istanbulBlock",     "muirGlacierBlock", "berlinBlock",         "londonBlock",
    "arrowGlacierBlock", "grayGlacierBlock", "mergeNetsplitBlock",
};

/// Time-based forks Tern runs: active at genesis.
constexpr std::array kTimeForks = {"shanghaiTime", "cancunTime"};

/// Config keys without consensus effect for Tern (engine sections and the merge transition).
constexpr std::array kIgnoredConfig = {
    "terminalTotalDifficulty",
    "terminalTotalDifficultyPassed",
    "daoForkSupport",
    "depositContractAddress",
    "eip150Hash",
    "enableVerkleAtGenesis",
};

bool contains(const auto& arr, const std::string& key)
{
    for (const char* k : arr)
        if (key == k)
            return true;
    return false;
}

void parse_config(const json& cfg, GenesisSpec& spec, uint64_t genesis_time)
{
    if (!cfg.is_object())
        fail("config", "expected an object");
    const json* chain_id = find(cfg, "chainId");
    if (!chain_id || chain_id->is_null())
        fail("config.chainId", "missing (the chain id is required)");
    json id = json::object();
    id["chainId"] = *chain_id;
    read_rules(id, spec.config, ChainConfigKeys::All, "config");

    for (const auto& [key, value] : cfg.items())
    {
        const std::string where = "config." + key;
        if (key == "chainId")
            continue;
        if (contains(kBlockForks, key))
        {
            if (value.is_null())
                fail(where, "null (disabled) but Tern runs every fork through Cancun from genesis");
            if (parse_u64(value, where) != 0)
                fail(where, "must be 0: Tern runs every fork through Cancun from genesis");
        }
        else if (contains(kTimeForks, key))
        {
            if (value.is_null())
                fail(where, "null (disabled) but Tern runs Cancun from genesis");
            if (parse_u64(value, where) > genesis_time)
                fail(where, "must be 0 (active at genesis): Tern runs Cancun from genesis");
        }
        else if (key.size() > 4 && key.ends_with("Time"))
        {
            // pragueTime, osakaTime, verkleTime, bpo*Time, ...: forks after Cancun.
            if (!value.is_null())
                fail(where, "fork not supported (Tern implements Cancun)");
        }
        else if (key == "blobSchedule")
        {
            if (!value.is_object())
                fail(where, "expected an object");
            for (const auto& [fork, params] : value.items())
            {
                const std::string w = where + "." + fork;
                if (fork != "cancun")
                    fail(w, "fork not supported (Tern implements Cancun)");
                if (!params.is_object())
                    fail(w, "expected an object");
                const std::pair<const char*, uint64_t> expected[] = {
                    {"target", protocol::kTargetBlobGasPerBlock / protocol::kGasPerBlob},
                    {"max", protocol::kMaxBlobsPerBlock},
                    {"baseFeeUpdateFraction", protocol::kBlobBaseFeeUpdateFraction}};
                for (const auto& [name, v] : expected)
                {
                    const json* p = find(params, name);
                    if (p && parse_u64(*p, w + "." + name) != v)
                        fail(w + "." + name,
                             "must be " + std::to_string(v) + " (Cancun's blob parameters)");
                }
            }
        }
        else if (key == "ethash" || key == "clique" || key == "aura" || key == "parlia")
            spec.warnings.push_back(where + " ignored: Tern seals blocks with its own engine");
        else if (contains(kIgnoredConfig, key))
            continue;
        else if (key.ends_with("Block") && !value.is_null() && parse_u64(value, where) != 0)
            fail(where, "unknown fork at a later block");
        else
            spec.warnings.push_back(where + " ignored (unknown)");
    }
}

GenesisAccount parse_account(const json& j, const std::string& where)
{
    if (!j.is_object())
        fail(where, "expected an object");
    GenesisAccount acc;
    for (const auto& [key, value] : j.items())
    {
        const std::string w = where + "." + key;
        if (key == "balance")
            acc.balance = parse_u256(value, w);
        else if (key == "nonce")
            acc.nonce = parse_u64(value, w);
        else if (key == "code")
        {
            acc.code = parse_bytes(value, w);
            if (acc.code.size() > execution::kMaxCodeSize)
                fail(w, std::to_string(acc.code.size()) + " bytes exceeds the code size limit (" +
                            std::to_string(execution::kMaxCodeSize) + ", EIP-170)");
        }
        else if (key == "storage")
        {
            if (value.is_null())
                continue;
            if (!value.is_object())
                fail(w, "expected an object of slot -> value");
            for (const auto& [slot, v] : value.items())
            {
                const U256 k = parse_word(json(slot), w + "[" + slot + "]");
                const U256 val = parse_word(v, w + "[" + slot + "]");
                if (acc.storage.contains(k))
                    fail(w + "[" + slot + "]", "duplicate slot");
                if (val != 0)
                    acc.storage[k] = val;
            }
        }
        else if (key == "secretKey" || key == "privateKey")
            continue;  // test tooling metadata (geth ignores it too)
        else
            fail(w, "unknown field (expected balance, nonce, code, storage)");
    }
    return acc;
}

GenesisSpec parse(const json& doc, FeatureKeys features)
{
    if (!doc.is_object())
        fail("genesis", "expected a JSON object");
    GenesisSpec spec;
    if (const json* ts = find(doc, "timestamp"))
        spec.timestamp = parse_u64(*ts, "timestamp");
    const json* cfg = find(doc, "config");
    if (!cfg)
        fail("config", "missing");
    parse_config(*cfg, spec, spec.timestamp);

    std::optional<U256> base_fee;
    bool gas_limit_set = false;
    for (const auto& [key, value] : doc.items())
    {
        if (key == "config" || key == "timestamp" || key == "tern")
            continue;
        if (value.is_null())
            continue;
        if (key == "alloc")
        {
            if (!value.is_object())
                fail("alloc", "expected an object of address -> account");
            for (const auto& [addr_str, acc] : value.items())
            {
                const std::string w = "alloc." + addr_str;
                const Address addr = parse_address(json(addr_str), w);
                if (spec.alloc.contains(addr))
                    fail(w, "duplicate address");
                spec.alloc.emplace(addr, parse_account(acc, w));
            }
        }
        else if (key == "nonce")
            spec.nonce = parse_u64(value, key);
        else if (key == "extraData")
            spec.extra_data = parse_bytes(value, key);
        else if (key == "gasLimit")
        {
            spec.gas_limit = parse_u64(value, key);
            gas_limit_set = spec.gas_limit != 0;  // geth: 0 means the default
        }
        else if (key == "difficulty")
            spec.difficulty = parse_u256(value, key);
        else if (key == "mixHash")
            spec.mix_hash = parse_fixed<Hash256>(value, key, false);
        else if (key == "coinbase")
            spec.coinbase = parse_address(value, key);
        else if (key == "baseFeePerGas")
            base_fee = parse_u256(value, key);
        else if (key == "excessBlobGas")
            spec.excess_blob_gas = parse_u64(value, key);
        else if (key == "blobGasUsed")
            spec.blob_gas_used = parse_u64(value, key);
        else if (key == "parentHash")
            spec.parent_hash = parse_fixed<Hash256>(value, key, false);
        else if (key == "number" || key == "gasUsed")
        {
            if (parse_u64(value, key) != 0)
                fail(key, "must be 0 for a genesis block");
        }
        else
            spec.warnings.push_back(key + " ignored (unknown)");
    }

    // Tern section: absent settings default from the header fields.
    const json* tern = find(doc, "tern");
    if (tern && tern->is_null())
        tern = nullptr;
    if (tern)
        read_rules(*tern, spec.config, ChainConfigKeys::TernSection, "tern", features);
    const auto tern_sets = [tern](const char* key) {
        return tern && tern->contains(key);
    };
    if (!gas_limit_set)
        spec.gas_limit = tern_sets("gasLimit") ? spec.config.gas_limit : kDefaultGasLimit;
    if (!tern_sets("gasLimit"))
        spec.config.gas_limit = spec.gas_limit;
    if (!tern_sets("coinbase"))
        spec.config.coinbase = spec.coinbase;
    if (!tern_sets("baseFeePerGas"))
        spec.config.base_fee = base_fee.value_or(U256{});
    spec.base_fee = base_fee.value_or(spec.config.base_fee);
    // The header's base fee counts as asking for fees too.
    if (!tern_sets("feeRule"))
        spec.config.fee_rule = asks_for_fees(spec.config) ? FeeRule::Charged : FeeRule::Free;
    else if (spec.config.fee_rule == FeeRule::Free && asks_for_fees(spec.config))
        fail("baseFeePerGas", "tern.feeRule \"free\" charges no fee: the base fee must be 0");
    if (spec.gas_limit < protocol::kTxGas)
        fail("gasLimit", "below 21000: no transaction would fit");
    return spec;
}

/// The EIP-4788 contract's runtime code.
constexpr uint8_t kBeaconRootsCode[] = {
    0x33, 0x73, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0x14, 0x60, 0x4d, 0x57, 0x60, 0x20,
    0x36, 0x14, 0x60, 0x24, 0x57, 0x5f, 0x5f, 0xfd, 0x5b, 0x5f, 0x35, 0x80, 0x15, 0x60,
    0x49, 0x57, 0x62, 0x00, 0x1f, 0xff, 0x81, 0x06, 0x90, 0x81, 0x54, 0x14, 0x60, 0x3c,
    0x57, 0x5f, 0x5f, 0xfd, 0x5b, 0x62, 0x00, 0x1f, 0xff, 0x01, 0x54, 0x5f, 0x52, 0x60,
    0x20, 0x5f, 0xf3, 0x5b, 0x5f, 0x5f, 0xfd, 0x5b, 0x62, 0x00, 0x1f, 0xff, 0x42, 0x06,
    0x42, 0x81, 0x55, 0x5f, 0x35, 0x90, 0x62, 0x00, 0x1f, 0xff, 0x01, 0x55, 0x00};

}  // namespace

BytesView beacon_roots_code() noexcept
{
    return {kBeaconRootsCode, sizeof(kBeaconRootsCode)};
}

Result<GenesisSpec, std::string> parse_genesis(const nlohmann::json& doc, FeatureKeys features)
{
    try
    {
        return parse(doc, features);
    }
    catch (const JsonFieldError& e)
    {
        return "invalid genesis: " + e.message;
    }
    catch (const nlohmann::json::exception& e)
    {
        return std::string("invalid genesis: ") + e.what();
    }
}

Result<GenesisSpec, std::string> parse_genesis_text(std::string_view text, FeatureKeys features)
{
    json doc;
    try
    {
        doc = json::parse(text);
    }
    catch (const nlohmann::json::exception& e)
    {
        return std::string("invalid genesis: malformed JSON: ") + e.what();
    }
    return parse_genesis(doc, features);
}

Result<GenesisSpec, std::string> load_genesis_file(const std::string& path, FeatureKeys features)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return "cannot read genesis file " + path;
    std::stringstream ss;
    ss << in.rdbuf();
    auto r = parse_genesis_text(ss.str(), features);
    if (!r)
        return r.error() + " (" + path + ")";
    return r;
}

nlohmann::json genesis_to_json(const GenesisSpec& spec)
{
    json cfg = json::object();
    cfg["chainId"] = spec.config.chain_id;
    for (const char* f : kBlockForks)
        if (std::string_view(f) != "daoForkBlock")
            cfg[f] = 0;
    for (const char* f : kTimeForks)
        cfg[f] = 0;
    cfg["terminalTotalDifficulty"] = 0;
    json alloc = json::object();
    for (const auto& [addr, acc] : spec.alloc)
    {
        json a = json::object();
        a["balance"] = acc.balance.to_hex();
        if (acc.nonce != 0)
            a["nonce"] = U256{acc.nonce}.to_hex();
        if (!acc.code.empty())
            a["code"] = to_hex(acc.code);
        if (!acc.storage.empty())
        {
            json st = json::object();
            for (const auto& [k, v] : acc.storage)
                st[to_hex(k.to_hash())] = to_hex(v.to_hash());
            a["storage"] = std::move(st);
        }
        alloc[to_hex(addr)] = std::move(a);
    }
    json doc = json::object();
    doc["config"] = std::move(cfg);
    doc["nonce"] = U256{spec.nonce}.to_hex();
    doc["timestamp"] = U256{spec.timestamp}.to_hex();
    doc["extraData"] = to_hex(spec.extra_data);
    doc["gasLimit"] = U256{spec.gas_limit}.to_hex();
    doc["difficulty"] = spec.difficulty.to_hex();
    doc["mixHash"] = to_hex(spec.mix_hash);
    doc["coinbase"] = to_hex(spec.coinbase);
    doc["baseFeePerGas"] = spec.base_fee.to_hex();
    doc["excessBlobGas"] = U256{spec.excess_blob_gas}.to_hex();
    doc["blobGasUsed"] = U256{spec.blob_gas_used}.to_hex();
    doc["parentHash"] = to_hex(spec.parent_hash);
    doc["alloc"] = std::move(alloc);
    doc["tern"] = chain_config_to_json(spec.config, ChainConfigKeys::TernSection);
    return doc;
}

state::StateDiff genesis_state_diff(const GenesisSpec& spec)
{
    state::StateDiff diff;
    for (const auto& [addr, acc] : spec.alloc)
    {
        state::AccountDiff d;
        d.address = addr;
        d.info.nonce = acc.nonce;
        d.info.balance = acc.balance;
        if (!acc.code.empty())
        {
            d.info.code_hash = keccak256(acc.code);
            d.code = std::make_shared<const Bytes>(acc.code);
        }
        d.storage = acc.storage;
        diff.accounts.emplace(addr, std::move(d));
    }
    return diff;
}

void load_genesis_state(const GenesisSpec& spec, state::MemoryBackend& backend)
{
    for (const auto& [addr, acc] : spec.alloc)
        backend.put_account(addr, acc.nonce, acc.balance, acc.code, acc.storage);
}

Hash256 genesis_state_root(const GenesisSpec& spec)
{
    state::MemoryBackend backend;
    load_genesis_state(spec, backend);
    return execution::state_root(backend);
}

Block genesis_block(const GenesisSpec& spec)
{
    Block b;
    BlockHeader& h = b.header;
    h.parent_hash = spec.parent_hash;
    h.coinbase = spec.coinbase;
    h.state_root = genesis_state_root(spec);
    h.difficulty = spec.difficulty;
    h.number = 0;
    h.gas_limit = spec.gas_limit;
    h.gas_used = 0;
    h.timestamp = spec.timestamp;
    h.extra_data = spec.extra_data;
    h.mix_hash = spec.mix_hash;
    h.nonce = spec.nonce;
    h.base_fee = spec.base_fee;
    h.blob_gas_used = spec.blob_gas_used;
    h.excess_blob_gas = spec.excess_blob_gas;
    return b;
}

GenesisSpec dev_genesis(uint64_t chain_id, uint64_t timestamp)
{
    ChainConfig rules;
    rules.chain_id = chain_id;
    return dev_genesis(rules, timestamp);
}

GenesisSpec dev_genesis(const ChainConfig& rules, uint64_t timestamp)
{
    GenesisSpec spec;
    spec.config = rules;
    spec.gas_limit = rules.gas_limit;
    spec.base_fee = rules.base_fee;
    spec.timestamp = timestamp;
    for (const auto& a : default_dev_accounts())
        spec.alloc[a.address].balance = kDevAccountBalance;
    GenesisAccount beacon;
    beacon.nonce = 1;
    beacon.code = to_bytes(beacon_roots_code());
    spec.alloc[kBeaconRootsAddress] = beacon;
    return spec;
}

}  // namespace tern::chain
