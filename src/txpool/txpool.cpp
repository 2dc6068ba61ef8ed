#include "txpool/txpool.hpp"

#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "transaction/codec.hpp"
#include "transaction/validation.hpp"

#include <algorithm>
#include <mutex>
#include <set>
#include <utility>

namespace tern::txpool {
namespace {

/// EIP-55 mixed-case hex of an address (geth's Address.Hex(), used in its error details).
std::string checksum_hex(const Address& addr)
{
    const std::string lower = to_hex(addr.view(), false);
    const Hash256 h = keccak256(as_bytes(lower));
    std::string out = "0x";
    out.reserve(42);
    for (size_t i = 0; i < lower.size(); ++i)
    {
        char c = lower[i];
        const uint8_t nibble = (i % 2 == 0) ? (h[i / 2] >> 4) : (h[i / 2] & 0x0f);
        if (c >= 'a' && c <= 'f' && nibble >= 8)
            c = static_cast<char>(c - 'a' + 'A');
        out.push_back(c);
    }
    return out;
}

/// a + b, or nullopt when the sum does not fit in 256 bits.
std::optional<U256> checked_add(const U256& a, const U256& b) noexcept
{
    const U256 s = a + b;
    if (s < a)
        return std::nullopt;
    return s;
}

/// a + b saturated at 2^256-1 (costs and spends compared against balances).
U256 saturating_add(const U256& a, const U256& b) noexcept
{
    return checked_add(a, b).value_or(U256::max());
}

/// gas_limit * max_fee_per_gas + value, saturated at 2^256-1 (geth's tx.Cost()).
U256 transaction_cost(const Transaction& tx) noexcept
{
    if (tx.gas_limit != 0 && tx.max_fee_per_gas > U256::max() / U256{tx.gas_limit})
        return U256::max();
    return saturating_add(U256{tx.gas_limit} * tx.max_fee_per_gas, tx.value);
}

/// floor(v * (100 + bump) / 100), or nullopt when it exceeds 2^256-1.
std::optional<U256> bumped(const U256& v, uint64_t bump_percent) noexcept
{
    if (bump_percent > UINT64_MAX - 100)
        return std::nullopt;
    const U256 factor{100 + bump_percent};
    const U256 q = v / U256{100};
    const U256 r = v % U256{100};
    if (q != 0 && q > U256::max() / factor)
        return std::nullopt;
    return checked_add(q * factor, (r * factor) / U256{100});
}

/// Effective gas price at `base_fee`: min(max_fee, base_fee + priority_fee).
U256 effective_gas_price(const Transaction& tx, const U256& base_fee) noexcept
{
    const auto with_tip = checked_add(base_fee, tx.max_priority_fee_per_gas);
    if (!with_tip || *with_tip > tx.max_fee_per_gas)
        return tx.max_fee_per_gas;
    return *with_tip;
}

/// EIP-7702 delegation designator (0xef0100 || address): such accounts may still send.
bool is_delegation(const Bytes& code) noexcept
{
    return code.size() == 23 && code[0] == 0xef && code[1] == 0x01 && code[2] == 0x00;
}

PoolError make_error(PoolErrorCode code, std::string detail = {})
{
    std::string message(to_string(code));
    if (!detail.empty())
    {
        message += ": ";
        message += detail;
    }
    return PoolError{code, std::move(message)};
}

}  // namespace

std::string_view to_string(PoolErrorCode code) noexcept
{
    switch (code)
    {
        case PoolErrorCode::AlreadyKnown:
            return "already known";
        case PoolErrorCode::TxTypeNotSupported:
            return "transaction type not supported";
        case PoolErrorCode::OversizedData:
            return "oversized data";
        case PoolErrorCode::MaxInitCodeSize:
            return "max initcode size exceeded";
        case PoolErrorCode::GasLimit:
            return "exceeds block gas limit";
        case PoolErrorCode::TipAboveFeeCap:
            return "max priority fee per gas higher than max fee per gas";
        case PoolErrorCode::NonceMax:
            return "nonce has max value";
        case PoolErrorCode::GasUintOverflow:
            return "gas uint64 overflow";
        case PoolErrorCode::IntrinsicGas:
            return "intrinsic gas too low";
        case PoolErrorCode::FeeCapTooLow:
            return "max fee per gas less than block base fee";
        case PoolErrorCode::Underpriced:
            return "transaction underpriced";
        case PoolErrorCode::SenderNoEoa:
            return "sender not an eoa";
        case PoolErrorCode::NonceTooLow:
            return "nonce too low";
        case PoolErrorCode::InsufficientFunds:
            return "insufficient funds for gas * price + value";
        case PoolErrorCode::ReplaceUnderpriced:
            return "replacement transaction underpriced";
        case PoolErrorCode::AccountLimitExceeded:
            return "account limit exceeded";
        case PoolErrorCode::TxPoolOverflow:
            return "txpool is full";
    }
    return "unknown txpool error";
}

TxPool::TxPool(Config config, ChainHead head) : config_(std::move(config)), head_(std::move(head))
{}

// ---- internal bookkeeping (callers hold the unique lock) ----------------------------------------

void TxPool::insert_slot(Sender& s, PooledTxPtr tx)
{
    const uint64_t nonce = tx->tx.nonce;
    s.total_cost = saturating_add(s.total_cost, tx->cost);
    bytes_ += tx->size;
    by_hash_.emplace(tx->hash, tx);
    s.txs.emplace(nonce, Slot{std::move(tx), 0, false});
    ++queued_count_;  // relink_from() moves it to pending when it extends the run
}

void TxPool::erase_slot(Sender& s, std::map<uint64_t, Slot>::iterator it)
{
    Slot& slot = it->second;
    if (slot.pending)
    {
        ready_.erase(ReadyKey{slot.order, it->first});
        --pending_count_;
        --s.pending;
    }
    else
    {
        --queued_count_;
    }
    s.total_cost = s.total_cost >= slot.tx->cost ? s.total_cost - slot.tx->cost : U256{};
    bytes_ -= slot.tx->size;
    by_hash_.erase(slot.tx->hash);
    s.txs.erase(it);
}

void TxPool::relink_from(Sender& s, uint64_t from, std::vector<PooledTxPtr>& promoted)
{
    // Slots below `from` keep their state; walk from `from` recomputing (pending, order) and
    // stop at the first slot whose state is unchanged: everything after it depends only on the
    // walk's running values, which are then unchanged too.
    bool contiguous = true;
    uint64_t expected = s.state_nonce;
    uint64_t running = 0;
    auto it = s.txs.begin();
    if (from > s.state_nonce)
    {
        it = s.txs.lower_bound(from);
        const auto prev = s.txs.find(from - 1);
        contiguous = prev != s.txs.end() && prev->second.pending;
        if (contiguous)
        {
            expected = from;
            running = prev->second.order;
        }
    }
    for (; it != s.txs.end(); ++it)
    {
        Slot& slot = it->second;
        const bool now_pending = contiguous && it->first == expected;
        uint64_t order = 0;
        if (now_pending)
        {
            order = std::max(running, slot.tx->arrival);
            running = order;
            ++expected;
        }
        else
        {
            contiguous = false;
        }
        if (now_pending == slot.pending && (!now_pending || order == slot.order))
            break;
        if (slot.pending)
        {
            ready_.erase(ReadyKey{slot.order, it->first});
            --pending_count_;
            --s.pending;
        }
        else
        {
            --queued_count_;
        }
        if (now_pending)
        {
            ready_.emplace(ReadyKey{order, it->first}, slot.tx);
            ++pending_count_;
            ++s.pending;
            if (!slot.pending)
                promoted.push_back(slot.tx);
        }
        else
        {
            ++queued_count_;
        }
        slot.pending = now_pending;
        slot.order = order;
    }
}

void TxPool::forward(Sender& s, uint64_t state_nonce, std::vector<PooledTxPtr>& promoted)
{
    if (state_nonce == s.state_nonce)
        return;
    while (!s.txs.empty() && s.txs.begin()->first < state_nonce)
        erase_slot(s, s.txs.begin());
    s.state_nonce = state_nonce;
    relink_from(s, 0, promoted);
}

void TxPool::revalidate(SenderMap::iterator sit,
                        const StateView& state,
                        bool full,
                        std::vector<PooledTxPtr>& promoted)
{
    Sender& s = sit->second;
    const auto account = state.read_account(sit->first);
    const uint64_t state_nonce = account ? account->nonce : 0;
    const U256 balance = account ? account->balance : U256{};

    uint64_t from = UINT64_MAX;
    if (state_nonce != s.state_nonce)
    {
        while (!s.txs.empty() && s.txs.begin()->first < state_nonce)
            erase_slot(s, s.txs.begin());
        s.state_nonce = state_nonce;
        from = 0;
    }
    // Keep, in nonce order, what the balance can pay for cumulatively; drop the rest (later
    // nonces stay, queued behind the gap, as geth does).
    U256 spent;
    for (auto it = s.txs.begin(); it != s.txs.end();)
    {
        const PooledTransaction& ptx = *it->second.tx;
        bool drop = false;
        if (full)
            drop = ptx.tx.gas_limit > head_.gas_limit ||
                   (!ptx.fee_exempt && ptx.tx.max_fee_per_gas < head_.base_fee);
        U256 need;
        if (!drop)
        {
            need = saturating_add(spent, ptx.cost);
            drop = need > balance;
        }
        if (drop)
        {
            from = std::min(from, it->first);
            erase_slot(s, it++);
            continue;
        }
        spent = need;
        ++it;
    }
    if (from != UINT64_MAX)
        relink_from(s, from, promoted);
}

void TxPool::notify(std::vector<PooledTxPtr> txs) const
{
    if (txs.empty())
        return;
    std::shared_ptr<const PendingListener> listener;
    {
        std::shared_lock lock(mutex_);
        listener = listener_;
    }
    if (listener && *listener)
        (*listener)(txs);
}

// ---- public API
// ----------------------------------------------------------------------------------

Result<AddResult, PoolError> TxPool::add(Transaction tx,
                                         const Address& sender,
                                         const StateView& state)
{
    // The expensive parts (encoding, hashing, intrinsic gas, state reads) run before taking the
    // lock; the checks themselves run under it, in geth's order.
    const Bytes encoded = encode_transaction(tx);
    const Hash256 hash = keccak256(encoded);
    const auto intrinsic = intrinsic_gas(tx);
    const auto account = state.read_account(sender);
    const uint64_t state_nonce = account ? account->nonce : 0;
    const U256 balance = account ? account->balance : U256{};
    std::optional<size_t> foreign_code;  // set when the sender has code (other than a delegation)
    if (account && account->code_hash != kEmptyCodeHash)
    {
        const auto code = state.read_code(account->code_hash);
        if (!code || !is_delegation(*code))
            foreign_code = code ? code->size() : 0;
    }
    const bool exempt = execution::fee_exempt(config_.fees, tx, sender);
    const U256 cost = exempt ? tx.value : transaction_cost(tx);

    std::vector<PooledTxPtr> promoted;
    auto result = [&]() -> Result<AddResult, PoolError> {
        std::unique_lock lock(mutex_);
        AddResult result;
        result.hash = hash;

        // Stateless checks, in geth's order (txpool.ValidateTransaction).
        if (by_hash_.contains(hash))
            return make_error(PoolErrorCode::AlreadyKnown);
        if (tx.type != TxType::Legacy && tx.type != TxType::AccessList &&
            tx.type != TxType::DynamicFee)
            return make_error(PoolErrorCode::TxTypeNotSupported,
                              "tx type " + std::to_string(static_cast<unsigned>(tx.type)) +
                                  " not supported by this pool");
        if (encoded.size() > config_.max_tx_size)
            return make_error(PoolErrorCode::OversizedData,
                              "transaction size " + std::to_string(encoded.size()) + ", limit " +
                                  std::to_string(config_.max_tx_size));
        if (!tx.to && tx.data.size() > tx_gas::kMaxInitcodeSize)
            return make_error(PoolErrorCode::MaxInitCodeSize,
                              "code size " + std::to_string(tx.data.size()) + ", limit " +
                                  std::to_string(tx_gas::kMaxInitcodeSize));
        if (tx.gas_limit > head_.gas_limit)
            return make_error(PoolErrorCode::GasLimit);
        if (tx.max_priority_fee_per_gas > tx.max_fee_per_gas)
            return make_error(PoolErrorCode::TipAboveFeeCap);
        if (tx.nonce == UINT64_MAX)
            return make_error(PoolErrorCode::NonceMax);
        if (!intrinsic)
            return make_error(PoolErrorCode::GasUintOverflow);
        if (tx.gas_limit < *intrinsic)
            return make_error(PoolErrorCode::IntrinsicGas, "gas " + std::to_string(tx.gas_limit) +
                                                               ", minimum needed " +
                                                               std::to_string(*intrinsic));
        if (!exempt && tx.max_fee_per_gas < head_.base_fee)
            return make_error(PoolErrorCode::FeeCapTooLow,
                              "address " + checksum_hex(sender) +
                                  ", maxFeePerGas: " + tx.max_fee_per_gas.to_dec() +
                                  ", baseFee: " + head_.base_fee.to_dec());
        if (const U256 price = effective_gas_price(tx, head_.base_fee);
            !exempt && price < config_.min_gas_price)
            return make_error(PoolErrorCode::Underpriced, "effective gas price " + price.to_dec() +
                                                              ", minimum needed " +
                                                              config_.min_gas_price.to_dec());

        // Stateful checks (txpool.ValidateTransactionWithState and the EIP-3607 rule).
        if (foreign_code)
            return make_error(PoolErrorCode::SenderNoEoa,
                              "address " + checksum_hex(sender) +
                                  ", len(code): " + std::to_string(*foreign_code));
        // The pool may know a newer nonce than `state` (a stale view) or an older one (a block
        // landed before remove_included()): use the higher, forwarding the sender's queue.
        auto sit = senders_.find(sender);
        uint64_t next_nonce = state_nonce;
        if (sit != senders_.end())
        {
            if (sit->second.state_nonce < state_nonce)
                forward(sit->second, state_nonce, promoted);
            next_nonce = sit->second.state_nonce;
            if (sit->second.txs.empty())
            {
                senders_.erase(sit);
                sit = senders_.end();
            }
        }
        if (tx.nonce < next_nonce)
            return make_error(PoolErrorCode::NonceTooLow,
                              "next nonce " + std::to_string(next_nonce) + ", tx nonce " +
                                  std::to_string(tx.nonce));
        if (balance < cost)
            return make_error(PoolErrorCode::InsufficientFunds,
                              "balance " + balance.to_dec() + ", tx cost " + cost.to_dec() +
                                  ", overshot " + (cost - balance).to_dec());

        const Sender* existing = sit != senders_.end() ? &sit->second : nullptr;
        const Slot* old = nullptr;
        if (existing)
        {
            const auto oit = existing->txs.find(tx.nonce);
            if (oit != existing->txs.end())
                old = &oit->second;
        }

        // Funds for this and the sender's other pooled transactions.
        const U256 spent = existing ? existing->total_cost : U256{};
        if (old)
        {
            const U256& prev = old->tx->cost;
            const U256 others = spent >= prev ? spent - prev : U256{};
            const U256 need = saturating_add(others, cost);
            if (balance < need)
            {
                const std::string bump =
                    cost >= prev ? (cost - prev).to_dec() : "-" + (prev - cost).to_dec();
                return make_error(PoolErrorCode::InsufficientFunds,
                                  "balance " + balance.to_dec() + ", queued cost " +
                                      spent.to_dec() + ", tx bumped " + bump + ", overshot " +
                                      (need - balance).to_dec());
            }
        }
        else
        {
            const U256 need = saturating_add(spent, cost);
            if (balance < need)
                return make_error(PoolErrorCode::InsufficientFunds,
                                  "balance " + balance.to_dec() + ", queued cost " +
                                      spent.to_dec() + ", tx cost " + cost.to_dec() +
                                      ", overshot " + (need - balance).to_dec());
            // Limits apply to transactions taking a new nonce.
            const uint64_t run_end = next_nonce + (existing ? existing->pending : 0);
            const bool to_pending = tx.nonce == run_end;
            const size_t sender_pending = existing ? existing->pending : 0;
            const size_t sender_queued = existing ? existing->txs.size() - existing->pending : 0;
            if (to_pending)
            {
                if (sender_pending >= config_.max_pending_per_sender)
                    return make_error(PoolErrorCode::AccountLimitExceeded,
                                      "pooled " + std::to_string(sender_pending) + " pending txs");
                if (pending_count_ >= config_.max_pending)
                    return make_error(PoolErrorCode::TxPoolOverflow);
            }
            else
            {
                if (sender_queued >= config_.max_queued_per_sender)
                    return make_error(PoolErrorCode::AccountLimitExceeded,
                                      "pooled " + std::to_string(sender_queued) + " queued txs");
                if (queued_count_ >= config_.max_queued)
                    return make_error(PoolErrorCode::TxPoolOverflow);
            }
        }

        // The memory bound: the pool's bytes after this transaction (and without the one it
        // replaces) stay within max_bytes.
        if (bytes_ - (old ? old->tx->size : 0) + encoded.size() > config_.max_bytes)
            return make_error(PoolErrorCode::TxPoolOverflow);

        // Replacement: geth's rule (both fee fields strictly higher and raised by at least
        // price_bump_percent), except that a free transaction may be replaced by anything.
        if (old)
        {
            const Transaction& o = old->tx->tx;
            const bool free_old = o.max_fee_per_gas == 0 && o.max_priority_fee_per_gas == 0;
            bool ok = config_.allow_zero_fee_replacement && free_old;
            if (!ok && tx.max_fee_per_gas > o.max_fee_per_gas &&
                tx.max_priority_fee_per_gas > o.max_priority_fee_per_gas)
            {
                const auto fee_threshold = bumped(o.max_fee_per_gas, config_.price_bump_percent);
                const auto tip_threshold =
                    bumped(o.max_priority_fee_per_gas, config_.price_bump_percent);
                ok = fee_threshold && tip_threshold && tx.max_fee_per_gas >= *fee_threshold &&
                     tx.max_priority_fee_per_gas >= *tip_threshold;
            }
            if (!ok)
                return make_error(PoolErrorCode::ReplaceUnderpriced);
        }

        // Accepted.
        if (sit == senders_.end())
        {
            sit = senders_.emplace(sender, Sender{}).first;
            sit->second.state_nonce = next_nonce;
        }
        Sender& s = sit->second;
        if (old)
        {
            result.replaced = old->tx->hash;
            erase_slot(s, s.txs.find(tx.nonce));
        }
        auto ptx = std::make_shared<PooledTransaction>();
        ptx->sender = sender;
        ptx->hash = hash;
        ptx->arrival = next_arrival_++;
        ptx->size = encoded.size();
        ptx->cost = cost;
        ptx->fee_exempt = exempt;
        const uint64_t nonce = tx.nonce;
        ptx->tx = std::move(tx);
        insert_slot(s, std::move(ptx));
        relink_from(s, nonce, promoted);
        result.pending = s.txs.at(nonce).pending;
        result.promoted = promoted;
        return result;
    }();
    notify(std::move(promoted));  // also after a rejection: forward() may have promoted some
    return result;
}

std::vector<PooledTxPtr> TxPool::pending(size_t max_count, uint64_t max_gas) const
{
    std::vector<PooledTxPtr> out;
    std::shared_lock lock(mutex_);
    out.reserve(std::min(max_count, ready_.size()));
    std::set<Address> blocked;  // senders with a skipped transaction: their later ones wait
    uint64_t gas_left = max_gas;
    for (const auto& [key, ptx] : ready_)
    {
        if (out.size() >= max_count || gas_left == 0)
            break;
        if (!blocked.empty() && blocked.contains(ptx->sender))
            continue;
        if (ptx->tx.gas_limit > gas_left)
        {
            blocked.insert(ptx->sender);
            continue;
        }
        gas_left -= ptx->tx.gas_limit;
        out.push_back(ptx);
    }
    return out;
}

std::vector<PooledTxPtr> TxPool::remove_included(const StateView& state,
                                                 const ChainHead& head,
                                                 std::span<const Address> block_senders)
{
    std::vector<PooledTxPtr> promoted;
    {
        std::unique_lock lock(mutex_);
        // Only a lower gas limit or a higher base fee can invalidate other senders' transactions.
        const bool stricter = head.gas_limit < head_.gas_limit || head.base_fee > head_.base_fee;
        head_ = head;
        if (stricter)
        {
            for (auto it = senders_.begin(); it != senders_.end();)
            {
                revalidate(it, state, true, promoted);
                it = it->second.txs.empty() ? senders_.erase(it) : std::next(it);
            }
        }
        else
        {
            std::vector<Address> unique(block_senders.begin(), block_senders.end());
            std::sort(unique.begin(), unique.end());
            unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
            for (const Address& addr : unique)
            {
                auto it = senders_.find(addr);
                if (it == senders_.end())
                    continue;
                revalidate(it, state, false, promoted);
                if (it->second.txs.empty())
                    senders_.erase(it);
            }
        }
    }
    notify(promoted);
    return promoted;
}

std::vector<PooledTxPtr> TxPool::reset(const StateView& state, const ChainHead& head)
{
    std::vector<PooledTxPtr> promoted;
    {
        std::unique_lock lock(mutex_);
        head_ = head;
        for (auto it = senders_.begin(); it != senders_.end();)
        {
            revalidate(it, state, true, promoted);
            it = it->second.txs.empty() ? senders_.erase(it) : std::next(it);
        }
    }
    notify(promoted);
    return promoted;
}

bool TxPool::remove(const Hash256& hash)
{
    std::unique_lock lock(mutex_);
    const auto hit = by_hash_.find(hash);
    if (hit == by_hash_.end())
        return false;
    const auto sit = senders_.find(hit->second->sender);
    Sender& s = sit->second;
    const uint64_t nonce = hit->second->tx.nonce;
    erase_slot(s, s.txs.find(nonce));
    std::vector<PooledTxPtr> promoted;  // stays empty: removal only demotes
    relink_from(s, nonce, promoted);
    if (s.txs.empty())
        senders_.erase(sit);
    return true;
}

void TxPool::clear()
{
    std::unique_lock lock(mutex_);
    senders_.clear();
    by_hash_.clear();
    ready_.clear();
    pending_count_ = 0;
    queued_count_ = 0;
    bytes_ = 0;
}

PooledTxPtr TxPool::get(const Hash256& hash) const
{
    std::shared_lock lock(mutex_);
    const auto it = by_hash_.find(hash);
    return it == by_hash_.end() ? nullptr : it->second;
}

bool TxPool::contains(const Hash256& hash) const
{
    std::shared_lock lock(mutex_);
    return by_hash_.contains(hash);
}

std::optional<uint64_t> TxPool::pending_nonce(const Address& sender) const
{
    std::shared_lock lock(mutex_);
    const auto it = senders_.find(sender);
    if (it == senders_.end())
        return std::nullopt;
    return it->second.state_nonce + it->second.pending;
}

Content TxPool::content() const
{
    std::shared_lock lock(mutex_);
    Content out;
    for (const auto& [addr, s] : senders_)
    {
        SenderContent& c = out[addr];
        for (const auto& [nonce, slot] : s.txs)
            (slot.pending ? c.pending : c.queued).push_back(slot.tx);
    }
    return out;
}

SenderContent TxPool::content_from(const Address& sender) const
{
    std::shared_lock lock(mutex_);
    SenderContent c;
    const auto it = senders_.find(sender);
    if (it == senders_.end())
        return c;
    for (const auto& [nonce, slot] : it->second.txs)
        (slot.pending ? c.pending : c.queued).push_back(slot.tx);
    return c;
}

Status TxPool::status() const
{
    std::shared_lock lock(mutex_);
    return Status{pending_count_, queued_count_};
}

size_t TxPool::size() const
{
    std::shared_lock lock(mutex_);
    return by_hash_.size();
}

ChainHead TxPool::head() const
{
    std::shared_lock lock(mutex_);
    return head_;
}

void TxPool::set_listener(PendingListener listener)
{
    auto ptr = listener ? std::make_shared<const PendingListener>(std::move(listener)) : nullptr;
    std::unique_lock lock(mutex_);
    listener_ = std::move(ptr);
}

}  // namespace tern::txpool
