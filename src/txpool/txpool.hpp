#pragma once

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/uint256.hpp"
#include "execution/fee_policy.hpp"
#include "state/reader.hpp"
#include "transaction/transaction.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tern::txpool {

/// What the pool reads from the head state: nonce, balance and code hash of senders (and the code
/// itself for the EIP-3607 check). ChainDb's head reader or a MemoryBackend (tests).
using StateView = state::StateReader;

/// Why the pool rejected a transaction. Each code carries geth's message (see to_string); the
/// full PoolError message adds geth's details ("nonce too low: next nonce 5, tx nonce 3").
enum class PoolErrorCode : uint8_t
{
    AlreadyKnown,          ///< "already known": the same hash is in the pool
    TxTypeNotSupported,    ///< "transaction type not supported": type 3 (blob) and 4 (set code)
    OversizedData,         ///< "oversized data": encoding larger than Config::max_tx_size
    MaxInitCodeSize,       ///< "max initcode size exceeded": create with > 49152 bytes (EIP-3860)
    GasLimit,              ///< "exceeds block gas limit": gas_limit > the head's block gas limit
    TipAboveFeeCap,        ///< "max priority fee per gas higher than max fee per gas"
    NonceMax,              ///< "nonce has max value": nonce == 2^64-1 (EIP-2681)
    GasUintOverflow,       ///< "gas uint64 overflow": intrinsic gas does not fit in 64 bits
    IntrinsicGas,          ///< "intrinsic gas too low": gas_limit < intrinsic gas
    FeeCapTooLow,          ///< "max fee per gas less than block base fee"
    Underpriced,           ///< "transaction underpriced": below Config::min_gas_price
    SenderNoEoa,           ///< "sender not an eoa": the sender has code (EIP-3607)
    NonceTooLow,           ///< "nonce too low": nonce < the sender's state nonce
    InsufficientFunds,     ///< "insufficient funds for gas * price + value"
    ReplaceUnderpriced,    ///< "replacement transaction underpriced": fee bump too small
    AccountLimitExceeded,  ///< "account limit exceeded": per-sender pending/queued limit
    TxPoolOverflow,        ///< "txpool is full": pool-wide pending/queued limit
};

/// geth's fixed message of a code, e.g. "nonce too low".
std::string_view to_string(PoolErrorCode code) noexcept;

/// A rejection: the code to branch on and the message to show (geth's wording, starting with
/// to_string(code), e.g. "insufficient funds for gas * price + value: balance 0, tx cost 21000,
/// overshot 21000"). JSON-RPC returns `message` as the error message (code -32000).
struct PoolError
{
    PoolErrorCode code = PoolErrorCode::AlreadyKnown;
    std::string message;
};

/// Pool configuration. Defaults suit the zero-fee dev chain.
struct Config
{
    /// Lowest effective gas price accepted: min(max_fee, base_fee + priority_fee) at the head's
    /// base fee (for legacy transactions, the gas price). 0 accepts free transactions.
    U256 min_gas_price;
    /// Percentage by which a replacement must raise both fee fields (geth's --txpool.pricebump).
    uint64_t price_bump_percent = 10;
    /// When the pooled transaction pays nothing (both fee fields 0), a replacement with fees
    /// that are also 0 is accepted (geth rejects it, requiring a strict increase; on a zero-fee
    /// chain that would make a free transaction impossible to replace without paying).
    bool allow_zero_fee_replacement = true;
    /// Largest accepted transaction encoding in bytes (geth: 4 * 32 KiB).
    size_t max_tx_size = 128 * 1024;
    /// Executable (pending) transactions one sender may hold.
    size_t max_pending_per_sender = 1024;
    /// Non-executable (queued, behind a nonce gap) transactions one sender may hold.
    size_t max_queued_per_sender = 64;
    /// Executable transactions in the whole pool. Promotions of queued transactions (a gap
    /// filled, a block included) may exceed it by at most max_queued.
    size_t max_pending = 10'000;
    /// Queued transactions in the whole pool.
    size_t max_queued = 5'000;
    /// Bytes of all pooled transactions (their encodings): the pool's memory bound now that one
    /// transaction may be megabytes (a FileStorage chunk). geth bounds it in 32 KiB slots
    /// (5120 of them, 160 MiB); more: "txpool is full".
    size_t max_bytes = size_t{256} << 20;
    /// Who pays for gas (the chain's rules): a fee-exempt transaction (a zero-fee chain, or a
    /// proof-of-work gas price) costs its value only, and its fee fields are not checked
    /// against the base fee or min_gas_price.
    execution::FeePolicy fees;
};

