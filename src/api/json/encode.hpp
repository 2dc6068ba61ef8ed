#pragma once

#include "chain/block.hpp"
#include "core/bytes.hpp"
#include "core/uint256.hpp"
#include "execution/fee_policy.hpp"
#include "execution/receipt.hpp"
#include "state/state.hpp"
#include "transaction/transaction.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>

/// JSON encodings of chain objects exactly as geth's JSON-RPC writes them: quantities as
/// minimal "0x" hex, data as even-length "0x" hex, addresses and hashes lower-case.
namespace tern::api::json_rpc {

/// "0x" + minimal hex ("0x0" for zero).
std::string quantity(uint64_t v);
/// "0x" + minimal hex ("0x0" for zero).
std::string quantity(const U256& v);
/// "0x" + even-length lower-case hex ("0x" for empty).
std::string hex_data(BytesView v);
/// "0x" + 40 hex digits.
std::string address(const Address& a);
/// "0x" + 64 hex digits.
std::string hash(const Hash256& h);

/// Where an included transaction sits: its block and index there.
struct TxLocation
{
    Hash256 block_hash;
    uint64_t block_number = 0;
    uint64_t index = 0;
    U256 base_fee;  ///< base fee of the block (for the effective gas price)
};

/// A transaction object (eth_getTransactionByHash & co): type-specific fields, v/r/s/yParity,
/// and block position (null when `location` is absent: a pending transaction). An included
/// dynamic-fee transaction's gasPrice is what it paid under the chain's `fees`.
nlohmann::json transaction(const Transaction& tx,
                           const Address& sender,
                           const Hash256& tx_hash,
                           const std::optional<TxLocation>& location,
                           const execution::FeePolicy& fees = {});

/// A log as eth_getLogs / receipts return it; `log_index` is its index in the block.
nlohmann::json log(const state::Log& log,
                   const TxLocation& location,
                   const Hash256& tx_hash,
                   uint64_t log_index);

/// A receipt object (eth_getTransactionReceipt). `first_log_index` is the block-wide index of
/// the transaction's first log; effectiveGasPrice is what it paid under the chain's `fees`.
nlohmann::json receipt(const execution::Receipt& receipt,
                       const Transaction& tx,
                       const Address& sender,
                       const Hash256& tx_hash,
                       const TxLocation& location,
                       uint64_t first_log_index,
                       uint64_t excess_blob_gas,
                       const execution::FeePolicy& fees);

/// The header fields of a block object (every Cancun field; no transactions, size,
/// totalDifficulty, uncles, withdrawals). Also what eth_subscribe("newHeads") sends.
nlohmann::json header(const chain::BlockHeader& header, const Hash256& block_hash);

/// A block object (eth_getBlockBy*): header fields plus size, totalDifficulty, uncles,
/// withdrawals and the transactions as hashes or, with `full`, as objects. `senders` and
/// `tx_hashes` are per transaction; `fees` the chain's (the gas price of full transactions).
nlohmann::json block(const chain::Block& block,
                     const Hash256& block_hash,
                     std::span<const Hash256> tx_hashes,
                     bool full,
                     const execution::FeePolicy& fees);

/// Receipts of a whole block (eth_getBlockReceipts), in transaction order.
nlohmann::json block_receipts(const chain::Block& block,
                              const Hash256& block_hash,
                              std::span<const Hash256> tx_hashes,
                              std::span<const execution::Receipt> receipts,
                              const execution::FeePolicy& fees);

}  // namespace tern::api::json_rpc
