#pragma once

#include "chain/block.hpp"
#include "chain/chain_config.hpp"
#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/uint256.hpp"
#include "state/account.hpp"
#include "state/memory_backend.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tern::chain {

/// One `alloc` entry of a genesis file.
struct GenesisAccount
{
    uint64_t nonce = 0;
    U256 balance;
    Bytes code;
    std::map<U256, U256> storage;  ///< non-zero slots only

    friend bool operator==(const GenesisAccount&, const GenesisAccount&) = default;
};

/// A parsed genesis: the chain rules and the contents of block 0.
///
/// Accepted input is geth's genesis JSON (`config`, `alloc`, `nonce`, `timestamp`,
/// `extraData`, `gasLimit`, `difficulty`, `mixHash`, `coinbase`, `baseFeePerGas`,
/// `excessBlobGas`, `blobGasUsed`, `parentHash`, `number`, `gasUsed`) plus a `tern` section:
///
///     "tern": {
///       "baseFeeRule":   "fixed" | "eip1559",   // default "fixed"
///       "baseFeePerGas": "0x0",                 // base fee of every block under "fixed"
///       "minGasPrice":   "0",                   // lowest gas price the pool accepts
///       "gasLimit":      "0x1c9c380",           // gas limit of new blocks
///       "coinbase":      "0x..."                // fee recipient of new blocks
///     }
///
/// Numbers are "0x" hex or decimal strings (or JSON integers). Fork rules are always Cancun:
/// a `config` that would activate a fork differently (a block-numbered fork after 0,
/// shanghaiTime/cancunTime after the genesis timestamp, any pragueTime/osakaTime/verkleTime,
/// a blobSchedule other than Cancun's) is refused; absent fork fields mean "active".
/// Consensus-engine sections (ethash, clique, terminalTotalDifficulty) are ignored with a
/// warning.
struct GenesisSpec
{
    ChainConfig config;
    std::map<Address, GenesisAccount> alloc;

    // Block 0 header fields.
    uint64_t nonce = 0;
    uint64_t timestamp = 0;
    Bytes extra_data;
    uint64_t gas_limit = kDefaultGasLimit;
    U256 difficulty;
    Hash256 mix_hash;
    Address coinbase;
    U256 base_fee;  ///< base fee of block 0
    Hash256 parent_hash;
    uint64_t excess_blob_gas = 0;
    uint64_t blob_gas_used = 0;

    /// Things accepted but ignored (e.g. "clique section ignored"), for the node to log.
    std::vector<std::string> warnings;
};

/// Parses a genesis JSON document; the error says what is wrong and where
/// (e.g. "alloc.0x12..: balance: not a number"). The `tern` section may hold the keys of
/// `features` (node::chain_feature_keys()) besides the rules' own.
Result<GenesisSpec, std::string> parse_genesis(const nlohmann::json& doc,
                                               FeatureKeys features = {});

/// Parses genesis JSON text.
Result<GenesisSpec, std::string> parse_genesis_text(std::string_view text,
                                                    FeatureKeys features = {});

/// Reads and parses a genesis file.
Result<GenesisSpec, std::string> load_genesis_file(const std::string& path,
                                                   FeatureKeys features = {});

/// The spec as genesis JSON (geth's format with every fork at 0 and Cancun at time 0, plus the
/// `tern` section); parse_genesis() of it gives back an equal spec (warnings aside).
nlohmann::json genesis_to_json(const GenesisSpec& spec);

/// The genesis allocation as a state diff (one AccountDiff per alloc entry, in address order),
/// e.g. for ChainDb::init_genesis.
state::StateDiff genesis_state_diff(const GenesisSpec& spec);

/// Loads the allocation into an in-memory backend.
void load_genesis_state(const GenesisSpec& spec, state::MemoryBackend& backend);

/// State root of the allocation.
Hash256 genesis_state_root(const GenesisSpec& spec);

/// Block 0 (header with the allocation's state root; no transactions).
Block genesis_block(const GenesisSpec& spec);

/// The built-in `tern dev` genesis: the kDevAccountCount accounts of kDevMnemonic with
/// kDevAccountBalance each, the EIP-4788 beacon roots contract (as geth's dev genesis has),
/// base fee 0 (fixed), gas limit 30M, the given chain id and genesis timestamp.
GenesisSpec dev_genesis(uint64_t chain_id, uint64_t timestamp = 0);

/// The built-in dev genesis under `rules` (`tern dev`'s --chain-id, --base-fee, --gas-limit,
/// --min-gas-price build them): as dev_genesis(rules.chain_id, timestamp), with block 0's gas
/// limit and base fee those of the rules.
GenesisSpec dev_genesis(const ChainConfig& rules, uint64_t timestamp);

/// EIP-4788 beacon roots contract address 0x000F3df6D732807Ef1319fB7B8bB8522d0Beac02.
inline constexpr Address kBeaconRootsAddress = [] {
    constexpr uint8_t a[20] = {0x00, 0x0f, 0x3d, 0xf6, 0xd7, 0x32, 0x80, 0x7e, 0xf1, 0x31,
                               0x9f, 0xb7, 0xb8, 0xbb, 0x85, 0x22, 0xd0, 0xbe, 0xac, 0x02};
    Address r;
    for (size_t i = 0; i < 20; ++i)
        r.bytes[i] = a[i];
    return r;
}();

/// Runtime code of the EIP-4788 beacon roots contract.
BytesView beacon_roots_code() noexcept;

}  // namespace tern::chain
