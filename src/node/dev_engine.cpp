#include "node/dev_engine.hpp"

#include "chain/block_builder.hpp"
#include "core/keccak.hpp"
#include "db/chain_db.hpp"
#include "evm/vm.hpp"
#include "execution/transition.hpp"
#include "transaction/codec.hpp"
#include "txpool/txpool.hpp"

#include <chrono>
#include <cstdio>

namespace tern::node {
namespace {

uint64_t wall_clock_seconds()
{
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
}

}  // namespace

DevEngine::DevEngine(const NodeConfig& config,
                     const chain::ChainConfig& chain_config,
                     db::ChainDb& db,
                     txpool::TxPool& pool,
                     chain::StateRootTracker& tracker,
                     std::shared_mutex& chain_mutex)
    : config_(config),
      chain_config_(chain_config),
      db_(db),
      pool_(pool),
      tracker_(tracker),
      chain_mutex_(chain_mutex),
      vm_(std::make_unique<evm::Vm>())
{}

DevEngine::~DevEngine()
{
    stop();
}

void DevEngine::start()
{
    std::lock_guard lock{mutex_};
    if (thread_.joinable())
        return;
    stopping_ = false;
    // Sealing runs deep EVM recursion (1024 nested calls): give the thread a large stack.
    thread_ = BigStackThread([this] { run(); });
}

void DevEngine::stop()
{
    {
        std::lock_guard lock{mutex_};
        stopping_ = true;
        for (Waiter* w : waiters_)  // they unregister themselves under the lock
            w->cv.notify_one();
    }
    wake_.notify_all();
    thread_.join();
}

void DevEngine::notify()
{
    {
        std::lock_guard lock{mutex_};
        work_ = true;
    }
    wake_.notify_one();
}

bool DevEngine::wait_processed(const Hash256& hash, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock{mutex_};
    if (!pool_.contains(hash))
        return true;
    Waiter w;
    w.hash = hash;
    waiters_.push_back(&w);
    w.cv.wait_until(lock, deadline, [&] { return w.done || stopping_; });
    std::erase(waiters_, &w);
    return w.done || !pool_.contains(hash);
}

void DevEngine::release_waiters()
{
    std::lock_guard lock{mutex_};
    for (Waiter* w : waiters_)
    {
        if (!w->done && !pool_.contains(w->hash))
        {
            w->done = true;
            w->cv.notify_one();
        }
    }
}

void DevEngine::on_block(BlockListener listener)
{
    listeners_.push_back(std::move(listener));
}

uint64_t DevEngine::sealed() const
{
    std::lock_guard lock{mutex_};
    return sealed_;
}

bool DevEngine::has_pending() const
{
    return !pool_.pending(1).empty();
}

void DevEngine::run()
{
    const bool automine = config_.block_time == 0;
    auto next_tick = std::chrono::steady_clock::now() + std::chrono::seconds(config_.block_time);
    while (true)
    {
        {
            std::unique_lock lock{mutex_};
            if (automine)
                wake_.wait(lock, [&] { return stopping_ || work_; });
            else
                wake_.wait_until(lock, next_tick, [&] { return stopping_; });
            if (stopping_)
                return;
            work_ = false;
        }
        if (automine)
        {
            // Seal until nothing executable is left (a full block leaves the rest for the next).
            while (has_pending())
            {
                const auto r = seal(std::nullopt);
                if (!r)
                {
                    std::fprintf(stderr, "sealing a block failed: %s\n", r.error().c_str());
                    break;
                }
                std::lock_guard lock{mutex_};
                if (stopping_)
                    return;
            }
        }
        else
        {
            const auto r = seal(std::nullopt);
            if (!r)
                std::fprintf(stderr, "sealing a block failed: %s\n", r.error().c_str());
            next_tick += std::chrono::seconds(config_.block_time);
            const auto now = std::chrono::steady_clock::now();
            if (next_tick < now)
                next_tick = now;
        }
    }
}

Result<uint64_t, std::string> DevEngine::mine(std::optional<uint64_t> timestamp)
{
    return seal(timestamp);
}

Result<uint64_t, std::string> DevEngine::seal(std::optional<uint64_t> timestamp)
{
    std::lock_guard seal_lock{seal_mutex_};
    CommittedBlock out;
    std::vector<Hash256> dropped;
    {
        std::unique_lock chain_lock{chain_mutex_};
        const auto parent = db_.header(db_.head_number());
        if (!parent)
            return std::string("head header missing");
        const uint64_t ts = std::max(timestamp.value_or(wall_clock_seconds()), parent->timestamp);
        const auto head_view = db_.head_state();
        db::ChainDb* db = &db_;
        chain::BlockBuilder builder{*parent,
                                    *head_view,
                                    chain_config_.chain_id,
                                    chain::next_block_attributes(chain_config_, *parent, ts),
                                    [db](uint64_t n) {
                                        const auto h = db->block_hash(n);
                                        return h ? *h : Hash256{};
                                    },
                                    *vm_};
        for (const auto& p : pool_.pending(SIZE_MAX, chain_config_.gas_limit))
        {
            if (builder.gas_left() < kMinTxGas)
                break;
            const auto r = builder.try_add(p->tx, p->sender);
            if (!r)
            {
                if (r.error().kind != execution::InvalidTxKind::GasLimitExceedsBlock)
                    dropped.push_back(p->hash);  // invalid now: leaves the pool
                continue;                        // too big for what is left: next block
            }
            out.tx_hashes.push_back(p->hash);
        }
        auto built = builder.finish(tracker_, db_);
        const auto committed = db_.commit_block(built.block, built.receipts, built.diff);
        if (!committed)
        {
            tracker_.discard();
            return committed.error().message;
        }
        tracker_.commit();
        out.block = std::move(built.block);
        out.receipts = std::move(built.receipts);
        out.hash = built.hash;

        for (const auto& hash : dropped)
            pool_.remove(hash);
        const auto new_head = db_.head_state();
        txpool::ChainHead next;
        next.base_fee = chain::next_block_attributes(chain_config_, out.block.header, ts).base_fee;
        next.gas_limit = chain_config_.gas_limit;
        pool_.remove_included(*new_head, next, out.block.senders);
    }
    {
        std::lock_guard lock{mutex_};
        ++sealed_;
    }
    release_waiters();
    for (const auto& l : listeners_)
        l(out);
    return out.block.header.number;
}

}  // namespace tern::node
