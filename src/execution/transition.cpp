#include "execution/transition.hpp"

#include "core/protocol.hpp"
#include "execution/host.hpp"
#include "precompiles/precompiles.hpp"
#include "transaction/validation.hpp"

namespace tern::execution {
namespace {

/// a * b, or nullopt if the product does not fit in 256 bits.
std::optional<U256> checked_mul(const U256& a, const U256& b) noexcept
{
    const auto p = mul_full(a, b);
    if (p.w[4] | p.w[5] | p.w[6] | p.w[7])
        return std::nullopt;
    return U256{p.w[0], p.w[1], p.w[2], p.w[3]};
}

/// a + b, or nullopt on overflow.
std::optional<U256> checked_add(const U256& a, const U256& b) noexcept
{
    const U256 s = a + b;
    if (s < a)
        return std::nullopt;
    return s;
}

InvalidTx invalid(InvalidTxKind kind)
{
    return InvalidTx{kind, {}};
}

}  // namespace

std::string InvalidTx::message() const
{
    switch (kind)
    {
        case InvalidTxKind::Stateless:
            return stateless.message();
        case InvalidTxKind::UnsupportedType:
            return "transaction type not supported";
        case InvalidTxKind::NonceMismatch:
            return "nonce mismatch";
        case InvalidTxKind::SenderNotEoa:
            return "sender is not an EOA (EIP-3607)";
        case InvalidTxKind::InsufficientFunds:
            return "insufficient funds for gas * price + value";
        case InvalidTxKind::FeeCapBelowBaseFee:
            return "max fee per gas below base fee";
        case InvalidTxKind::GasLimitExceedsBlock:
            return "gas limit exceeds block gas limit";
        case InvalidTxKind::BlobCreate:
            return "blob transaction cannot create";
        case InvalidTxKind::BlobNoHashes:
            return "blob transaction without blobs";
        case InvalidTxKind::BlobTooMany:
            return "too many blobs";
        case InvalidTxKind::BlobBadVersion:
            return "blob hash version not 0x01";
        case InvalidTxKind::BlobFeeCapTooLow:
            return "max fee per blob gas below blob base fee";
        case InvalidTxKind::NonceMax:
            return "nonce has max value";
    }
    return "invalid transaction";
}

void warm_at_start(state::State& state,
                   const Address& sender,
                   const std::optional<Address>& to,
                   const Address& coinbase,
                   std::span<const Address> precompiles,
                   std::span<const AccessListEntry> access_list)
{
    for_each_warm_account(sender, to, coinbase, precompiles,
                          [&](const Address& a) { state.access_account(a); });
    for (const auto& entry : access_list)
    {
        state.access_account(entry.address);
        for (const auto& key : entry.storage_keys)
            state.access_storage(entry.address, U256::from_hash(key));
    }
}

Result<TxExecution, InvalidTx> execute_transaction(state::State& state,
                                                   const BlockEnv& block,
                                                   const Transaction& tx,
                                                   const Address& sender,
                                                   evm::Vm& vm,
                                                   const TransitionOptions& options,
                                                   uint64_t block_gas_used)
{
    // ---- validation (no state change before it passes) ----
    // The chain's fee rule may exempt the transaction (a zero-fee chain, proof-of-work gas):
    // then it is a message without fees, whatever its fee fields say.
    const bool exempt = fee_exempt(block.fees, tx, sender);
    const bool charge_fees = options.charge_fees && !exempt;
    uint64_t intrinsic = 0;
    if (options.check_inclusion)
    {
        if (tx.type == TxType::SetCode)
            return invalid(InvalidTxKind::UnsupportedType);
        const auto r = validate_stateless(tx, !exempt);
        if (!r)
            return InvalidTx{InvalidTxKind::Stateless, r.error()};
        intrinsic = *r;
    }
    else
    {
        // geth's eth_call order: intrinsic gas (and initcode size) first, then the fee fields.
        const auto r = intrinsic_gas(tx);
        if (!r)
            return InvalidTx{InvalidTxKind::Stateless, r.error()};
        if (tx.gas_limit < *r)
            return InvalidTx{InvalidTxKind::Stateless,
                             TxError{TxErrorCode::IntrinsicGasTooLow,
                                     rlp::DecodingError::InputTooShort, "gas_limit"},
                             U256{tx.gas_limit}, U256{*r}};
        if (options.charge_fees && tx.max_priority_fee_per_gas > tx.max_fee_per_gas)
            return InvalidTx{
                InvalidTxKind::Stateless,
                TxError{TxErrorCode::PriorityFeeGreaterThanMaxFee,
                        rlp::DecodingError::InputTooShort, "max_priority_fee_per_gas"}};
        intrinsic = *r;
    }

    const U256 blob_fee = block.blob_base_fee_override ? *block.blob_base_fee_override
                                                       : blob_base_fee(block.excess_blob_gas);
    uint64_t blob_gas = 0;
    if (options.check_inclusion && tx.type == TxType::Blob)
    {
        if (!tx.to)
            return invalid(InvalidTxKind::BlobCreate);
        if (tx.blob_versioned_hashes.empty())
            return invalid(InvalidTxKind::BlobNoHashes);
        if (tx.blob_versioned_hashes.size() > protocol::kMaxBlobsPerBlock)
            return invalid(InvalidTxKind::BlobTooMany);
        for (const auto& h : tx.blob_versioned_hashes)
            if (h[0] != protocol::kBlobHashVersionKzg)
                return invalid(InvalidTxKind::BlobBadVersion);
        if (tx.max_fee_per_blob_gas < blob_fee)
            return invalid(InvalidTxKind::BlobFeeCapTooLow);
        blob_gas = protocol::kGasPerBlob * tx.blob_versioned_hashes.size();
    }
    if (charge_fees && tx.max_fee_per_gas < block.base_fee)
        return invalid(InvalidTxKind::FeeCapBelowBaseFee);
    if (options.check_inclusion &&
        (block.gas_limit < 0 || block_gas_used > static_cast<uint64_t>(block.gas_limit) ||
         tx.gas_limit > static_cast<uint64_t>(block.gas_limit) - block_gas_used))
        return invalid(InvalidTxKind::GasLimitExceedsBlock);
    if (options.check_nonce)
    {
        if (state.code_hash(sender) != kEmptyCodeHash)
            return invalid(InvalidTxKind::SenderNotEoa);
        if (state.nonce(sender) != tx.nonce)
            return invalid(InvalidTxKind::NonceMismatch);
    }

    // Balance must cover the worst case: gas_limit * max_fee + value + blob_gas * max_blob_fee
    // (the value alone when no fees are charged).
    std::optional<U256> max_cost =
        charge_fees ? checked_mul(U256{tx.gas_limit}, tx.max_fee_per_gas) : U256{};
    if (max_cost)
        max_cost = checked_add(*max_cost, tx.value);
    if (charge_fees && max_cost && blob_gas != 0)
    {
        const auto max_blob_cost = checked_mul(U256{blob_gas}, tx.max_fee_per_blob_gas);
        max_cost = max_blob_cost ? checked_add(*max_cost, *max_blob_cost) : std::nullopt;
    }
    if (const U256& balance = state.balance(sender); !max_cost || balance < *max_cost)
        return InvalidTx{InvalidTxKind::InsufficientFunds, {}, balance, max_cost};

    const uint64_t nonce = options.check_nonce ? tx.nonce : state.nonce(sender);
    if (!options.check_nonce && nonce == UINT64_MAX)
        return invalid(InvalidTxKind::NonceMax);

    // ---- execution ----
    U256 priority;
    U256 gas_price;
    if (charge_fees)
    {
        priority = tx.max_fee_per_gas - block.base_fee < tx.max_priority_fee_per_gas
                       ? tx.max_fee_per_gas - block.base_fee
                       : tx.max_priority_fee_per_gas;
        gas_price = block.base_fee + priority;
    }
    const U256 blob_cost = charge_fees ? U256{blob_gas} * blob_fee : U256{};

    state.sub_balance(sender, U256{tx.gas_limit} * gas_price + blob_cost);
    state.set_nonce(sender, nonce + 1);
    warm_at_start(state, sender, tx.to, block.coinbase,
                  warm_precompiles(block.features, evm::kDefaultFork), tx.access_list);

    evm::TxContext ctx;
    ctx.gas_price = gas_price;
    ctx.origin = sender;
    ctx.coinbase = block.coinbase;
    ctx.block_number = block.number;
    ctx.block_timestamp = block.timestamp;
    ctx.block_gas_limit = block.gas_limit;
    ctx.prev_randao = block.prev_randao;
    ctx.chain_id = block.chain_id;
    ctx.base_fee = block.base_fee;
    ctx.blob_base_fee = blob_fee;
    ctx.blob_hashes = tx.blob_versioned_hashes;

    ExecHost host{state, vm, ctx, block};
    evm::Message msg;
    msg.kind = tx.to ? evm::CallKind::Call : evm::CallKind::Create;
    msg.depth = 0;
    msg.gas = static_cast<int64_t>(tx.gas_limit - intrinsic);
    if (tx.to)
    {
        msg.recipient = *tx.to;
        msg.code_address = *tx.to;
    }
    msg.sender = sender;
    msg.input = tx.data;
    msg.value = tx.value;
    auto result = host.call(msg);

    // ---- refund and fees ----
    TxExecution out;
    uint64_t gas_used = tx.gas_limit - static_cast<uint64_t>(result.gas_left);
    if (result.status == evm::Status::Success && result.gas_refund > 0)
    {
        out.gas_refund = std::min(static_cast<uint64_t>(result.gas_refund), gas_used / 5);
        gas_used -= out.gas_refund;
    }
    if (options.settle)
    {
        state.add_balance(sender, U256{tx.gas_limit - gas_used} * gas_price);
        state.add_balance(block.coinbase, U256{gas_used} * priority);
        state.touch(block.coinbase);
    }

    Receipt& receipt = out.receipt;
    receipt.type = tx.type;
    receipt.success = result.status == evm::Status::Success;
    receipt.gas_used = gas_used;
    receipt.cumulative_gas_used = block_gas_used + gas_used;
    receipt.blob_gas_used = blob_gas;
    receipt.logs = state.logs();
    if (result.status == evm::Status::Revert)
        receipt.revert_reason = revert_reason_of(result.output);
    if (options.settle)
    {
        receipt.bloom = logs_bloom(receipt.logs);
        state.finalize_transaction();
    }
    out.status = result.status;
    out.output = std::move(result.output);
    out.created = result.create_address;
    return out;
}

Result<Receipt, InvalidTx> apply_transaction(state::State& state,
                                             const BlockEnv& block,
                                             const Transaction& tx,
                                             const Address& sender,
                                             evm::Vm& vm,
                                             uint64_t block_gas_used)
{
    auto r = execute_transaction(state, block, tx, sender, vm, TransitionOptions{}, block_gas_used);
    if (!r)
        return r.error();
    return std::move(r->receipt);
}

}  // namespace tern::execution
