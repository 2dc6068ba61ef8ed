#pragma once

#include "chain/chain_config.hpp"
#include "chain/state_root_tracker.hpp"
#include "core/result.hpp"
#include "node/config.hpp"
#include "rpc/byte_budget.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

namespace tern::rpc {
class Dispatcher;
class Server;
}  // namespace tern::rpc
namespace tern::db {
class ChainDb;
}
namespace tern::chain {
struct GenesisSpec;
}
namespace tern::txpool {
class TxPool;
struct PooledTransaction;
}  // namespace tern::txpool

namespace tern::producer {
class BlockProducer;
}
namespace tern::api {
class Backend;
class MethodTable;
class VmPool;
struct DevKeys;
}  // namespace tern::api

namespace tern::node {

class Engine;
class NodeBackend;

/// A node: the chain database, the head state, the transaction pool, the block producer, an
/// engine (the embedded DevEngine by default; `tern node` installs CometBFT's with
/// set_engine_factory()) and the JSON-RPC server, wired together. No globals: several nodes can
/// run in one process (each on its own port and database).
///
/// Concurrency: the engine is the only writer; it builds and commits blocks (through
/// producer()) holding chain_mutex() exclusively. RPC handlers read holding it shared.
///
/// JSON-RPC: start() installs the one method table (api::node_methods) over backend(), runs
/// the setup hooks (add_setup: more methods with serve(), listeners), then keeps the
/// namespaces config().rpc_api selects (api::select_namespaces). Handlers see only the
/// api::Backend, never the node.
class Node
{
public:
    /// A node that is not running yet.
    explicit Node(NodeConfig config);
    /// Stops the node if it is running.
    ~Node();
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;

    /// Opens the database (creating genesis on first start), starts the engine and the RPC
    /// server. Returns the bound port, or a message saying what went wrong (bad genesis, port
    /// in use, database locked, ...). A node is started once: after a failure or stop(),
    /// create a new Node.
    Result<uint16_t, std::string> start();
    /// Stops the RPC server and the engine and closes the database; idempotent.
    void stop();

    /// The configuration (chain id adjusted from the genesis file once started).
    const NodeConfig& config() const noexcept { return config_; }
    /// The bound RPC port (after start()).
    uint16_t port() const noexcept { return port_; }

    /// A hook run by start() after the method table is installed and before the namespaces are
    /// selected and the server starts (more methods with serve(), engine or pool listeners).
    void add_setup(std::function<void(Node&)> hook) { setup_hooks_.push_back(std::move(hook)); }

    /// Handler registry; add methods before start().
    rpc::Dispatcher& dispatcher() noexcept { return *dispatcher_; }
    /// What the JSON-RPC handlers see of this node (valid after start()).
    api::Backend& backend() noexcept;
    /// Installs the methods of `table` (replacing methods of the same name, keeping their
    /// cost) and keeps it alive with the node; from a setup hook.
    void serve(api::MethodTable table);
    /// The chain database (valid after start()).
    db::ChainDb& db() noexcept { return *db_; }
    /// The transaction pool (valid after start()).
    txpool::TxPool& pool() noexcept { return *pool_; }
    /// The engine (valid after start()).
    Engine& engine() noexcept { return *engine_; }
    /// The block-building path every engine uses (valid after start()).
    producer::BlockProducer& producer() noexcept { return *producer_; }
    /// The head state-root tracker (valid after start()).
    chain::StateRootTracker& tracker() noexcept { return *tracker_; }

    /// Makes the engine (called by start() once the database, pool and producer exist).
    using EngineFactory = std::function<std::unique_ptr<Engine>(Node&)>;
    /// Replaces the default DevEngine (before start()).
    void set_engine_factory(EngineFactory factory) { engine_factory_ = std::move(factory); }
    /// Interpreter instances for concurrent eth_call/estimateGas.
    api::VmPool& vms() noexcept { return *vms_; }
    /// The memory budget every trace running at once draws from (config().rpc_trace_total_bytes).
    rpc::ByteBudget& trace_budget() noexcept { return *trace_budget_; }
    /// The unlocked dev accounts and their keys.
    const api::DevKeys& keys() const noexcept { return *keys_; }
    /// Readers shared, the engine exclusive.
    std::shared_mutex& chain_mutex() noexcept { return chain_mutex_; }
    /// The chain rules in force (chain id, base fee rule, gas limit, coinbase; after start()).
    const chain::ChainConfig& chain_config() const noexcept { return chain_config_; }

    /// Listener of transactions that became executable in the pool (newPendingTransactions),
    /// in pending order; called outside the pool lock, possibly from several threads, and
    /// possibly while the chain mutex is held (by the engine after a block): it must not take
    /// chain_mutex() nor wait for the engine.
    using PendingListener =
        std::function<void(const std::vector<std::shared_ptr<const txpool::PooledTransaction>>&)>;
    /// Adds a pending-transaction listener (before start() or from a setup hook).
    void on_pending(PendingListener listener) { pending_listeners_.push_back(std::move(listener)); }

    /// Keeps `object` (e.g. the state shared by a family of handlers) alive until the node is
    /// destroyed.
    void retain(std::shared_ptr<void> object) { retained_.push_back(std::move(object)); }

    /// Namespaces of the methods served (sorted; after start(): those config().rpc_api left on).
    std::vector<std::string> rpc_namespaces() const;

    /// Messages for the operator (genesis warnings, ...), collected during start().
    const std::vector<std::string>& notices() const noexcept { return notices_; }

private:
    /// start() once the database is open: genesis and chain rules, the head checks, the pool,
    /// the engine and the server.
    Result<uint16_t, std::string> start_on_database(chain::GenesisSpec spec);

    NodeConfig config_;
    chain::ChainConfig chain_config_;
    std::vector<std::string> notices_;
    std::vector<std::shared_ptr<void>> retained_;
    std::vector<std::function<void(Node&)>> setup_hooks_;
    std::vector<PendingListener> pending_listeners_;
    uint16_t port_ = 0;
    bool running_ = false;
    std::shared_mutex chain_mutex_;
    std::unique_ptr<api::DevKeys> keys_;
    std::unique_ptr<api::VmPool> vms_;
    std::unique_ptr<db::ChainDb> db_;
    std::unique_ptr<chain::StateRootTracker> tracker_;
    std::unique_ptr<txpool::TxPool> pool_;
    std::unique_ptr<producer::BlockProducer> producer_;
    EngineFactory engine_factory_;
    std::unique_ptr<Engine> engine_;
    std::unique_ptr<NodeBackend> backend_;
    std::vector<api::MethodTable> tables_;  ///< what the installed handlers point into
    std::unique_ptr<rpc::Dispatcher> dispatcher_;
    std::unique_ptr<rpc::ByteBudget> trace_budget_;
    std::unique_ptr<rpc::Server> server_;
};

}  // namespace tern::node
