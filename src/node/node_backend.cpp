#include "node/node_backend.hpp"

#include "node/engine.hpp"
#include "node/node.hpp"

#include <algorithm>

namespace tern::node {

const db::ChainReader& NodeBackend::chain() const
{
    return node_.db();
}

const chain::ChainConfig& NodeBackend::rules() const
{
    return node_.chain_config();
}

const api::RpcLimits& NodeBackend::limits() const
{
    return node_.config();
}

uint64_t NodeBackend::state_history() const
{
    const auto& c = node_.config();
    return c.archive ? 0 : std::max<uint64_t>(c.history, 1);
}

std::shared_mutex& NodeBackend::chain_mutex()
{
    return node_.chain_mutex();
}

const chain::StateRootTracker* NodeBackend::head_tracker() const
{
    return &node_.tracker();
}

std::optional<uint64_t> NodeBackend::pending_nonce(const Address& sender) const
{
    return node_.pool().pending_nonce(sender);
}

txpool::PooledTxPtr NodeBackend::pooled(const Hash256& hash) const
{
    return node_.pool().get(hash);
}

Result<Hash256, std::string> NodeBackend::submit(Transaction tx,
                                                 const Address& sender,
                                                 rpc::CallContext* ctx)
{
    return node_.engine().submit(std::move(tx), sender, ctx);
}

Result<uint64_t, std::string> NodeBackend::mine(std::optional<uint64_t> timestamp)
{
    return node_.engine().mine(timestamp);
}

const api::DevKeys& NodeBackend::keys() const
{
    return node_.keys();
}

api::VmPool& NodeBackend::vms()
{
    return node_.vms();
}

rpc::ByteBudget& NodeBackend::trace_budget()
{
    return node_.trace_budget();
}

void NodeBackend::on_block(BlockListener listener)
{
    node_.engine().on_block(std::move(listener));
}

void NodeBackend::on_pending(PendingListener listener)
{
    node_.on_pending(std::move(listener));
}

}  // namespace tern::node
