#pragma once

#include "api/backend.hpp"
#include "api/json/params.hpp"
#include "api/services/call.hpp"
#include "chain/block.hpp"
#include "core/deadline.hpp"
#include "db/chain_db.hpp"
#include "execution/block_env.hpp"
#include "transaction/transaction.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

namespace tern::rpc {
class CallContext;
}

namespace tern::api {

/// geth's CallDefaults: a chainId, when given, must be `chain_id` (-32000 otherwise).
void check_chain_id(const params::TxArgs& args, uint64_t chain_id);

/// A resolved block reference: its number, hash and header.
struct BlockRef
{
    uint64_t number = 0;
    Hash256 hash;
    chain::BlockHeader header;
};

/// Chain access shared by the eth_ handlers (and by later ones: filters, logs, traces): block
/// resolution with geth's errors, state views, block environments, transaction submission.
class ChainAccess
{
public:
    /// Access to `backend`'s chain; the backend outlives it.
    explicit ChainAccess(Backend& backend) : backend_(backend) {}

    /// The block `id` names, or nullopt if there is none (unknown hash or future number).
    std::optional<BlockRef> find_block(const params::BlockId& id) const;
    /// As find_block(), throwing -32000 "header not found" (or "header for hash not found").
    BlockRef require_block(const params::BlockId& id) const;
    /// The state after `block`; throws -32000 when it is outside the history window. A read
    /// of it that fails is remembered (db::StateView::fault()): handlers call
    /// throw_if_faulted() before answering with what they read (-32603).
    std::unique_ptr<db::StateView> state_at(const BlockRef& block) const;
    /// The execution environment of `header` (eth_call runs "in" that block) over `state`
    /// (BLOCKHASH reads its canonical hashes, a failed read becomes its fault).
    execution::BlockEnv block_env(const chain::BlockHeader& header,
                                  const db::StateView& state) const;
    /// `header` with eth_call's blockOverrides applied (geth's BlockOverrides.MakeHeader).
    static chain::BlockHeader with_overrides(chain::BlockHeader header,
                                             const BlockOverrides& overrides);
    /// block_env() of `header` with blockOverrides applied (BLOBBASEFEE too).
    execution::BlockEnv block_env(const chain::BlockHeader& header,
                                  const db::StateView& state,
                                  const BlockOverrides& overrides) const;
    /// The deadline of an RPC-driven execution for the message `ctx` serves: the node's
    /// rpc_evm_timeout from now (`limit` instead when it is shorter and non-zero: a trace's
    /// own timeout), or the client going away.
    Deadline execution_deadline(const rpc::CallContext& ctx,
                                std::chrono::nanoseconds limit = {}) const;
    /// Fills eth_call-style defaults (from = zero address, gas = rpc gas cap, fee fields) for
    /// simulating `args` in `header`'s block.
    CallRequest call_request(const params::TxArgs& args,
                             const chain::BlockHeader& header,
                             uint64_t default_gas) const;

    /// Recovers the sender and hands a signed transaction to the engine (Engine::submit): the
    /// dev engine adds it to the pool (validated against the head), wakes up and in automine
    /// mode waits until the block holding it is committed — with `ctx` the wake-up and the wait
    /// are deferred to the end of the JSON-RPC message (CallContext::defer), so the sends of a
    /// batch share one block and one wait; the CometBFT engine broadcasts it to consensus'
    /// mempool and returns at once. Throws -32000 with geth's message (pool or CheckTx).
    Hash256 submit(Transaction tx, rpc::CallContext* ctx = nullptr);

    /// The backend.
    Backend& backend() const noexcept { return backend_; }

private:
    Backend& backend_;
};

}  // namespace tern::api
