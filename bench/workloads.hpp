#pragma once

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/uint256.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace tern::bench {

/// One account of a workload's pre-state.
struct AccountSpec
{
    Address address;
    U256 balance;
    uint64_t nonce = 0;
    Bytes code;
    std::map<U256, U256> storage;  ///< non-zero slots
};

/// Block environment visible to the code (NUMBER, TIMESTAMP, COINBASE, ...).
struct BlockSpec
{
    Address coinbase;
    int64_t number = 1;
    int64_t timestamp = 0;
    int64_t gas_limit = 0;
    Hash256 prev_randao;
    U256 base_fee;
    U256 chain_id = 1;
};

/// A benchmark case: one message call from `sender` into `to` with `calldata`, over a fixed
/// pre-state. The same description drives Tern's benchmark and the anvil comparison, so both run
/// the very same code, input and gas.
struct Workload
{
    std::string name;         ///< "contract/keccak_loop", "evmbench/snailtracer/benchmark"
    std::string description;  ///< what the case exercises
    std::vector<AccountSpec> accounts;
    Address sender;
    Address to;
    Bytes calldata;
    int64_t gas_limit = 0;  ///< transaction gas limit; the call gets gas_limit - intrinsic
    U256 gas_price;
    BlockSpec block;
};

/// Intrinsic gas of a plain call transaction without access list (21,000 + 4/16 per zero/non-zero
/// calldata byte): what the first frame does not get of the transaction's gas limit.
int64_t intrinsic_gas(BytesView calldata) noexcept;

/// Transaction gas limit used for every workload (the evm-benchmarks' own value, 10^9).
inline constexpr int64_t kWorkloadGasLimit = 1'000'000'000;

/// Sender used for the Solidity workloads: the state tests' usual sender.
Address default_sender() noexcept;

/// Address the Solidity workload contracts are deployed at.
Address contract_address() noexcept;

/// Loads the Solidity workloads compiled by bench/contracts/compile.mjs: `dir` holds
/// workloads.json and the <Contract>.bin-runtime files.
Result<std::vector<Workload>, std::string> load_contract_workloads(
    const std::filesystem::path& dir);

/// Loads the state-test benchmarks (ipsilon/evm-benchmarks format) found under `dir`
/// (recursively, *.json): one workload per transaction.data entry, named
/// "evmbench/<test>/<label>".
Result<std::vector<Workload>, std::string> load_state_test_workloads(
    const std::filesystem::path& dir);

}  // namespace tern::bench
