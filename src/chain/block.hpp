#pragma once

#include "core/bytes.hpp"
#include "core/keccak.hpp"
#include "core/protocol.hpp"
#include "core/result.hpp"
#include "core/rlp_decode.hpp"
#include "core/uint256.hpp"
#include "execution/receipt.hpp"
#include "transaction/error.hpp"
#include "transaction/transaction.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

/// Blocks, headers and receipts of a Tern chain in their Ethereum (Cancun) consensus encodings.
namespace tern::chain {

/// keccak256(rlp([])): the ommers hash of every post-merge block (no uncles).
inline constexpr Hash256 kEmptyOmmersHash = [] {
    constexpr uint8_t h[32] = {0x1d, 0xcc, 0x4d, 0xe8, 0xde, 0xc7, 0x5d, 0x7a, 0xab, 0x85, 0xb5,
                               0x67, 0xb6, 0xcc, 0xd4, 0x1a, 0xd3, 0x12, 0x45, 0x1b, 0x94, 0x8a,
                               0x74, 0x13, 0xf0, 0xa1, 0x42, 0xfd, 0x40, 0xd4, 0x93, 0x47};
    Hash256 r;
    for (int i = 0; i < 32; ++i)
        r.bytes[static_cast<size_t>(i)] = h[i];
    return r;
}();

/// Why block, header, body or receipt bytes were rejected.
enum class DecodeErrorKind : uint8_t
{
    Rlp,          ///< malformed or non-canonical RLP (see `rlp`)
    FieldCount,   ///< a list has the wrong number of fields (e.g. a pre-Cancun header)
    Transaction,  ///< a transaction of the body failed to decode (see `tx`)
    Ommers,       ///< the ommers list is not empty (never valid after the merge)
    BadValue,     ///< a field is out of range (e.g. receipt status not 0/1, unknown receipt type)
};

/// A decoding error: the kind, plus the underlying RLP or transaction error where relevant,
/// and the static name of the field that failed ("" if not field-specific).
struct DecodeError
{
    DecodeErrorKind kind = DecodeErrorKind::Rlp;
    rlp::DecodingError rlp = rlp::DecodingError::InputTooShort;  ///< for kind Rlp
    TxError tx;                                                  ///< for kind Transaction
    const char* field = "";

    /// Human-readable description, e.g. "block header: rlp (gasLimit): leading zero".
    std::string message() const;
};

/// A Cancun block header (19 + 1 fields after the London/Shanghai/Cancun additions). All
/// post-merge constants take their required values by default: ommers hash of the empty list,
/// difficulty 0, nonce 0, empty withdrawals root.
struct BlockHeader
{
    Hash256 parent_hash;
    Hash256 ommers_hash = kEmptyOmmersHash;
    Address coinbase;  ///< fee recipient
    Hash256 state_root = kEmptyTrieRoot;
    Hash256 transactions_root = kEmptyTrieRoot;
    Hash256 receipts_root = kEmptyTrieRoot;
    execution::Bloom logs_bloom{};
    U256 difficulty;  ///< 0 after the merge
    uint64_t number = 0;
    uint64_t gas_limit = 0;
    uint64_t gas_used = 0;
    uint64_t timestamp = 0;
    Bytes extra_data;    ///< at most 32 bytes in a valid block (not enforced by decode)
    Hash256 mix_hash;    ///< prev_randao after the merge
    uint64_t nonce = 0;  ///< encoded as 8 big-endian bytes; 0 after the merge
    U256 base_fee;       ///< EIP-1559 base fee per gas
    Hash256 withdrawals_root = kEmptyTrieRoot;  ///< EIP-4895
    uint64_t blob_gas_used = 0;                 ///< EIP-4844
    uint64_t excess_blob_gas = 0;               ///< EIP-4844
    Hash256 parent_beacon_block_root;           ///< EIP-4788

    /// RLP of the header: the 20-field list whose keccak is the block hash.
    Bytes encode() const;

    /// Appends the RLP of the header to `out`.
    void encode_to(Bytes& out) const;

    /// Strictly decodes a header spanning all of `in` (exactly the 20 Cancun fields, canonical
    /// RLP, fixed-size fields of the right length, integers within range).
    static Result<BlockHeader, DecodeError> decode(BytesView in);

    /// Decodes a header at the front of `in`, advancing past it.
    static Result<BlockHeader, DecodeError> decode_from(BytesView& in);

