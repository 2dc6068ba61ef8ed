#include "node/dev_engine.hpp"

#include "db/chain_db.hpp"
#include "producer/sender_quota.hpp"
#include "rpc/dispatcher.hpp"
#include "txpool/txpool.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>

namespace tern::node {

DevEngine::DevEngine(const NodeConfig& config,
                     db::ChainDb& db,
                     txpool::TxPool& pool,
                     producer::BlockProducer& producer,
                     std::shared_mutex& chain_mutex)
    : config_(config),
      db_(db),
      pool_(pool),
      producer_(producer),
      chain_mutex_(chain_mutex),
      waiters_(pool)
{}

DevEngine::~DevEngine()
{
    stop();
}

Result<bool, std::string> DevEngine::start()
{
    std::lock_guard lock{mutex_};
    if (thread_.joinable())
        return true;
    stopping_ = false;
    waiters_.reset();
    // Sealing runs deep EVM recursion (1024 nested calls): give the thread a large stack.
    thread_ = BigStackThread([this] { run(); });
    return true;
}

void DevEngine::stop()
{
    {
        std::lock_guard lock{mutex_};
        stopping_ = true;
    }
    waiters_.stop();
    wake_.notify_all();
    thread_.join();
}

Result<Hash256, std::string> DevEngine::submit(Transaction tx,
                                               const Address& sender,
                                               rpc::CallContext* ctx)
{
    if (auto why = storage_failure())
        return "not accepting transactions: " + *why;
    txpool::AddResult added;
    {
        std::shared_lock lock{chain_mutex_};
        const auto head = db_.head_state();
        auto r = pool_.add(std::move(tx), sender, *head);
        if (const auto fault = head->fault())
        {
            // validated against a read that failed: not admitted (-32603 with the read error)
            if (r)
                pool_.remove(r->hash);
            throw db::DbReadError(*fault);
        }
        if (!r)
            return r.error().message;
        added = std::move(*r);
    }
    if (added.replaced)
        release_waiters();  // a sender waiting for the replaced one
    if (added.pending)
    {
        // Wake the engine, and in automine wait for the block. With a call context both happen
        // after the whole message: a batch of sends lands in one block and waits for it once.
        const bool wait = config_.block_time == 0 && config_.wait_for_inclusion;
        auto finish = [this, wait, hash = added.hash] {
            notify();
            // A node that stopped making blocks (storage failure) answers at once.
            if (wait && !storage_failure())
                wait_processed(hash, kInclusionTimeout);
        };
        if (ctx)
            ctx->defer(std::move(finish));
        else
            finish();
    }
    return added.hash;
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
    return waiters_.wait(hash, timeout);
}

void DevEngine::release_waiters()
{
    waiters_.release();
}

void DevEngine::on_block(BlockListener listener)
{
    producer_.on_block(std::move(listener));
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

std::optional<std::string> DevEngine::storage_failure() const
{
    std::lock_guard lock{mutex_};
    return failure_;
}

void DevEngine::fail(const db::DbError& error, bool resumable)
{
    std::string why;
    if (error.code == db::DbErrorCode::NoSpace)
        why = "the node's disk is full";
    else if (resumable)
        why = "the node cannot write its database";
    else
        why = error.message;  // "database read failed: ... (corruption)"
    {
        std::lock_guard lock{mutex_};
        if (failure_)
            return;
        failure_ = why;
        failure_resumable_ = resumable;
    }
    waiters_.release_all();  // senders waiting for a block that will not come now
    std::fprintf(stderr,
                 "tern: cannot commit a block: %s\ntern: not accepting transactions: %s; %s\n",
                 error.message.c_str(), why.c_str(),
                 resumable ? "retrying every second (reads are served meanwhile)"
                           : "restart the node once the database is repaired (reads are served "
                             "meanwhile)");
}

bool DevEngine::try_resume()
{
    {
        std::lock_guard lock{mutex_};
        if (!failure_)
            return true;
        if (!failure_resumable_)
            return false;
    }
    if (!db_.resume())
        return false;
    {
        std::lock_guard lock{mutex_};
        failure_.reset();
    }
    std::fprintf(stderr, "tern: the database can be written again: accepting transactions\n");
    return true;
}

void DevEngine::run()
{
    const bool automine = config_.block_time == 0;
    auto next_tick = std::chrono::steady_clock::now() + std::chrono::seconds(config_.block_time);
    while (true)
    {
        bool failed = false;
        {
            std::unique_lock lock{mutex_};
            failed = failure_.has_value();
            if (failed)
                wake_.wait_for(lock, kRetryInterval, [&] { return stopping_; });
            else if (automine)
                wake_.wait(lock, [&] { return stopping_ || work_; });
            else
                wake_.wait_until(lock, next_tick, [&] { return stopping_; });
            if (stopping_)
                return;
            work_ = false;
        }
        if (failed)
        {
            if (!try_resume())
                continue;
            next_tick = std::chrono::steady_clock::now();  // block time: seal at once
        }
        if (automine)
        {
            // Seal until nothing executable is left (a full block leaves the rest for the next).
            while (has_pending())
            {
                const auto r = seal(std::nullopt);
                if (!r)
                {
                    if (!storage_failure())  // (a storage failure was logged by fail())
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
            if (!r && !storage_failure())
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
    if (auto why = storage_failure())
        return "cannot seal a block: " + *why;
    Result<producer::CommittedBlock, db::DbError> committed = db::DbError{};
    try
    {
        std::unique_lock chain_lock{chain_mutex_};
        // The pool's pending order is the ordering rule (producer::order_transactions).
        // The quota goes first: cut to the block's gas first, a flood ahead in arrival order
        // would leave no room for the senders behind it.
        const auto& rules = producer_.chain_config();
        const uint64_t quota =
            producer::sender_gas_quota(rules.gas_limit, config_.sender_block_gas_percent);
        const auto candidates =
            quota == 0
                ? pool_.pending(SIZE_MAX, rules.gas_limit)
                : producer::fit_transactions(producer::apply_sender_quota(pool_.pending(), quota,
                                                                          chain::fee_policy(rules)),
                                             rules.gas_limit, SIZE_MAX, nullptr);
        auto executed =
            producer_.execute(timestamp.value_or(producer::wall_clock_seconds()), candidates);
        committed = producer_.commit(std::move(executed));
    }
    catch (const db::DbReadError& e)
    {
        fail(e.error(), false);
        return "cannot seal a block: " + e.error().message;
    }
    if (!committed)
    {
        const auto code = committed.error().code;
        if (code == db::DbErrorCode::NoSpace || code == db::DbErrorCode::Io ||
            code == db::DbErrorCode::Corruption)
            fail(committed.error(), true);  // a failed write: RocksDB waits for resume()
        return committed.error().message;
    }
    {
        std::lock_guard lock{mutex_};
        ++sealed_;
    }
    // Listeners first (newHeads, logs, filters, proofs), then the senders: a sender that
    // returns sees its block published, and the engine is back at its pool check before the
    // sender's next message can arrive (so that message's sends share one block).
    producer_.publish(*committed);
    release_waiters();
    return committed->block.header.number;
}

}  // namespace tern::node
