#include "chain/block_builder.hpp"

#include "chain/genesis.hpp"
#include "core/keccak.hpp"
#include "evm/vm.hpp"
#include "execution/host.hpp"

namespace tern::chain {
namespace {

/// EIP-4788 SYSTEM_ADDRESS (0xff..fe): the caller of the beacon roots system call.
constexpr Address kSystemAddress = [] {
    Address a;
    for (auto& b : a.bytes)
        b = 0xff;
    a.bytes[19] = 0xfe;
    return a;
}();

/// Gas of the beacon roots system call (not charged to the block).
constexpr int64_t kSystemCallGas = 30'000'000;

/// Wei per Gwei (withdrawal amounts are in Gwei).
constexpr uint64_t kGwei = 1'000'000'000;

}  // namespace

U256 next_base_fee(const ChainConfig& config, const BlockHeader& parent) noexcept
{
    return config.base_fee_rule == BaseFeeRule::Eip1559 ? eip1559_next_base_fee(parent)
                                                        : config.base_fee;
}

BlockAttributes next_block_attributes(const ChainConfig& config,
                                      const BlockHeader& parent,
                                      uint64_t timestamp)
{
    BlockAttributes a;
    a.timestamp = timestamp;
    a.coinbase = config.coinbase;
    a.gas_limit = config.gas_limit;
    a.base_fee = next_base_fee(config, parent);
    a.prev_randao = keccak256(parent.hash().view());
    a.features = config.features.get();
    a.fees = fee_policy(config);
    return a;
}

BlockBuilder::BlockBuilder(const BlockHeader& parent,
                           const state::StateReader& parent_state,
                           uint64_t chain_id,
                           BlockAttributes attributes,
                           BlockHashFn block_hash,
                           evm::Vm& vm)
    : parent_(parent),
      parent_hash_(parent.hash()),
      attributes_(std::move(attributes)),
      block_hash_(std::move(block_hash)),
      vm_(vm),
      state_(std::make_unique<state::State>(parent_state))
{
    env_.coinbase = attributes_.coinbase;
    env_.number = static_cast<int64_t>(parent_.number + 1);
    env_.timestamp = static_cast<int64_t>(attributes_.timestamp);
    env_.gas_limit = static_cast<int64_t>(attributes_.gas_limit);
    env_.prev_randao = attributes_.prev_randao;
    env_.base_fee = attributes_.base_fee;
    env_.excess_blob_gas = next_excess_blob_gas(parent_);
    env_.chain_id = U256{chain_id};
    env_.features = attributes_.features;
    env_.fees = attributes_.fees;
    env_.block_hash = [this](int64_t number) -> Hash256 {
        if (number < 0)
            return Hash256{};
        if (static_cast<uint64_t>(number) == parent_.number)
            return parent_hash_;
        return block_hash_ ? block_hash_(static_cast<uint64_t>(number)) : Hash256{};
    };
    beacon_root_call();
}

BlockBuilder::~BlockBuilder() = default;

void BlockBuilder::beacon_root_call()
{
    if (state_->code(kBeaconRootsAddress).empty())
        return;
    evm::TxContext ctx;
    ctx.origin = kSystemAddress;
    ctx.coinbase = env_.coinbase;
    ctx.block_number = env_.number;
    ctx.block_timestamp = env_.timestamp;
    ctx.block_gas_limit = env_.gas_limit;
    ctx.prev_randao = env_.prev_randao;
    ctx.chain_id = env_.chain_id;
    ctx.base_fee = env_.base_fee;
    ctx.blob_base_fee = execution::blob_base_fee(env_.excess_blob_gas);
    execution::ExecHost host{*state_, vm_, ctx, env_};
    evm::Message msg;
    msg.kind = evm::CallKind::Call;
    msg.depth = 0;
    msg.gas = kSystemCallGas;
    msg.recipient = kBeaconRootsAddress;
    msg.code_address = kBeaconRootsAddress;
    msg.sender = kSystemAddress;
    msg.input = attributes_.parent_beacon_block_root.view();
    state_->access_account(kBeaconRootsAddress);
    (void)host.call(msg);
    state_->finalize_transaction();
}

Result<const execution::Receipt*, execution::InvalidTx> BlockBuilder::try_add(const Transaction& tx,
                                                                              const Address& sender)
{
    TERN_ASSERT(!finished_);
    if (tx.type == TxType::Blob &&
        blob_gas_used_ + execution::kGasPerBlob * tx.blob_versioned_hashes.size() >
            execution::kGasPerBlob * execution::kMaxBlobsPerBlock)
        return execution::InvalidTx{execution::InvalidTxKind::BlobTooMany, {}};
    auto r = execution::apply_transaction(*state_, env_, tx, sender, vm_, gas_used_);
    if (!r)
        return r.error();
    gas_used_ = r->cumulative_gas_used;
    blob_gas_used_ += r->blob_gas_used;
    transactions_.push_back(tx);
    senders_.push_back(sender);
    receipts_.push_back(std::move(*r));
    return &receipts_.back();
}

BuiltBlock BlockBuilder::finish(StateRootTracker& tracker, const StateSource& head_source)
{
    return finish([&](const state::StateDiff& diff) { return tracker.stage(diff, head_source); });
}

BuiltBlock BlockBuilder::finish(const std::function<Hash256(const state::StateDiff&)>& state_root)
{
    TERN_ASSERT(!finished_);
    finished_ = true;
    for (const auto& w : attributes_.withdrawals)
    {
        state_->add_balance(w.address, U256{w.amount_gwei} * U256{kGwei});
        state_->touch(w.address);
    }
    if (!attributes_.withdrawals.empty())
        state_->finalize_transaction();

    BuiltBlock out;
    out.diff = state_->commit();
    BlockHeader& h = out.block.header;
    h.parent_hash = parent_hash_;
    h.coinbase = attributes_.coinbase;
    h.state_root = state_root(out.diff);
    h.transactions_root = transactions_root(transactions_);
    h.receipts_root = receipts_root(receipts_);
    h.logs_bloom = block_bloom(receipts_);
    h.number = parent_.number + 1;
    h.gas_limit = attributes_.gas_limit;
    h.gas_used = gas_used_;
    h.timestamp = attributes_.timestamp;
    h.extra_data = attributes_.extra_data;
    h.mix_hash = attributes_.prev_randao;
    h.base_fee = attributes_.base_fee;
    h.withdrawals_root = withdrawals_root(attributes_.withdrawals);
    h.blob_gas_used = blob_gas_used_;
    h.excess_blob_gas = env_.excess_blob_gas;
    h.parent_beacon_block_root = attributes_.parent_beacon_block_root;
    out.block.transactions = std::move(transactions_);
    out.block.senders = std::move(senders_);
    out.block.withdrawals = std::move(attributes_.withdrawals);
    out.receipts = std::move(receipts_);
    out.hash = h.hash();
    return out;
}

}  // namespace tern::chain
