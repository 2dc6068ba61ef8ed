#pragma once

#include "core/protocol.hpp"
#include "evm/host.hpp"
#include "execution/block_env.hpp"
#include "state/state.hpp"

namespace tern::evm {
class Tracer;
class Vm;
}  // namespace tern::evm

namespace tern::execution {

/// Largest deployable contract code (EIP-170; core/protocol.hpp).
inline constexpr size_t kMaxCodeSize = protocol::kMaxCodeSize;
/// Gas per byte of deployed code (yellow paper G_codedeposit; core/protocol.hpp).
inline constexpr int64_t kCodeDepositGas = protocol::kCodeDepositGas;

/// CREATE address: keccak256(rlp([sender, nonce]))[12:].
Address create_address(const Address& sender, uint64_t nonce) noexcept;

/// CREATE2 address: keccak256(0xff ++ sender ++ salt ++ keccak256(init_code))[12:].
Address create2_address(const Address& sender, const Hash256& salt, BytesView init_code) noexcept;

/// The interpreter's window on a journaled State for one transaction (fork Cancun): runs
/// nested calls and creations with snapshots, value transfer, precompile dispatch, EIP-6780
/// SELFDESTRUCT and EIP-2929 warm/cold tracking. When the Vm has a tracer (Vm::set_tracer), the
/// host reports every message, log and self-destruct to it.
class ExecHost final : public evm::Host
{
public:
    /// A host over `state` that runs code with `vm`; all three outlive the host.
    ExecHost(state::State& state,
             evm::Vm& vm,
             const evm::TxContext& tx_context,
             const BlockEnv& block) noexcept
        : state_(state), vm_(vm), tx_context_(tx_context), block_(block)
    {}

    // evm::Host implementation; each function's contract is documented in evm/host.hpp.

    /// EIP-161: false for absent and empty accounts.
    bool account_exists(const Address& addr) const override;
    U256 get_storage(const Address& addr, const U256& key) const override;
    evm::StorageStatus set_storage(const Address& addr,
                                   const U256& key,
                                   const U256& value) override;
    U256 get_balance(const Address& addr) const override;
    size_t get_code_size(const Address& addr) const override;
    Hash256 get_code_hash(const Address& addr) const override;
    BytesView get_code(const Address& addr) const override;
    bool selfdestruct(const Address& addr, const Address& beneficiary) override;
    evm::ExecResult call(const evm::Message& msg) override;
    const evm::TxContext& get_tx_context() const override { return tx_context_; }
    Hash256 get_block_hash(int64_t number) const override;
    void emit_log(const Address& addr, BytesView data, std::span<const Hash256> topics) override;
    evm::AccessStatus access_account(const Address& addr) override;
    evm::AccessStatus access_storage(const Address& addr, const U256& key) override;
    U256 get_transient_storage(const Address& addr, const U256& key) const override;
    void set_transient_storage(const Address& addr, const U256& key, const U256& value) override;

private:
    evm::ExecResult execute(const evm::Message& msg);
    evm::ExecResult traced_call(evm::Tracer& tracer, const evm::Message& msg);
    evm::ExecResult create(const evm::Message& msg);

    state::State& state_;
    evm::Vm& vm_;
    const evm::TxContext& tx_context_;
    const BlockEnv& block_;
};

}  // namespace tern::execution
