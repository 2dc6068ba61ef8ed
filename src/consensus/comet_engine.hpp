#pragma once

#include "abci/server.hpp"
#include "consensus/comet_app.hpp"
#include "consensus/comet_rpc.hpp"
#include "node/engine.hpp"
#include "node/pool_waiters.hpp"

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
    /// Receives the ABCI server's log lines (connects, disconnects, errors); empty: silent.
    std::function<void(std::string_view)> log;
};

/// node::Engine for a validator (or full node) of a CometBFT chain: blocks come from consensus
/// through the ABCI application (CometApp) served on `abci_address`; transactions submitted
/// over RPC are checked here (CometApp::admit: the pool's checks and messages) and go to
/// CometBFT's mempool with broadcast_tx_sync, gathered into bundles by one broadcaster thread;
/// the hash returns once the bundle is accepted (receipts appear once the block commits). If
/// CometBFT refuses a bundle, its transactions are broadcast one by one, each answered with
/// its own outcome. The sends of a JSON-RPC batch are answered after the local check and
/// broadcast as bundles at the end of the batch (one that CometBFT then refuses is removed
/// from the pool and logged). evm_mine is refused: consensus decides when blocks are made.
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
    /// Broadcasts the canonical encoding to CometBFT's mempool; the keccak hash, or CheckTx's
    /// rejection (geth's message).
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
    /// Queues `items` for the broadcaster (`urgent`: no waiting for more).
    void enqueue(const std::vector<std::shared_ptr<Item>>& items, bool urgent);
    void broadcaster_loop();
    void broadcast(std::vector<std::shared_ptr<Item>>& items);
    void flush_batch(rpc::CallContext* ctx);
    void log(std::string_view line) const;

    CometRpc rpc_;
    std::mutex queue_mutex_;
    std::condition_variable queue_cv_;
    std::deque<std::shared_ptr<Item>> queue_;
    size_t urgent_ = 0;  ///< queued items that must not wait
    bool stopping_ = false;
    bool running_ = false;  ///< the broadcaster thread accepts items
    std::thread broadcaster_;
    std::mutex batches_mutex_;
    std::map<rpc::CallContext*, std::shared_ptr<Batch>> batches_;
    node::PoolWaiters waiters_;
    std::string abci_url_;
};

}  // namespace tern::consensus