/// The head parameters validation depends on; passed at construction and on every new head.
struct ChainHead
{
    U256 base_fee;                    ///< base fee of the next block
    uint64_t gas_limit = 30'000'000;  ///< gas limit of the next block

    friend bool operator==(const ChainHead&, const ChainHead&) = default;
};

/// A transaction accepted into the pool, immutable and shared (the pool, pending() results and
/// RPC views hold the same object).
struct PooledTransaction
{
    Transaction tx;  ///< the transaction
    Address sender;  ///< recovered by the caller
    Hash256 hash;    ///< keccak256 of the canonical encoding
    uint64_t arrival =
        0;            ///< arrival sequence number (first-come order; a replacement gets a new one)
    size_t size = 0;  ///< canonical encoding size in bytes
    /// gas_limit * max_fee_per_gas + value (saturated at 2^256-1); the value alone when
    /// fee_exempt.
    U256 cost;
    /// Pays no fee under Config::fees (execution::fee_exempt).
    bool fee_exempt = false;
};

/// Shared handle to a pooled transaction.
using PooledTxPtr = std::shared_ptr<const PooledTransaction>;

/// Outcome of a successful add().
struct AddResult
{
    Hash256 hash;                       ///< the transaction's hash
    bool pending = false;               ///< executable now (false: queued behind a nonce gap)
    std::optional<Hash256> replaced;    ///< the transaction it replaced (same sender and nonce)
    std::vector<PooledTxPtr> promoted;  ///< newly executable transactions in pending order
                                        ///< (this one first if pending, then queued ones it
                                        ///< unblocked); feeds newPendingTransactions
};

/// One sender's transactions, in nonce order.
struct SenderContent
{
    std::vector<PooledTxPtr> pending;  ///< executable, contiguous from the state nonce
    std::vector<PooledTxPtr> queued;   ///< behind a nonce gap
};

/// Snapshot of the pool by sender (txpool_content / txpool_inspect), senders in address order.
using Content = std::map<Address, SenderContent>;

/// Pool counts (txpool_status).
struct Status
{
    size_t pending = 0;  ///< executable transactions
    size_t queued = 0;   ///< transactions behind a nonce gap
};

/// Callback invoked (outside the pool's lock) with transactions that became executable, in
/// pending order: on add, on promotion after a block, on reset.
using PendingListener = std::function<void(const std::vector<PooledTxPtr>&)>;

/// Transaction pool with the no-MEV rule: executable transactions leave the pool in the order they
/// arrived (first come, first served), never by fee, while each sender's transactions keep nonce
/// order. A transaction whose predecessor (nonce - 1) arrived later is emitted right after it.
///
/// Per sender, transactions are kept by nonce: the run contiguous from the sender's state nonce
/// is pending (executable); transactions after a gap are queued until the gap fills.
/// Thread-safe: every member takes the pool's internal lock.
///
/// Where it deliberately differs from geth's legacy pool:
/// - no fee priority anywhere: a full pool rejects newcomers ("txpool is full") instead of
///   evicting cheaper transactions, and a per-sender limit rejects ("account limit exceeded")
///   instead of truncating the sender's queue;
/// - a replacement is a new arrival (it cannot keep an earlier place with new content), and a
///   transaction paying nothing may be replaced at the same zero price (geth requires both fee
///   fields to rise strictly, so 0 -> 0 is "replacement transaction underpriced" there); see
///   Config::allow_zero_fee_replacement;
/// - a max fee below the base fee is refused at admission (as anvil does; geth keeps it queued);
/// - the minimum price applies to the effective gas price at the current base fee (geth: to the
///   priority fee; the two agree when the base fee is 0);
/// - the balance must cover all of the sender's pooled transactions, queued ones included;
/// - EIP-3607 (sender with code) is checked at admission; queued transactions never expire by
///   time (no clocks), only through limits, remove() or revalidation.
class TxPool
{
public:
    /// An empty pool validating against `head`.
    explicit TxPool(Config config = {}, ChainHead head = {});

    TxPool(const TxPool&) = delete;
    TxPool& operator=(const TxPool&) = delete;

    /// Validates and adds a transaction whose signature and chain id the caller checked
    /// (`sender` recovered). `state` is the head state (sender nonce, balance, code). Checks,
    /// in geth's order: known hash, type (0/1/2 only), size, initcode size, block gas limit,
    /// priority fee <= max fee, nonce < 2^64-1, intrinsic gas, max fee >= base fee, minimum
    /// price, sender without code (EIP-3607), nonce >= state nonce, balance for this and the
    /// sender's other pooled transactions, replacement bump, limits.
    Result<AddResult, PoolError> add(Transaction tx, const Address& sender, const StateView& state);

