#pragma once

#include "abci/server.hpp"
#include "consensus/comet_app.hpp"
#include "consensus/comet_rpc.hpp"
#include "node/engine.hpp"
#include "node/pool_waiters.hpp"

#include <functional>
#include <memory>
#include <string>
#include <string_view>

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
    /// Receives the ABCI server's log lines (connects, disconnects, errors); empty: silent.
    std::function<void(std::string_view)> log;
};

/// node::Engine for a validator (or full node) of a CometBFT chain: blocks come from consensus
/// through the ABCI application (CometApp) served on `abci_address`; transactions submitted
/// over RPC go to CometBFT's mempool with broadcast_tx_sync (CheckTx decides, with the pool's
/// messages), and the hash returns at once (receipts appear once the block commits). evm_mine
/// is refused: consensus decides when blocks are made.
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
    CometRpc rpc_;
    node::PoolWaiters waiters_;
    std::string abci_url_;
};

}  // namespace tern::consensus