    /// Block hash: keccak256(encode()).
    Hash256 hash() const;

    friend bool operator==(const BlockHeader&, const BlockHeader&) = default;
};

/// An EIP-4895 withdrawal (always empty on a Tern chain; kept so Ethereum blocks round-trip).
struct Withdrawal
{
    uint64_t index = 0;
    uint64_t validator_index = 0;
    Address address;
    uint64_t amount_gwei = 0;  ///< in Gwei

    friend bool operator==(const Withdrawal&, const Withdrawal&) = default;
};

/// RLP of a withdrawal: [index, validator_index, address, amount].
Bytes encode_withdrawal(const Withdrawal& w);

/// A block: header, transactions with their recovered senders (senders[i] signed
/// transactions[i]; not part of the encoding) and withdrawals.
struct Block
{
    BlockHeader header;
    std::vector<Transaction> transactions;
    std::vector<Address> senders;  ///< same length as transactions once recovered
    std::vector<Withdrawal> withdrawals;
};

/// A decoded block body (what is stored beside the header): transactions and withdrawals.
struct BlockBody
{
    std::vector<Transaction> transactions;
    std::vector<Withdrawal> withdrawals;
};

/// RLP of the body: [[tx...], [] (ommers), [withdrawal...]] with transactions in block form
/// (legacy as a list, typed as a string of type || payload).
Bytes encode_body(std::span<const Transaction> transactions,
                  std::span<const Withdrawal> withdrawals = {});

/// Strictly decodes a body spanning all of `in`; ommers must be empty. Blob transactions are
/// accepted (they are valid in Cancun blocks).
Result<BlockBody, DecodeError> decode_body(BytesView in);

/// RLP of the whole block: [header, [tx...], [], [withdrawal...]].
Bytes encode_block(const Block& block);

/// Strictly decodes a whole block spanning all of `in`. Senders are left empty (see
/// recover_senders).
Result<Block, DecodeError> decode_block(BytesView in);

/// Recovers every transaction's sender into block.senders; the error of the first transaction
/// whose signature does not recover (or whose chain id differs from `chain_id`) otherwise.
Result<bool, TxError> recover_senders(Block& block, uint64_t chain_id);

/// Receipt in the EIP-2718 consensus form used in the receipts trie: rlp([status,
/// cumulative_gas_used, bloom, logs]) for legacy, type byte || that list for typed receipts.
Bytes encode_receipt(const execution::Receipt& receipt);

/// Decodes the consensus form of a receipt. gas_used and blob_gas_used are not in the encoding
/// and come back 0 (see fill_gas_used); type, status, cumulative gas, bloom and logs are set.
Result<execution::Receipt, DecodeError> decode_receipt(BytesView in);

/// Sets each receipt's gas_used from the difference of consecutive cumulative_gas_used values
/// (receipts of one block, in order).
void fill_gas_used(std::span<execution::Receipt> receipts) noexcept;

/// transactions_root: ordered trie of the transactions' raw (canonical) encodings.
Hash256 transactions_root(std::span<const Transaction> transactions);

/// receipts_root: ordered trie of encode_receipt() of each receipt.
Hash256 receipts_root(std::span<const execution::Receipt> receipts);

/// withdrawals_root: ordered trie of the withdrawals' RLP (kEmptyTrieRoot for none).
Hash256 withdrawals_root(std::span<const Withdrawal> withdrawals);

/// Bloom of a block: the union of its receipts' blooms.
execution::Bloom block_bloom(std::span<const execution::Receipt> receipts) noexcept;

/// EIP-1559 parameters of the London base-fee rule.
inline constexpr uint64_t kBaseFeeChangeDenominator = 8;
/// EIP-1559 elasticity multiplier: the gas target is gas_limit / 2.
inline constexpr uint64_t kElasticityMultiplier = 2;

/// The EIP-1559 base fee of the child of `parent` (parent gas target = gas_limit / 2).
U256 eip1559_next_base_fee(const BlockHeader& parent) noexcept;

/// EIP-4844 target blob gas per block in Cancun (3 blobs).
inline constexpr uint64_t kTargetBlobGasPerBlock = protocol::kTargetBlobGasPerBlock;

/// EIP-4844 excess blob gas of the child of `parent`.
uint64_t next_excess_blob_gas(const BlockHeader& parent) noexcept;

}  // namespace tern::chain
