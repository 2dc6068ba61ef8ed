#pragma once

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "producer/block_producer.hpp"
#include "transaction/transaction.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace tern::rpc {
class CallContext;
}

namespace tern::node {

/// What decides when blocks are made and what goes in them: the embedded DevEngine (`tern
/// dev`) or CometBFT consensus (consensus::CometEngine, `tern node`). Both build and commit
/// through the node's BlockProducer, so ordering, execution, storage and the listeners
/// (newHeads, logs, filters) behave the same; the RPC layer talks only to this interface.
class Engine
{
public:
    /// Called after each commit, outside the chain lock.
    using BlockListener = producer::BlockProducer::BlockListener;

    virtual ~Engine() = default;

    /// Starts producing blocks (threads, servers): true, or a message saying why it cannot.
    virtual Result<bool, std::string> start() = 0;
    /// Stops (idempotent); a block being built is finished first.
    virtual void stop() = 0;

    /// Accepts a signed transaction whose sender the caller recovered (chain id checked): the
    /// dev engine adds it to the pool, the CometBFT engine hands it to consensus' mempool.
    /// `ctx` (may be null) is the JSON-RPC message, for work deferred to its end (the dev
    /// engine's automine wait). Returns the transaction hash, or the rejection in geth's
    /// wording (JSON-RPC error -32000).
    virtual Result<Hash256, std::string> submit(Transaction tx,
                                                const Address& sender,
                                                rpc::CallContext* ctx) = 0;

    /// Tells the engine that transactions became executable in the pool.
    virtual void notify() = 0;

    /// Waits until the transaction `hash` has left the pool (included or dropped) or `timeout`
    /// passed; true if it left the pool.
    virtual bool wait_processed(const Hash256& hash, std::chrono::milliseconds timeout) = 0;

    /// Wakes waiters whose transactions are no longer in the pool.
    virtual void release_waiters() = 0;

    /// Makes one block now (evm_mine): the number, or why the engine cannot (consensus engines
    /// do not mine on request).
    virtual Result<uint64_t, std::string> mine(std::optional<uint64_t> timestamp) = 0;
    /// mine() at the engine's clock.
    Result<uint64_t, std::string> mine() { return mine(std::nullopt); }

    /// Adds a listener for committed blocks (before start()).
    virtual void on_block(BlockListener listener) = 0;
};

}  // namespace tern::node
