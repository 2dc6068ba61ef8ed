#pragma once

#include "api/limits.hpp"
#include "chain/chain_config.hpp"
#include "core/bytes.hpp"
#include "core/result.hpp"
#include "db/chain_db.hpp"
#include "producer/block_producer.hpp"
#include "transaction/transaction.hpp"
#include "txpool/txpool.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

namespace tern::rpc {
class ByteBudget;
class CallContext;
}  // namespace tern::rpc
namespace tern::chain {
class StateRootTracker;
}

namespace tern::api {

struct DevKeys;
class VmPool;

/// What the JSON-RPC handlers see of a node (geth's ethapi.Backend): the chain (blocks,
/// receipts, state at a block), the rules in force, the limits, the pool, submission and
/// mining, the unlocked keys, the interpreters and trace memory they execute with, and the
/// commit and pending notifications. node::Node implements it over its database and engine; a
/// test implements it in memory (api/fake_backend_test.cpp) and runs handlers without a
/// database or a server.
class Backend
{
public:
    /// Called after each commit, outside the chain lock.
    using BlockListener = std::function<void(const producer::CommittedBlock&)>;
    /// Called with transactions that became executable in the pool, in pending order; must not
    /// take the chain mutex nor wait for the engine.
    using PendingListener = std::function<void(const std::vector<txpool::PooledTxPtr>&)>;

    virtual ~Backend() = default;

    /// Blocks, receipts, the transaction index and the state at a block.
    virtual const db::ChainReader& chain() const = 0;
    /// The chain rules in force: every rule a method reports comes from here.
    virtual const chain::ChainConfig& rules() const = 0;
    /// The limits handlers apply.
    virtual const RpcLimits& limits() const = 0;
    /// Blocks of state history kept (0: archive): how many proof snapshots are worth keeping.
    virtual uint64_t state_history() const = 0;
    /// Readers shared, the engine exclusive (what needs a head that does not move under it).
    virtual std::shared_mutex& chain_mutex() = 0;
    /// The head state-root tracker (null when the node has none).
    virtual const chain::StateRootTracker* head_tracker() const = 0;

    /// The next nonce of `sender` counting its pending pool transactions (nullopt: none).
    virtual std::optional<uint64_t> pending_nonce(const Address& sender) const = 0;
    /// A transaction of the pool by hash (null if not there).
    virtual txpool::PooledTxPtr pooled(const Hash256& hash) const = 0;
    /// Hands a signed transaction whose sender the caller recovered to the engine (see
    /// node::Engine::submit): its hash, or the rejection in geth's wording.
    virtual Result<Hash256, std::string> submit(Transaction tx,
                                                const Address& sender,
                                                rpc::CallContext* ctx) = 0;
    /// Makes one block now (evm_mine): its number, or why the engine cannot.
    virtual Result<uint64_t, std::string> mine(std::optional<uint64_t> timestamp) = 0;

    /// The unlocked accounts and their keys.
    virtual const DevKeys& keys() const = 0;
    /// Interpreters for concurrent executions.
    virtual VmPool& vms() = 0;
    /// The memory budget all traces running at once draw from.
    virtual rpc::ByteBudget& trace_budget() = 0;

    /// Adds a listener of committed blocks (while the method table is built).
    virtual void on_block(BlockListener listener) = 0;
    /// Adds a listener of transactions that became executable (while the table is built).
    virtual void on_pending(PendingListener listener) = 0;
};

}  // namespace tern::api
