#include "execution/host.hpp"

#include "core/abi.hpp"
#include "core/keccak.hpp"
#include "core/rlp_encode.hpp"
#include "evm/sstore.hpp"
#include "evm/vm.hpp"
#include "execution/chain_features.hpp"
#include "execution/stateful_precompiles.hpp"
#include "precompiles/precompiles.hpp"

#include <cstring>

namespace tern::execution {
namespace {

constexpr int32_t kMaxCallDepth = 1024;

Address address_from_hash(const Hash256& h) noexcept
{
    Address a;
    std::memcpy(a.bytes.data(), h.bytes.data() + 12, 20);
    return a;
}

/// Failure result that consumes all gas of the frame.
evm::ExecResult failure(evm::Status status)
{
    evm::ExecResult r;
    r.status = status;
    return r;
}

/// Failure that returns the frame's gas (checks that fail before the frame starts).
evm::ExecResult light_failure(evm::Status status, int64_t gas)
{
    evm::ExecResult r;
    r.status = status;
    r.gas_left = gas;
    return r;
}

}  // namespace

Address create_address(const Address& sender, uint64_t nonce) noexcept
{
    Bytes payload;
    rlp::encode_bytes(payload, sender.view());
    rlp::encode_uint(payload, nonce);
    return address_from_hash(keccak256(rlp::wrap_list(payload)));
}

Address create2_address(const Address& sender, const Hash256& salt, BytesView init_code) noexcept
{
    uint8_t buf[1 + 20 + 32 + 32];
    buf[0] = 0xff;
    std::memcpy(buf + 1, sender.bytes.data(), 20);
    std::memcpy(buf + 21, salt.bytes.data(), 32);
    const auto code_hash = keccak256(init_code);
    std::memcpy(buf + 53, code_hash.bytes.data(), 32);
    return address_from_hash(keccak256({buf, sizeof(buf)}));
}

bool ExecHost::account_exists(const Address& addr) const
{
    return !state_.is_dead(addr);
}

U256 ExecHost::get_storage(const Address& addr, const U256& key) const
{
    return state_.storage(addr, key);
}

evm::StorageStatus ExecHost::set_storage(const Address& addr, const U256& key, const U256& value)
{
    const auto current = state_.storage(addr, key);
    const auto status = evm::classify_sstore(state_.original_storage(addr, key), current, value);
    if (current != value)
        state_.set_storage(addr, key, value);
    return status;
}

U256 ExecHost::get_balance(const Address& addr) const
{
    return state_.balance(addr);
}

size_t ExecHost::get_code_size(const Address& addr) const
{
    return state_.code(addr).size();
}

Hash256 ExecHost::get_code_hash(const Address& addr) const
{
    if (state_.is_dead(addr))
        return {};
    return state_.code_hash(addr);
}

BytesView ExecHost::get_code(const Address& addr) const
{
    return state_.code(addr);
}

bool ExecHost::selfdestruct(const Address& addr, const Address& beneficiary)
{
    const U256 balance = state_.balance(addr);
    if (evm::Tracer* tracer = vm_.tracer(); tracer != nullptr) [[unlikely]]
        tracer->on_selfdestruct(addr, beneficiary, balance);
    state_.touch(beneficiary);
    if (!state_.is_created(addr))
    {
        // EIP-6780: only the balance moves; sending to itself changes nothing.
        if (beneficiary != addr)
        {
            state_.add_balance(beneficiary, balance);
            state_.set_balance(addr, U256{});
        }
        return false;
    }
    if (beneficiary != addr)
        state_.add_balance(beneficiary, balance);
    state_.set_balance(addr, U256{});  // burnt if the beneficiary is the account itself
    return state_.mark_destructed(addr);
}

evm::ExecResult ExecHost::call(const evm::Message& msg)
{
    if (evm::Tracer* tracer = vm_.tracer(); tracer != nullptr) [[unlikely]]
        return traced_call(*tracer, msg);
    return execute(msg);
}

evm::ExecResult ExecHost::traced_call(evm::Tracer& tracer, const evm::Message& msg)
{
    tracer.on_call_enter(msg);
    auto r = execute(msg);
    const bool created = r.status == evm::Status::Success &&
                         (msg.kind == evm::CallKind::Create || msg.kind == evm::CallKind::Create2);
    tracer.on_call_exit(msg, r, created ? state_.code(r.create_address) : BytesView{r.output});
    return r;
}

evm::ExecResult ExecHost::execute(const evm::Message& msg)
{
    if (msg.depth > kMaxCallDepth)
        return light_failure(evm::Status::CallDepthExceeded, msg.gas);
    if (msg.kind == evm::CallKind::Create || msg.kind == evm::CallKind::Create2)
        return create(msg);

    const auto snap = state_.snapshot();
    if (msg.kind == evm::CallKind::Call)
    {
        if (msg.value)
        {
            if (state_.balance(msg.sender) < msg.value)
                return light_failure(evm::Status::InsufficientBalance, msg.gas);
            state_.sub_balance(msg.sender, msg.value);
            state_.add_balance(msg.recipient, msg.value);
        }
        // EIP-161: a call touches its recipient (absent + zero value nets out as untouched).
        state_.touch(msg.recipient);
    }
    else if (msg.kind == evm::CallKind::CallCode && state_.balance(msg.sender) < msg.value)
        return light_failure(evm::Status::InsufficientBalance, msg.gas);

    evm::ExecResult r;
    StatefulPrecompiles* const feature =
        block_.features != nullptr ? block_.features->find(msg.code_address) : nullptr;
    if (feature != nullptr)
        r = feature->execute(msg, state_, *this, vm_.deadline());
    else if (precompiles::is_precompile(msg.code_address))
        r = precompiles::execute(msg.code_address, msg.input, msg.gas, vm_.deadline());
    else
    {
        const auto code = state_.code(msg.code_address);
        if (code.empty())
            r = light_failure(evm::Status::Success, msg.gas);
        else
            r = vm_.execute(*this, msg, code, state_.code_hash(msg.code_address));
    }
    if (r.status != evm::Status::Success)
    {
        state_.revert(snap);
        r.gas_refund = 0;
        if (r.status != evm::Status::Revert)
            r.gas_left = 0;
        if (r.status == evm::Status::Interrupted)
            vm_.note_interrupted();  // a precompile saw the deadline: the callers stop too
    }
    return r;
}

evm::ExecResult ExecHost::create(const evm::Message& msg)
{
    if (state_.balance(msg.sender) < msg.value)
        return light_failure(evm::Status::InsufficientBalance, msg.gas);

    uint64_t nonce = state_.nonce(msg.sender);
    if (msg.depth == 0)
        --nonce;  // the transaction already bumped the nonce; the address uses the old one
    else
    {
        if (nonce == UINT64_MAX)  // EIP-2681
            return light_failure(evm::Status::ArgumentOutOfRange, msg.gas);
        state_.set_nonce(msg.sender, nonce + 1);
    }
    const Address addr = msg.kind == evm::CallKind::Create
                             ? create_address(msg.sender, nonce)
                             : create2_address(msg.sender, msg.create2_salt, msg.input);
    state_.access_account(addr);  // EIP-2929: stays warm even if the creation fails

    // A chain's deployer allow-list (ConfigController): refused as skaled names it, keeping the
    // frame's gas (a revert, so a factory sees why).
    if (block_.features != nullptr)
        for (const execution::DeployGuard* guard : block_.features->deploy_guards())
            if (!guard->allowed(state_, *this, msg.depth, tx_context_.origin, msg.sender))
            {
                evm::ExecResult refused;
                refused.status = evm::Status::Revert;
                refused.gas_left = msg.gas;
                refused.output = abi::encode_error("InvalidContractDeployer");
                return refused;
            }

    // Collision (EIP-684, EIP-7610): the address already has a nonce, code or storage.
    if (state_.nonce(addr) != 0 || state_.code_hash(addr) != kEmptyCodeHash ||
        state_.has_storage(addr))
        return failure(evm::Status::CreateCollision);

    const auto snap = state_.snapshot();
    state_.create_account(addr);
    state_.set_nonce(addr, 1);  // EIP-161
    state_.mark_created(addr);
    if (msg.value)
    {
        state_.sub_balance(msg.sender, msg.value);
        state_.add_balance(addr, msg.value);
    }

    evm::Message init = msg;
    init.recipient = addr;
    init.code_address = addr;
    init.input = {};
    auto r = vm_.execute(*this, init, msg.input);
    if (r.status != evm::Status::Success)
    {
        state_.revert(snap);
        r.gas_refund = 0;
        if (r.status != evm::Status::Revert)
            r.gas_left = 0;
        return r;
    }

    const BytesView code = r.output;
    const auto deposit = static_cast<int64_t>(code.size()) * kCodeDepositGas;
    evm::Status fail = evm::Status::Success;
    if (code.size() > kMaxCodeSize)
        fail = evm::Status::CodeSizeExceeded;  // EIP-170
    else if (r.gas_left < deposit)
        fail = evm::Status::OutOfGas;
    else if (!code.empty() && code[0] == 0xEF)
        fail = evm::Status::ContractValidationFailure;  // EIP-3541
    if (fail != evm::Status::Success)
    {
        state_.revert(snap);
        return failure(fail);
    }
    if (!code.empty())
        state_.set_code(addr, code);
    r.gas_left -= deposit;
    r.output.clear();
    r.create_address = addr;
    return r;
}

Hash256 ExecHost::get_block_hash(int64_t number) const
{
    return block_.block_hash ? block_.block_hash(number) : Hash256{};
}

void ExecHost::emit_log(const Address& addr, BytesView data, std::span<const Hash256> topics)
{
    if (evm::Tracer* tracer = vm_.tracer(); tracer != nullptr) [[unlikely]]
        tracer->on_log(addr, data, topics);
    state_.add_log({addr, {topics.begin(), topics.end()}, to_bytes(data)});
}

evm::AccessStatus ExecHost::access_account(const Address& addr)
{
    return state_.access_account(addr) ? evm::AccessStatus::Warm : evm::AccessStatus::Cold;
}

evm::AccessStatus ExecHost::access_storage(const Address& addr, const U256& key)
{
    return state_.access_storage(addr, key) ? evm::AccessStatus::Warm : evm::AccessStatus::Cold;
}

U256 ExecHost::get_transient_storage(const Address& addr, const U256& key) const
{
    return state_.transient_storage(addr, key);
}

void ExecHost::set_transient_storage(const Address& addr, const U256& key, const U256& value)
{
    state_.set_transient_storage(addr, key, value);
}

}  // namespace tern::execution