    /// Executable transactions in first-come order (each sender's in nonce order): at most
    /// `max_count`, and at most `max_gas` summed gas limits (a transaction that does not fit
    /// is skipped together with the rest of its sender's; others continue).
    std::vector<PooledTxPtr> pending(size_t max_count = std::numeric_limits<size_t>::max(),
                                     uint64_t max_gas = std::numeric_limits<uint64_t>::max()) const;

    /// After a block was committed: `block_senders` are the senders of its transactions (any
    /// order, duplicates allowed). Each of them is revalidated against the new head `state`:
    /// transactions with nonces below the state nonce (the included ones and any stale) are
    /// dropped, those the balance can no longer pay are dropped, queued ones that became
    /// executable are promoted. Only senders' own transactions lower nonces and balances, so
    /// other senders are untouched — unless `head` is stricter than the previous head (a lower
    /// gas limit or a higher base fee), which revalidates every sender like reset(). Returns the
    /// promoted transactions (also passed to the listener).
    std::vector<PooledTxPtr> remove_included(const StateView& state,
                                             const ChainHead& head,
                                             std::span<const Address> block_senders);

    /// Revalidates every sender against `state` and `head` (after a restart, a reorg or a
    /// configuration change): as remove_included() for all senders, and also drops
    /// transactions whose gas limit exceeds the block gas limit or whose max fee is below the
    /// base fee. Returns the promoted transactions.
    std::vector<PooledTxPtr> reset(const StateView& state, const ChainHead& head);

    /// Removes one transaction (e.g. the block builder found it invalid); later nonces of the
    /// same sender become queued (a gap). Returns false if it was not in the pool.
    bool remove(const Hash256& hash);

    /// Removes everything.
    void clear();

    /// The pooled transaction with this hash, or null.
    PooledTxPtr get(const Hash256& hash) const;

    /// True if the hash is in the pool.
    bool contains(const Hash256& hash) const;

    /// The next nonce of `sender` counting its pending transactions (eth_getTransactionCount
    /// "pending"): the state nonce plus the pending run; nullopt if the pool holds nothing of it.
    std::optional<uint64_t> pending_nonce(const Address& sender) const;

    /// All transactions by sender.
    Content content() const;

    /// One sender's transactions (txpool_contentFrom).
    SenderContent content_from(const Address& sender) const;

    /// Pending and queued counts.
    Status status() const;

    /// Number of transactions (pending + queued).
    size_t size() const;

    /// The head parameters in use.
    ChainHead head() const;

    /// The configuration.
    const Config& config() const noexcept { return config_; }

    /// Installs the listener for newly executable transactions (replaces any previous one;
    /// an empty function removes it). Called outside the lock, possibly from several threads.
    void set_listener(PendingListener listener);

private:
    struct Slot
    {
        PooledTxPtr tx;
        uint64_t order = 0;    ///< effective arrival: max arrival over the sender's pending prefix
        bool pending = false;  ///< in the run contiguous from the state nonce (linked in ready_)
    };
    struct Sender
    {
        uint64_t state_nonce = 0;      ///< nonce at the head when last checked
        std::map<uint64_t, Slot> txs;  ///< by nonce
        size_t pending = 0;            ///< length of the run contiguous from state_nonce
        U256 total_cost;               ///< sum of the costs of txs (never above the balance)
    };
    using SenderMap = std::map<Address, Sender>;
    using ReadyKey = std::pair<uint64_t, uint64_t>;  ///< (effective arrival, nonce)

    void insert_slot(Sender& s, PooledTxPtr tx);
    void erase_slot(Sender& s, std::map<uint64_t, Slot>::iterator it);
    void relink_from(Sender& s, uint64_t from, std::vector<PooledTxPtr>& promoted);
    void forward(Sender& s, uint64_t state_nonce, std::vector<PooledTxPtr>& promoted);
    void revalidate(SenderMap::iterator it,
                    const StateView& state,
                    bool full,
                    std::vector<PooledTxPtr>& promoted);
    void notify(std::vector<PooledTxPtr> txs) const;

    Config config_;
    ChainHead head_;
    mutable std::shared_mutex mutex_;
    uint64_t next_arrival_ = 0;
    size_t pending_count_ = 0;
    size_t queued_count_ = 0;
    size_t bytes_ = 0;  ///< sum of the pooled transactions' sizes
    SenderMap senders_;
    std::unordered_map<Hash256, PooledTxPtr> by_hash_;  ///< lookups only, never iterated
    std::map<ReadyKey, PooledTxPtr> ready_;             ///< pending transactions in emit order
    std::shared_ptr<const PendingListener> listener_;
};

}  // namespace tern::txpool
