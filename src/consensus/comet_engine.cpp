#include "consensus/comet_engine.hpp"

#include "consensus/bundle.hpp"
#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "node/node.hpp"
#include "rpc/dispatcher.hpp"
#include "transaction/codec.hpp"
#include "txpool/txpool.hpp"

#include <future>

namespace tern::consensus {

/// One submitted transaction waiting for its broadcast.
struct CometEngine::Item
{
    std::string raw;
    Hash256 hash;
    bool added = false;   ///< entered the pool with this submit (removed again if refused)
    bool urgent = false;  ///< part of a finished JSON-RPC batch: broadcast without waiting
    std::chrono::steady_clock::time_point arrival;
    std::promise<std::string> outcome;  ///< "" when CometBFT accepted it, else why not
};

/// The sends of one JSON-RPC batch, broadcast when the batch ends.
struct CometEngine::Batch
{
    std::vector<std::shared_ptr<Item>> items;
};

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
    app_->on_commit([this](const node::CommittedBlock&) { waiters_.release(); });
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
        broadcaster_ = std::thread([this] { broadcaster_loop(); });
    }
    return true;
}

void CometEngine::stop()
{
    waiters_.stop();
    if (broadcaster_.joinable())
    {
        {
            std::lock_guard lock{queue_mutex_};
            stopping_ = true;
        }
        queue_cv_.notify_all();
        broadcaster_.join();
    }
    if (server_)
        server_->stop();
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
    auto outcome = item->outcome.get_future();
    enqueue({item}, false);
    std::string error = outcome.get();
    if (!error.empty())
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
    std::vector<std::future<std::string>> outcomes;
    outcomes.reserve(batch->items.size());
    for (auto& item : batch->items)
        outcomes.push_back(item->outcome.get_future());
    enqueue(batch->items, true);
    for (size_t i = 0; i < outcomes.size(); ++i)
    {
        const std::string error = outcomes[i].get();
        if (!error.empty())
            log("batch transaction " + to_hex(batch->items[i]->hash.view()) +
                " answered with its hash but refused by CometBFT: " + error);
    }
}

void CometEngine::enqueue(const std::vector<std::shared_ptr<Item>>& items, bool urgent)
{
    bool wake = false;
    {
        std::lock_guard lock{queue_mutex_};
        if (stopping_ || !running_)
        {
            for (const auto& item : items)
            {
                if (item->added)
                    node_.pool().remove(item->hash);
                item->outcome.set_value("consensus: the node is stopping");
            }
            return;
        }
        const auto now = std::chrono::steady_clock::now();
        wake = queue_.empty() || urgent;
        for (const auto& item : items)
        {
            item->urgent = urgent;
            item->arrival = now;
            queue_.push_back(item);
        }
        if (urgent)
            urgent_ += items.size();
        wake = wake || queue_.size() >= config_.bundle_max_txs;
    }
    if (wake)
        queue_cv_.notify_one();
}

void CometEngine::broadcaster_loop()
{
    std::unique_lock lock{queue_mutex_};
    for (;;)
    {
        queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (stopping_)
        {
            for (const auto& item : queue_)
            {
                if (item->added)
                    node_.pool().remove(item->hash);
                item->outcome.set_value("consensus: the node is stopping");
            }
            queue_.clear();
            urgent_ = 0;
            running_ = false;
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
        lock.unlock();
        broadcast(items);
        lock.lock();
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
        if (!sent)
            log("bundle of " + std::to_string(items.size()) +
                " transactions refused (broadcasting them one by one): " + error);
    }
    if (!sent)
        for (size_t i = 0; i < items.size(); ++i)
        {
            errors[i] = rpc_.broadcast_tx_sync(view(items[i]->raw));
            if (errors[i] == "already known")  // CometBFT has these bytes: in its mempool
                errors[i].clear();
        }
    for (size_t i = 0; i < items.size(); ++i)
    {
        if (!errors[i].empty() && items[i]->added)
            node_.pool().remove(items[i]->hash);
        items[i]->outcome.set_value(std::move(errors[i]));
    }
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
