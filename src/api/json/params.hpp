#pragma once

#include "api/services/call.hpp"
#include "core/bytes.hpp"
#include "core/uint256.hpp"
#include "rpc/dispatcher.hpp"
#include "transaction/transaction.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

/// JSON-RPC parameter parsing with geth's error messages. Every parser throws rpc::Error
/// (-32602 "invalid argument N: ...") on bad input.
namespace tern::api::params {

/// Parameter `i` of a params array (null when absent).
const nlohmann::json& at(const nlohmann::json& params, size_t i);

/// Checks the number of positional arguments: "missing value for required argument N",
/// "too many arguments, want at most N".
void expect_count(const nlohmann::json& params, size_t required, size_t max);

/// A 20-byte address.
Address address(const nlohmann::json& v, size_t index);
/// A 32-byte hash.
Hash256 hash(const nlohmann::json& v, size_t index);
/// A quantity that fits in 64 bits ("0x" hex without leading zeros).
uint64_t quantity_u64(const nlohmann::json& v, size_t index);
/// A 256-bit quantity.
U256 quantity(const nlohmann::json& v, size_t index);
/// Hex data ("0x" + even number of digits).
Bytes data(const nlohmann::json& v, size_t index);
/// A storage slot key: hex of up to 32 bytes, "0x" optional (geth accepts short and odd-length
/// keys here). Not hex or too long: -32000 "unable to decode storage key: ..." (geth).
U256 storage_key(const nlohmann::json& v, size_t index);

/// A block reference: a tag, a number, or (EIP-1898) a hash.
struct BlockId
{
    enum class Kind : uint8_t
    {
        Latest,
        Earliest,
        Pending,
        Safe,
        Finalized,
        Number,
        Hash,
    };
    Kind kind = Kind::Latest;
    uint64_t number = 0;
    Hash256 hash;
    bool require_canonical = false;
};

/// A block number or tag ("latest", "earliest", "pending", "safe", "finalized", "0x..."); with
/// `allow_hash`, also an EIP-1898 object {blockHash[, requireCanonical]} / {blockNumber} or a
/// bare 32-byte hash string. Absent (null): latest.
BlockId block_id(const nlohmann::json& v, size_t index, bool allow_hash);

/// geth's TransactionArgs (eth_call, eth_estimateGas, eth_sendTransaction, ...), unresolved.
struct TxArgs
{
    std::optional<Address> from;
    std::optional<Address> to;
    std::optional<uint64_t> gas;
    std::optional<U256> gas_price;
    std::optional<U256> max_fee_per_gas;
    std::optional<U256> max_priority_fee_per_gas;
    std::optional<U256> value;
    std::optional<uint64_t> nonce;
    std::optional<Bytes> data;  ///< `input`, or `data` (equal if both are given)
    std::optional<std::vector<AccessListEntry>> access_list;
    std::optional<U256> chain_id;
    std::optional<uint64_t> type;
    std::optional<U256> max_fee_per_blob_gas;
    std::vector<Hash256> blob_hashes;
};

/// Parses a transaction-args object.
TxArgs tx_args(const nlohmann::json& v, size_t index);

/// Parses an access list array.
std::vector<AccessListEntry> access_list(const nlohmann::json& v, size_t index);

/// Parses a state-override object {address: {balance, nonce, code, state, stateDiff}}.
StateOverrides state_overrides(const nlohmann::json& v, size_t index);

/// Parses geth's BlockOverrides {number, difficulty, time, gasLimit, feeRecipient, prevRandao,
/// baseFeePerGas, blobBaseFee}: keys match case-insensitively and unknown keys are ignored (Go's
/// encoding/json, as geth); `beaconRoot` and `withdrawals` are refused with geth's -32000
/// "block override \"beaconRoot\" is not supported for this RPC method". Absent (null): none.
BlockOverrides block_overrides(const nlohmann::json& v, size_t index);

/// "invalid argument N: message" (-32602).
rpc::Error invalid(size_t index, const std::string& message);

/// Throws geth's type-mismatch error for argument `index`: "json: cannot unmarshal <JSON kind>
/// into Go value of type <go_type>" (-32602).
[[noreturn]] void unmarshal_error(size_t index, const nlohmann::json& v, const char* go_type);

}  // namespace tern::api::params
