#include "consensus/comet_engine.hpp"

#include "consensus/bundle.hpp"
#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "node/node.hpp"
#include "rpc/dispatcher.hpp"
#include "transaction/codec.hpp"
#include "txpool/txpool.hpp"

#include <future>
#include <optional>

namespace tern::consensus {

/// One admitted transaction waiting for its broadcast.
struct CometEngine::Item
{
    std::string raw;
    Hash256 hash;
    bool added = false;   ///< entered the pool with this submit (removed again if refused)
    bool urgent = false;  ///< part of a finished JSON-RPC batch: broadcast without waiting
    std::chrono::steady_clock::time_point arrival;
    /// Set when the caller waits for CometBFT's answer (CometBFT not known to be reachable):
    /// "" when it accepted the transaction, else why not.
    std::optional<std::promise<std::string>> outcome;
};

/// The sends of one JSON-RPC batch, broadcast when the batch ends.
struct CometEngine::Batch
{
    std::vector<std::shared_ptr<Item>> items;
};

namespace {

/// The answer for a send that arrives (or was still queued) while the node stops.
constexpr std::string_view kStopping = "consensus: the node is stopping";
/// How long stop() lets the broadcaster send what was already answered.
constexpr std::chrono::milliseconds kStopGrace{2000};

/// True if `error` (a broadcast_tx_sync outcome) says CometBFT cannot take transactions now
/// (unreachable, RPC error, full mempool) rather than that CheckTx refused this one.
bool comet_unavailable(const std::string& error)
{
    return error.starts_with("consensus: ") || error == "txpool is full";
}

}  // namespace

CometEngine::CometEngine(CometEngineConfig config, node::Node& node)
    : config_(std::move(config)),
      node_(node),
      app_(std::make_unique<CometApp>(config_.app,
                                      node.producer(),
                                      node.db(),
                                      node.pool(),
                                      node.tracker(),
                                      node.chain_mutex())),
      rpc_(config_.cometbft_rpc),
      waiters_(node.pool())
{
    app_->on_commit([this](const producer::CommittedBlock&) { waiters_.release(); });
}

CometEngine::~CometEngine()
{
    stop();
}

Result<bool, std::string> CometEngine::start()
{
    if (server_)
        return true;
    abci::ServerConfig sc;
    sc.address = config_.abci_address;
    sc.log = config_.log;
    server_ = std::make_unique<abci::Server>(*app_, sc);
    auto bound = server_->start();
    if (!bound)
    {
        server_.reset();
        return bound.error();
    }
    abci_url_ = bound->url;
    waiters_.reset();
    if (config_.bundle_max_txs > 1 && !broadcaster_.joinable())
    {
        {
            std::lock_guard lock{queue_mutex_};
            stopping_ = false;
            running_ = true;
        }
        comet_ok_ = false;
        broadcaster_ = std::thread([this] { broadcaster_loop(); });
    }
    return true;
}

void CometEngine::stop()
{
    waiters_.stop();
    if (broadcaster_.joinable())
    {
        // Transactions already answered with their hash go out first, if CometBFT takes them
        // within the grace period; what is left after it leaves the pool.
        (void)flush(kStopGrace);
        {
            std::lock_guard lock{queue_mutex_};
            stopping_ = true;
        }
        queue_cv_.notify_all();
        space_cv_.notify_all();
        broadcaster_.join();
    }
    if (server_)
        server_->stop();
}

bool CometEngine::flush(std::chrono::milliseconds timeout)
{
    std::unique_lock lock{queue_mutex_};
    return space_cv_.wait_for(lock, timeout,
                              [&] { return !running_ || (queue_.empty() && in_flight_ == 0); });
}

Result<Hash256, std::string> CometEngine::submit(Transaction tx,
                                                 const Address& sender,
                                                 rpc::CallContext* ctx)
{
    const Bytes raw = encode_transaction(tx);
    const Hash256 hash = keccak256(raw);
    if (config_.bundle_max_txs <= 1)
    {
        std::string error = rpc_.broadcast_tx_sync(raw);
        if (!error.empty())
            return error;
        return hash;
    }
    // The checks CheckTx makes, here and now: the client gets the pool's message, and the
    // bundle's CheckTx on this node finds its transactions admitted already.
    if (node_.pool().contains(hash))
        return std::string("already known");
    auto ptx = std::make_shared<txpool::PooledTransaction>();
    ptx->tx = std::move(tx);
    ptx->sender = sender;
    ptx->hash = hash;
    ptx->size = raw.size();
    auto item = std::make_shared<Item>();
    const auto checked = app_->admit(ptx, &item->added);
    if (checked.code() != 0)
        return checked.log();
    item->raw.assign(reinterpret_cast<const char*>(raw.data()), raw.size());
    item->hash = hash;
    if (ctx && ctx->in_batch())
    {
        std::lock_guard lock{batches_mutex_};
        auto& batch = batches_[ctx];
        if (!batch)
        {
            batch = std::make_shared<Batch>();
            ctx->defer([this, ctx] { flush_batch(ctx); });
        }
        batch->items.push_back(std::move(item));
        return hash;
    }
    // Admitted: answer now, like geth once its pool took the transaction, unless CometBFT is
    // not known to be taking transactions (then the caller gets its answer).
    std::optional<std::future<std::string>> outcome;
    if (!comet_ok_.load())
        outcome = item->outcome.emplace().get_future();
    if (!enqueue({item}, false))
        return std::string(kStopping);
    if (outcome)
        if (std::string error = outcome->get(); !error.empty())
            return error;
    return hash;
}

void CometEngine::flush_batch(rpc::CallContext* ctx)
{
    std::shared_ptr<Batch> batch;
    {
        std::lock_guard lock{batches_mutex_};
        const auto it = batches_.find(ctx);
        if (it == batches_.end())
            return;
        batch = std::move(it->second);
        batches_.erase(it);
    }
    if (!enqueue(batch->items, true))
        log("JSON-RPC batch of " + std::to_string(batch->items.size()) +
            " transactions answered but not broadcast: the node is stopping");
}

bool CometEngine::enqueue(const std::vector<std::shared_ptr<Item>>& items, bool urgent)
{
    std::unique_lock lock{queue_mutex_};
    // Backpressure: wait while the broadcaster is far behind (a set larger than the limit
    // goes alone into an empty queue).
    space_cv_.wait(lock, [&] {
        return stopping_ || !running_ || queue_.empty() ||
               queue_.size() + items.size() <= config_.max_queued_txs;
    });
    if (stopping_ || !running_)
    {
        for (const auto& item : items)
            settle(*item, std::string(kStopping));
        return false;
    }
    const auto now = std::chrono::steady_clock::now();
    bool wake = queue_.empty() || urgent;
    for (const auto& item : items)
    {
        item->urgent = urgent;
        item->arrival = now;
        queue_.push_back(item);
    }
    if (urgent)
        urgent_ += items.size();
    wake = wake || queue_.size() >= config_.bundle_max_txs;
    lock.unlock();
    if (wake)
        queue_cv_.notify_one();
    return true;
}

void CometEngine::broadcaster_loop()
{
    std::unique_lock lock{queue_mutex_};
    for (;;)
    {
        queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (stopping_)
        {
            if (!queue_.empty())
                log(std::to_string(queue_.size()) +
                    " admitted transactions not broadcast: the node is stopping (removed from "
                    "the pool)");
            for (const auto& item : queue_)
                settle(*item, std::string(kStopping));
            queue_.clear();
            urgent_ = 0;
            running_ = false;
            space_cv_.notify_all();
            return;
        }
        // Wait a little for company, unless a batch is waiting or the bundle is full.
        if (urgent_ == 0 && queue_.size() < config_.bundle_max_txs)
            queue_cv_.wait_until(lock, queue_.front()->arrival + config_.bundle_wait, [&] {
                return stopping_ || urgent_ > 0 || queue_.size() >= config_.bundle_max_txs;
            });
        if (stopping_)
            continue;
        std::vector<std::shared_ptr<Item>> items;
        size_t bytes = 0;
        while (
            !queue_.empty() && items.size() < config_.bundle_max_txs &&
            (items.empty() || bytes + queue_.front()->raw.size() + 8 <= config_.bundle_max_bytes))
        {
            bytes += queue_.front()->raw.size() + 8;
            if (queue_.front()->urgent)
                --urgent_;
            items.push_back(std::move(queue_.front()));
            queue_.pop_front();
        }
        in_flight_ = items.size();
        lock.unlock();
        space_cv_.notify_all();
        broadcast(items);
        lock.lock();
        in_flight_ = 0;
        space_cv_.notify_all();
    }
}

void CometEngine::broadcast(std::vector<std::shared_ptr<Item>>& items)
{
    const auto view = [](const std::string& s) {
        return BytesView{reinterpret_cast<const uint8_t*>(s.data()), s.size()};
    };
    std::vector<std::string> errors(items.size());
    bool sent = false;
    if (items.size() > 1)
    {
        std::vector<std::string_view> raws;
        raws.reserve(items.size());
        for (const auto& item : items)
            raws.emplace_back(item->raw);
        const std::string bundle = encode_bundle(raws);
        const std::string error = rpc_.broadcast_tx_sync(view(bundle));
        sent = error.empty();
        if (sent)
            comet_ok_ = true;
        else
            log("bundle of " + std::to_string(items.size()) +
                " transactions refused (broadcasting them one by one): " + error);
    }
    if (!sent)
        for (size_t i = 0; i < items.size(); ++i)
        {
            if (stopping())
            {
                errors[i] = kStopping;
                continue;
            }
            errors[i] = rpc_.broadcast_tx_sync(view(items[i]->raw));
            if (errors[i] == "already known")  // CometBFT has these bytes: in its mempool
                errors[i].clear();
            if (errors[i].empty())
                comet_ok_ = true;
            else if (comet_unavailable(errors[i]))
                comet_ok_ = false;  // answer the next sends only once CometBFT took one
        }
    for (size_t i = 0; i < items.size(); ++i)
    {
        if (!errors[i].empty() && !items[i]->outcome)
            log("transaction " + to_hex(items[i]->hash.view()) +
                " answered with its hash but refused by CometBFT (removed from the pool): " +
                errors[i]);
        settle(*items[i], std::move(errors[i]));
    }
}

void CometEngine::settle(Item& item, std::string error)
{
    if (!error.empty() && item.added)
        node_.pool().remove(item.hash);
    if (item.outcome)
        item.outcome->set_value(std::move(error));
}

bool CometEngine::stopping()
{
    std::lock_guard lock{queue_mutex_};
    return stopping_;
}

void CometEngine::log(std::string_view line) const
{
    if (config_.log)
        config_.log(line);
}

bool CometEngine::wait_processed(const Hash256& hash, std::chrono::milliseconds timeout)
{
    return waiters_.wait(hash, timeout);
}

void CometEngine::release_waiters()
{
    waiters_.release();
}

Result<uint64_t, std::string> CometEngine::mine(std::optional<uint64_t>)
{
    return std::string("blocks are made by consensus (CometBFT): evm_mine is not available");
}

void CometEngine::on_block(BlockListener listener)
{
    node_.producer().on_block(std::move(listener));
}

}  // namespace tern::consensus
