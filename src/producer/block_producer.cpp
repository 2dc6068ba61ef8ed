#include "producer/block_producer.hpp"

#include "chain/state_root_tracker.hpp"
#include "db/chain_db.hpp"
#include "evm/vm.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

namespace tern::producer {

std::vector<txpool::PooledTxPtr> order_transactions(std::span<const txpool::PooledTxPtr> arrivals,
                                                    const state::StateReader& state)
{
    // Per sender: nonce -> (arrival position, transaction); the first arrival of a nonce wins.
    std::map<Address, std::map<uint64_t, std::pair<size_t, const txpool::PooledTxPtr*>>> senders;
    for (size_t pos = 0; pos < arrivals.size(); ++pos)
    {
        const auto& ptx = arrivals[pos];
        senders[ptx->sender].try_emplace(ptx->tx.nonce, pos, &ptx);
    }
    // Sort key: (latest arrival over the sender's run up to the transaction, nonce). Positions
    // are unique, so two senders never share the first component.
    std::vector<std::tuple<size_t, uint64_t, const txpool::PooledTxPtr*>> keyed;
    for (const auto& [sender, by_nonce] : senders)
    {
        const auto account = state.read_account(sender);
        uint64_t next = account ? account->nonce : 0;
        size_t place = 0;
        for (auto it = by_nonce.lower_bound(next); it != by_nonce.end() && it->first == next;
             ++it, ++next)
        {
            place = std::max(place, it->second.first);
            keyed.emplace_back(place, it->first, it->second.second);
        }
    }
    std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) {
        return std::tie(std::get<0>(a), std::get<1>(a)) < std::tie(std::get<0>(b), std::get<1>(b));
    });
    std::vector<txpool::PooledTxPtr> out;
    out.reserve(keyed.size());
    for (const auto& k : keyed)
        out.push_back(*std::get<2>(k));
    return out;
}

std::vector<txpool::PooledTxPtr> fit_transactions(
    std::span<const txpool::PooledTxPtr> ordered,
    uint64_t max_gas,
    size_t max_bytes,
    const std::function<size_t(const txpool::PooledTransaction&)>& size_of)
{
    std::vector<txpool::PooledTxPtr> out;
    std::set<Address> blocked;  // senders with a skipped transaction: their later ones wait
    uint64_t gas_left = max_gas;
    size_t bytes_left = max_bytes;
    for (const auto& ptx : ordered)
    {
        if (gas_left == 0 || bytes_left == 0)
            break;
        if (!blocked.empty() && blocked.contains(ptx->sender))
            continue;
        const size_t size = size_of ? size_of(*ptx) : 0;
        if (ptx->tx.gas_limit > gas_left || size > bytes_left)
        {
            blocked.insert(ptx->sender);
            continue;
        }
        gas_left -= ptx->tx.gas_limit;
        bytes_left -= size;
        out.push_back(ptx);
    }
    return out;
}

BlockProducer::BlockProducer(const chain::ChainConfig& chain_config,
                             db::ChainDb& db,
                             txpool::TxPool& pool,
                             chain::StateRootTracker& tracker)
    : chain_config_(chain_config),
      db_(db),
      pool_(pool),
      tracker_(tracker),
      vm_(std::make_unique<evm::Vm>())
{}

BlockProducer::~BlockProducer() = default;

ExecutedBlock BlockProducer::execute(uint64_t timestamp,
                                     std::span<const txpool::PooledTxPtr> candidates)
{
    const auto parent = db_.header(db_.head_number());
    TERN_ASSERT(parent.has_value());
    const uint64_t ts = std::max(timestamp, parent->timestamp);
    const auto head_view = db_.head_state();
    const db::StateView* view = head_view.get();
    chain::BlockBuilder builder{*parent,
                                *head_view,
                                chain_config_.chain_id,
                                chain::next_block_attributes(chain_config_, *parent, ts),
                                [view](uint64_t n) {
                                    const auto h = view->block_hash(n);
                                    return h ? *h : Hash256{};
                                },
                                *vm_};
    ExecutedBlock out;
    out.outcomes.reserve(candidates.size());
    for (const auto& p : candidates)
    {
        if (builder.gas_left() < kMinTxGas)
        {
            out.outcomes.emplace_back(
                execution::InvalidTx{execution::InvalidTxKind::GasLimitExceedsBlock, {}});
            continue;
        }
        const auto r = builder.try_add(p->tx, p->sender);
        if (!r)
        {
            if (r.error().kind != execution::InvalidTxKind::GasLimitExceedsBlock)
                out.invalid.push_back(p->hash);  // invalid now: leaves the pool
            out.outcomes.emplace_back(r.error());
            continue;
        }
        out.outcomes.emplace_back(std::nullopt);
        out.tx_hashes.push_back(p->hash);
    }
    try
    {
        out.built = builder.finish(tracker_, db_);
    }
    catch (const db::DbReadError&)
    {
        tracker_.discard();  // a storage trie could not be loaded
        throw;
    }
    // A block built on reads that failed (answered as absent or zero) must not be committed.
    if (const auto fault = head_view->fault())
    {
        tracker_.discard();
        throw db::DbReadError(*fault);
    }
    return out;
}

Result<CommittedBlock, db::DbError> BlockProducer::commit(ExecutedBlock&& executed)
{
    auto& built = executed.built;
    Result<db::Ok, db::DbError> committed = db::Ok{};
    try
    {
        committed = db_.commit_block(built.block, built.receipts, built.diff);
    }
    catch (const db::DbReadError&)
    {
        tracker_.discard();
        throw;
    }
    if (!committed)
    {
        tracker_.discard();
        return committed.error();
    }
    tracker_.commit();
    CommittedBlock out;
    out.block = std::move(built.block);
    out.receipts = std::move(built.receipts);
    out.hash = built.hash;
    out.tx_hashes = std::move(executed.tx_hashes);

    for (const auto& hash : executed.invalid)
        pool_.remove(hash);
    try
    {
        const auto new_head = db_.head_state();
        pool_.remove_included(*new_head, pool_head_after(out.block.header), out.block.senders);
        if (const auto fault = new_head->fault())
            std::fprintf(stderr, "tern: updating the pool after block %llu: %s\n",
                         static_cast<unsigned long long>(out.block.header.number),
                         fault->message.c_str());
    }
    catch (const db::DbReadError& e)
    {
        // The block is committed; the pool keeps what it had (rechecked after the next block).
        std::fprintf(stderr, "tern: updating the pool after block %llu: %s\n",
                     static_cast<unsigned long long>(out.block.header.number), e.what());
    }
    return out;
}

txpool::ChainHead BlockProducer::pool_head_after(const chain::BlockHeader& head) const
{
    txpool::ChainHead next;
    next.base_fee = chain::next_base_fee(chain_config_, head);
    next.gas_limit = chain_config_.gas_limit;
    return next;
}

void BlockProducer::discard()
{
    tracker_.discard();
}

void BlockProducer::publish(const CommittedBlock& block) const
{
    for (const auto& l : listeners_)
    {
        // A listener that fails (a database read, say) must not take the engine thread down.
        try
        {
            l(block);
        }
        catch (const std::exception& e)
        {
            std::fprintf(stderr, "tern: a listener of block %llu failed: %s\n",
                         static_cast<unsigned long long>(block.block.header.number), e.what());
        }
    }
}

}  // namespace tern::producer
