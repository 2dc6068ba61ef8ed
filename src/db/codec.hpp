#pragma once

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/uint256.hpp"
#include "execution/receipt.hpp"
#include "state/account.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

/// The byte layouts ChainDb stores: keys (big-endian numbers, so RocksDB's bytewise order is
/// numeric order) and values (accounts, slots, receipts). Internal to the db module.
namespace tern::db::codec {

/// A fixed-size key built on the stack.
template <size_t N>
struct Key
{
    std::array<uint8_t, N> bytes{};

    /// The key as a string view (what rocksdb::Slice takes).
    std::string_view view() const noexcept
    {
        return {reinterpret_cast<const char*>(bytes.data()), N};
    }
};

/// Writes `v` as 8 big-endian bytes at `out`.
inline void put_u64(uint8_t* out, uint64_t v) noexcept
{
    for (int i = 7; i >= 0; --i)
    {
        out[i] = static_cast<uint8_t>(v);
        v >>= 8;
    }
}

/// Reads 8 big-endian bytes at `in`.
inline uint64_t get_u64(const uint8_t* in) noexcept
{
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
        v = (v << 8) | in[i];
    return v;
}

/// Key of a block number: 8 bytes big-endian.
Key<8> number_key(uint64_t number) noexcept;
/// Key of transaction `index` of block `number`: number (8) ++ index (4), big-endian.
Key<12> tx_key(uint64_t number, uint32_t index) noexcept;
/// Flat storage key: address (20) ++ slot (32 big-endian).
Key<52> storage_key(const Address& addr, const U256& slot) noexcept;
/// Account history key: address (20) ++ block number (8).
Key<28> account_history_key(const Address& addr, uint64_t number) noexcept;
/// Storage history key: address (20) ++ slot (32) ++ block number (8).
Key<60> storage_history_key(const Address& addr, const U256& slot, uint64_t number) noexcept;

/// Account value: nonce (8) ++ balance (32) ++ code hash (32), 72 bytes.
std::array<uint8_t, 72> encode_account(const state::AccountInfo& a) noexcept;
/// Inverse of encode_account; nullopt if the size is wrong.
std::optional<state::AccountInfo> decode_account(BytesView v) noexcept;

/// Storage value: big-endian without leading zeros (a zero value is never stored as a slot;
/// in history the empty string means "was zero").
Bytes encode_slot(const U256& v);
/// Inverse of encode_slot; nullopt if longer than 32 bytes.
std::optional<U256> decode_slot(BytesView v) noexcept;

/// Receipts of one block: rlp([[type, status, cumulative_gas, gas_used, blob_gas, logs,
/// revert_reason?]...]) (the reason only on a reverted receipt that has one),
/// with logs as in execution::encode_logs. The bloom is not stored (recomputed from the logs).
Bytes encode_receipts(std::span<const execution::Receipt> receipts);
/// Whether decode_receipts recomputes each receipt's bloom (5 Keccak-256 per ERC-20 transfer
/// log): a caller that needs one receipt of a large block computes only that one's.
enum class Blooms : uint8_t
{
    Compute,  ///< every receipt's bloom from its logs
    Skip,     ///< blooms left zero
};

/// Inverse of encode_receipts; nullopt on malformed input.
std::optional<std::vector<execution::Receipt>> decode_receipts(BytesView v,
                                                               Blooms blooms = Blooms::Compute);

/// One receipt of a block with what its RPC form needs from the receipts before it.
struct ReceiptAt
{
    execution::Receipt receipt;            ///< fully decoded, bloom computed from its logs
    uint64_t previous_cumulative_gas = 0;  ///< cumulative gas of the receipt before (0 if first)
    uint64_t first_log_index = 0;          ///< number of logs in the receipts before it
};

/// Receipt `index` of encode_receipts() bytes without decoding the others: the receipts before
/// it are skimmed (their type and status bytes, cumulative gas, and the RLP headers of their gas
/// fields and of the items of their log list; nothing inside a log is read), the ones after it
/// are not read, so one receipt of a 1,500-receipt block costs a fraction of decode_receipts().
/// nullopt if the block has at most `index` receipts; an error message if the bytes are
/// malformed (the outer list, a skimmed receipt's framing, or the requested receipt itself; a
/// skimmed receipt's log contents are not checked, decode_receipts() would reject those too).
Result<std::optional<ReceiptAt>, std::string> decode_receipt_at(BytesView v, size_t index);

/// One entry of a block's change list (the keys whose history the block wrote), for pruning.
struct ChangedKey
{
    Address address;
    std::optional<U256> slot;  ///< storage slot; absent for the account itself
};

/// Appends a change-list entry: tag 0 ++ address, or tag 1 ++ address ++ slot.
void append_change(Bytes& out, const Address& addr, const U256* slot);
/// Decodes a change list; nullopt on malformed input.
std::optional<std::vector<ChangedKey>> decode_changes(BytesView v);

}  // namespace tern::db::codec
