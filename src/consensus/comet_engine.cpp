#include "consensus/comet_engine.hpp"

#include "core/keccak.hpp"
#include "node/node.hpp"
#include "transaction/codec.hpp"
#include "txpool/txpool.hpp"

namespace tern::consensus {

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
    return true;
}

void CometEngine::stop()
{
    waiters_.stop();
    if (server_)
        server_->stop();
}

Result<Hash256, std::string> CometEngine::submit(Transaction tx, const Address&, rpc::CallContext*)
{
    const Bytes raw = encode_transaction(tx);
    const Hash256 hash = keccak256(raw);
    std::string error = rpc_.broadcast_tx_sync(raw);
    if (!error.empty())
        return error;
    return hash;
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
