#pragma once

#include "chain/block.hpp"
#include "chain/chain_config.hpp"
#include "chain/state_root_tracker.hpp"
#include "core/result.hpp"
#include "execution/block_env.hpp"
#include "execution/receipt.hpp"
#include "execution/transition.hpp"
#include "state/reader.hpp"
#include "state/state.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace tern::evm {
class Vm;
}

namespace tern::chain {

/// What the block producer chooses for a new block (Engine API "payload attributes" plus the
/// fields a single-node chain decides itself).
struct BlockAttributes
{
    uint64_t timestamp = 0;
    Address coinbase;
    Hash256 prev_randao;
    uint64_t gas_limit = kDefaultGasLimit;
    U256 base_fee;
    Bytes extra_data;
    Hash256 parent_beacon_block_root;
    std::vector<Withdrawal> withdrawals;
    /// The chain's features (ChainConfig::features), not owned; null: none.
    const execution::ChainFeatures* features = nullptr;
    /// Who pays for gas (chain::fee_policy of the rules).
    execution::FeePolicy fees;
};

/// Base fee of the child of `parent` under `config`'s rule: the fixed base fee, or London's
/// from the parent's gas used. What the next block gets (eth_feeHistory, eth_gasPrice).
U256 next_base_fee(const ChainConfig& config, const BlockHeader& parent) noexcept;

/// Attributes of the child of `parent` under `config`: its coinbase and gas limit, the base
/// fee by the configured rule, prev_randao = keccak256(parent hash) (deterministic), zero
/// beacon root, no withdrawals; the config's stateful precompiles.
BlockAttributes next_block_attributes(const ChainConfig& config,
                                      const BlockHeader& parent,
                                      uint64_t timestamp);

/// BLOCKHASH source: the hash of an ancestor by number (numbers below the parent).
using BlockHashFn = std::function<Hash256(uint64_t number)>;

/// A finished block with everything the database commits.
struct BuiltBlock
{
    Block block;                               ///< header complete, senders filled
    std::vector<execution::Receipt> receipts;  ///< one per transaction
    state::StateDiff diff;                     ///< net state change of the block
    Hash256 hash;                              ///< block.header.hash()
};

/// Builds one block on top of `parent`: the EIP-4788 system call (if the beacon roots contract
/// has code), then transactions one by one (an invalid one is rejected and leaves no trace, so
/// the producer can skip it), then withdrawals; finish() seals the header.
class BlockBuilder
{
public:
    /// A builder over `parent_state` (the post-state of `parent`), which, like `vm`, must
    /// outlive the builder. `block_hash` answers BLOCKHASH for numbers below parent.number
    /// (the parent's own hash is known).
    BlockBuilder(const BlockHeader& parent,
                 const state::StateReader& parent_state,
                 uint64_t chain_id,
                 BlockAttributes attributes,
                 BlockHashFn block_hash,
                 evm::Vm& vm);
    ~BlockBuilder();
    BlockBuilder(const BlockBuilder&) = delete;
    BlockBuilder& operator=(const BlockBuilder&) = delete;

    /// Executes `tx` from `sender` (already recovered) at the end of the block. On success the
    /// transaction is part of the block and its receipt is returned (valid until the next
    /// try_add/finish); an invalid transaction (nonce, funds, gas limit, block blob gas ...) is
    /// rejected and changes nothing.
    Result<const execution::Receipt*, execution::InvalidTx> try_add(const Transaction& tx,
                                                                    const Address& sender);

    /// Gas used so far.
    uint64_t gas_used() const noexcept { return gas_used_; }
    /// Gas left for transactions.
    uint64_t gas_left() const noexcept { return attributes_.gas_limit - gas_used_; }
    /// Number of transactions so far.
    size_t size() const noexcept { return transactions_.size(); }
    /// The block environment transactions see.
    const execution::BlockEnv& env() const noexcept { return env_; }
    /// The state with the block's changes so far (reads only).
    const state::State& state() const noexcept { return *state_; }

    /// Applies withdrawals, commits the state and seals the block; its state root comes from
    /// `tracker.stage(diff, head_source)` (the caller commits or discards the staged root
    /// after storing the block). The builder cannot be used afterwards.
    BuiltBlock finish(StateRootTracker& tracker, const StateSource& head_source);

    /// Same, with the state root computed by `state_root` from the block's diff.
    BuiltBlock finish(const std::function<Hash256(const state::StateDiff&)>& state_root);

private:
    void beacon_root_call();

    BlockHeader parent_;
    Hash256 parent_hash_;
    BlockAttributes attributes_;
    BlockHashFn block_hash_;
    evm::Vm& vm_;
    execution::BlockEnv env_;
    std::unique_ptr<state::State> state_;
    std::vector<Transaction> transactions_;
    std::vector<Address> senders_;
    std::vector<execution::Receipt> receipts_;
    uint64_t gas_used_ = 0;
    uint64_t blob_gas_used_ = 0;
    bool finished_ = false;
};

}  // namespace tern::chain
