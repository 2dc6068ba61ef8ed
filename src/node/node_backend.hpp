#pragma once

#include "api/backend.hpp"

namespace tern::node {

class Node;

/// api::Backend over a started node: its database, rules, pool, engine and keys. Node::start()
/// builds the method table over it; a hook (Node::add_setup) can build more.
class NodeBackend final : public api::Backend
{
public:
    /// The backend of `node`, which outlives it.
    explicit NodeBackend(Node& node) noexcept : node_(node) {}

    const db::ChainReader& chain() const override;
    const chain::ChainConfig& rules() const override;
    const api::RpcLimits& limits() const override;
    uint64_t state_history() const override;
    std::shared_mutex& chain_mutex() override;
    const chain::StateRootTracker* head_tracker() const override;
    std::optional<uint64_t> pending_nonce(const Address& sender) const override;
    txpool::PooledTxPtr pooled(const Hash256& hash) const override;
    Result<Hash256, std::string> submit(Transaction tx,
                                        const Address& sender,
                                        rpc::CallContext* ctx) override;
    Result<uint64_t, std::string> mine(std::optional<uint64_t> timestamp) override;
    const api::DevKeys& keys() const override;
    api::VmPool& vms() override;
    rpc::ByteBudget& trace_budget() override;
    void on_block(BlockListener listener) override;
    void on_pending(PendingListener listener) override;

private:
    Node& node_;
};

}  // namespace tern::node
