#include "api/services/chain_access.hpp"

#include "rpc/dispatcher.hpp"
#include "txpool/recover_sender.hpp"

#include <utility>

namespace tern::api {

using params::BlockId;

void check_chain_id(const params::TxArgs& args, uint64_t chain_id)
{
    if (args.chain_id && *args.chain_id != U256{chain_id})
        throw rpc::Error::server("chainId does not match node's (have=" + args.chain_id->to_dec() +
                                 ", want=" + std::to_string(chain_id) + ")");
}

std::optional<BlockRef> ChainAccess::find_block(const BlockId& id) const
{
    const auto& db = backend_.chain();
    BlockRef ref;
    switch (id.kind)
    {
        case BlockId::Kind::Latest:
        case BlockId::Kind::Pending:
        case BlockId::Kind::Safe:
        case BlockId::Kind::Finalized:
            ref.number = db.head_number();
            break;
        case BlockId::Kind::Earliest:
            ref.number = 0;
            break;
        case BlockId::Kind::Number:
            ref.number = id.number;
            break;
        case BlockId::Kind::Hash:
        {
            const auto n = db.block_number(id.hash);
            if (!n)
                return std::nullopt;
            ref.number = *n;
            break;
        }
    }
    auto header = db.header(ref.number);
    if (!header)
        return std::nullopt;
    ref.header = std::move(*header);
    ref.hash = ref.header.hash();
    return ref;
}

BlockRef ChainAccess::require_block(const BlockId& id) const
{
    auto ref = find_block(id);
    if (!ref)
        throw rpc::Error::server(id.kind == BlockId::Kind::Hash ? "header for hash not found"
                                                                : "header not found");
    return std::move(*ref);
}

std::unique_ptr<db::StateView> ChainAccess::state_at(const BlockRef& block) const
{
    auto view = backend_.chain().state_at(block.number);
    if (!view)
        throw rpc::Error::server(view.error().message);
    return std::move(*view);
}

execution::BlockEnv ChainAccess::block_env(const chain::BlockHeader& header,
                                           const db::StateView& state) const
{
    execution::BlockEnv env;
    env.coinbase = header.coinbase;
    env.number = static_cast<int64_t>(header.number);
    env.timestamp = static_cast<int64_t>(header.timestamp);
    env.gas_limit = static_cast<int64_t>(header.gas_limit);
    env.prev_randao = header.mix_hash;
    env.base_fee = header.base_fee;
    env.excess_blob_gas = header.excess_blob_gas;
    env.chain_id = U256{backend_.rules().chain_id};
    env.features = backend_.rules().features.get();
    env.fees = chain::fee_policy(backend_.rules());
    const db::StateView* view = &state;
    env.block_hash = [view](int64_t n) {
        const auto h = view->block_hash(static_cast<uint64_t>(n));
        return h ? *h : Hash256{};
    };
    return env;
}

chain::BlockHeader ChainAccess::with_overrides(chain::BlockHeader header,
                                               const BlockOverrides& overrides)
{
    if (overrides.number)
        header.number = *overrides.number;
    if (overrides.time)
        header.timestamp = *overrides.time;
    if (overrides.gas_limit)
        header.gas_limit = *overrides.gas_limit;
    if (overrides.fee_recipient)
        header.coinbase = *overrides.fee_recipient;
    if (overrides.prev_randao)
        header.mix_hash = *overrides.prev_randao;
    if (overrides.base_fee_per_gas)
        header.base_fee = *overrides.base_fee_per_gas;
    return header;  // difficulty: no effect after the merge (PREVRANDAO is mix_hash)
}

execution::BlockEnv ChainAccess::block_env(const chain::BlockHeader& header,
                                           const db::StateView& state,
                                           const BlockOverrides& overrides) const
{
    auto env = block_env(with_overrides(header, overrides), state);
    env.blob_base_fee_override = overrides.blob_base_fee;
    return env;
}

Deadline ChainAccess::execution_deadline(const rpc::CallContext& ctx,
                                         std::chrono::nanoseconds limit) const
{
    std::chrono::nanoseconds timeout = backend_.limits().rpc_evm_timeout;
    if (limit > std::chrono::nanoseconds::zero() &&
        (timeout <= std::chrono::nanoseconds::zero() || limit < timeout))
        timeout = limit;
    return Deadline::after(std::chrono::duration_cast<Deadline::Clock::duration>(timeout),
                           &ctx.cancel_flag());
}

CallRequest ChainAccess::call_request(const params::TxArgs& args,
                                      const chain::BlockHeader& header,
                                      uint64_t default_gas) const
{
    check_chain_id(args, backend_.rules().chain_id);
    if (args.gas_price && (args.max_fee_per_gas || args.max_priority_fee_per_gas))
        throw rpc::Error::server(
            "both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified");
    CallRequest req;
    req.from = args.from.value_or(Address{});
    req.to = args.to;
    const uint64_t cap = backend_.limits().rpc_gas_cap;
    req.gas = args.gas.value_or(default_gas);
    if (cap != 0 && req.gas > cap)
        req.gas = cap;
    req.value = args.value.value_or(U256{});
    req.data = args.data.value_or(Bytes{});
    req.nonce = args.nonce;
    if (args.access_list)
        req.access_list = *args.access_list;
    req.blob_hashes = args.blob_hashes;
    req.max_fee_per_blob_gas = args.max_fee_per_blob_gas.value_or(U256{});
    if (args.gas_price)
    {
        req.type = args.access_list ? TxType::AccessList : TxType::Legacy;
        req.max_fee_per_gas = *args.gas_price;
        req.max_priority_fee_per_gas = *args.gas_price;
        req.fees_given = static_cast<bool>(*args.gas_price);
    }
    else if (args.max_fee_per_gas || args.max_priority_fee_per_gas)
    {
        req.type = TxType::DynamicFee;
        req.max_fee_per_gas = args.max_fee_per_gas.value_or(
            header.base_fee * U256{2} + args.max_priority_fee_per_gas.value_or(U256{}));
        req.max_priority_fee_per_gas = args.max_priority_fee_per_gas.value_or(U256{});
        req.fees_given = req.max_fee_per_gas || req.max_priority_fee_per_gas;
    }
    else
        req.type = args.access_list ? TxType::AccessList : TxType::Legacy;
    if (!req.blob_hashes.empty())
        req.type = TxType::Blob;
    return req;
}

Hash256 ChainAccess::submit(Transaction tx, rpc::CallContext* ctx)
{
    const auto sender = txpool::recover_sender_for_rpc(tx, backend_.rules().chain_id);
    if (!sender)
        throw rpc::Error::server(sender.error());
    auto r = backend_.submit(std::move(tx), *sender, ctx);
    if (!r)
        throw rpc::Error::server(r.error());
    return *r;
}

}  // namespace tern::api
