#pragma once

#include "abci/server.hpp"
#include "consensus/comet_app.hpp"
#include "consensus/comet_rpc.hpp"
#include "node/engine.hpp"
#include "node/pool_waiters.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace tern::node {
class Node;
}

namespace tern::consensus {

/// Settings of the CometBFT engine.
struct CometEngineConfig
{
    /// The application's settings (nonce window, retain height, test hook).
    CometAppConfig app;
    /// Where the ABCI server listens (CometBFT's proxy_app): "unix:///abs/path" or
    /// "tcp://127.0.0.1:26658".
    std::string abci_address = "tcp://127.0.0.1:26658";
    /// This node's CometBFT RPC, where transactions are broadcast ("http://127.0.0.1:26657").
    std::string cometbft_rpc = "http://127.0.0.1:26657";
    /// Bundling (consensus/bundle.hpp): transactions submitted close together go to CometBFT
    /// as one transaction of up to `bundle_max_txs` Ethereum transactions and
    /// `bundle_max_bytes` bytes, so its per-transaction costs (RPC, CheckTx, gossip, recheck)
    /// are paid per bundle. 0 or 1 disables bundling (one broadcast per transaction).
    size_t bundle_max_txs = 500;
    /// See bundle_max_txs (below CometBFT's mempool max_tx_bytes, 1 MiB by default).
    size_t bundle_max_bytes = 256 * 1024;
    /// How long the first transaction of a bundle waits for others when nothing is being
    /// broadcast (under load, transactions gather while the previous bundle is broadcast).
    std::chrono::microseconds bundle_wait{1000};
    /// Backpressure: a send waits while this many admitted transactions wait for the
    /// broadcaster (instead of the queue growing without limit when CometBFT falls behind).
    size_t max_queued_txs = 4096;
    /// Receives the ABCI server's log lines (connects, disconnects, errors); empty: silent.
    std::function<void(std::string_view)> log;
};

/// node::Engine for a validator (or full node) of a CometBFT chain: blocks come from consensus
/// through the ABCI application (CometApp) served on `abci_address`; transactions submitted
/// over RPC are checked here (CometApp::admit: the pool's checks and geth's messages, answered
/// synchronously) and go to CometBFT's mempool with broadcast_tx_sync, gathered into bundles
/// by one broadcaster thread in the background. A send is answered with its hash once this
/// node's pool admitted it (as geth answers: "accepted by this node's pool", not "in every
/// mempool"), so bundles grow under load; receipts appear once the block commits. While
/// CometBFT is not known to take transactions (before its first accepted broadcast, or after
/// it was unreachable or full), sends wait for their broadcast's answer instead. If CometBFT
/// refuses a bundle, its transactions are broadcast one by one; refused ones are removed from
/// the pool and logged. When more than `max_queued_txs` wait for the broadcaster, senders wait
/// (backpressure). The sends of a JSON-RPC batch are broadcast together at the end of the
/// batch. evm_mine is refused: consensus decides when blocks are made.
class CometEngine final : public node::Engine
{
public:
    /// An engine for `node` (called from its engine factory: database, pool, producer exist).
    CometEngine(CometEngineConfig config, node::Node& node);
    ~CometEngine() override;

    /// Starts the ABCI server (CometBFT can connect from then on).
    Result<bool, std::string> start() override;
    /// Stops the ABCI server (idempotent).
    void stop() override;
    /// Admits the transaction to this node's pool and queues it for CometBFT's mempool; the
    /// keccak hash, or the pool's rejection (geth's message). See the class comment for when
    /// it waits for the broadcast (and always, with bundling off: CheckTx's answer).
    Result<Hash256, std::string> submit(Transaction tx,
                                        const Address& sender,
                                        rpc::CallContext* ctx) override;
    /// Nothing to do: CometBFT learns about transactions from its mempool.
    void notify() override {}
    bool wait_processed(const Hash256& hash, std::chrono::milliseconds timeout) override;
    void release_waiters() override;
    /// Refused: "blocks are made by consensus".
    Result<uint64_t, std::string> mine(std::optional<uint64_t> timestamp) override;
    using Engine::mine;
    void on_block(BlockListener listener) override;

    /// Waits until every queued transaction was handed to CometBFT (or refused), at most
    /// `timeout`; false on timeout. stop() uses it so answered sends go out before shutdown.
    bool flush(std::chrono::milliseconds timeout);
    /// The ABCI application.
    CometApp& app() noexcept { return *app_; }
    /// The address the ABCI server listens on (after start()).
    const std::string& abci_url() const noexcept { return abci_url_; }

private:
    CometEngineConfig config_;
    node::Node& node_;
    std::unique_ptr<CometApp> app_;
    std::unique_ptr<abci::Server> server_;
    struct Item;
    struct Batch;
    /// Queues `items` for the broadcaster (`urgent`: no waiting for more), waiting for room
    /// first; false (items removed from the pool) if the node is stopping.
    bool enqueue(const std::vector<std::shared_ptr<Item>>& items, bool urgent);
    void broadcaster_loop();
    void broadcast(std::vector<std::shared_ptr<Item>>& items);
    /// Ends an item's wait: "" = CometBFT took it; else why not (then a transaction this
    /// submit added leaves the pool again). The caller that waits for it gets `error`.
    void settle(Item& item, std::string error);
    void flush_batch(rpc::CallContext* ctx);
    bool stopping();
    void log(std::string_view line) const;

    CometRpc rpc_;
    std::mutex queue_mutex_;
    std::condition_variable queue_cv_;
    std::condition_variable space_cv_;  ///< the queue shrank or the broadcaster went idle
    std::deque<std::shared_ptr<Item>> queue_;
    size_t urgent_ = 0;     ///< queued items that must not wait
    size_t in_flight_ = 0;  ///< items taken by the broadcaster, not yet answered by CometBFT
    /// CometBFT accepted the last broadcast (sends are answered without waiting for theirs).
    std::atomic<bool> comet_ok_{false};
    bool stopping_ = false;
    bool running_ = false;  ///< the broadcaster thread accepts items
    std::thread broadcaster_;
    std::mutex batches_mutex_;
    std::map<rpc::CallContext*, std::shared_ptr<Batch>> batches_;
    node::PoolWaiters waiters_;
    std::string abci_url_;
};

}  // namespace tern::consensus
