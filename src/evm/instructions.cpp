// Out-of-line instruction implementations: the ones that talk to the host or are large. Keeping
// them out of the dispatch loop keeps the loop's register pressure and code size low.

#include "evm/instructions.hpp"

#include "evm/sstore.hpp"

#include <limits>

namespace tern::evm::instr {

int64_t grow_memory(int64_t gas_left, Memory& memory, uint64_t new_size) noexcept
{
    const uint64_t new_words = num_words(new_size);
    const uint64_t cur_words = memory.size() / 32;
    const int64_t cost = memory_cost(new_words) - memory_cost(cur_words);
    if ((gas_left -= cost) < 0)
        return gas_left;
    memory.grow(static_cast<size_t>(new_words * 32));
    return gas_left;
}

namespace {

/// Charges the EIP-2929 surcharge if `addr` was cold (base gas already covers the warm cost).
inline bool charge_account_access(int64_t& gas, ExecutionState& state, const Address& addr) noexcept
{
    if (state.host->access_account(addr) == AccessStatus::Cold)
        return (gas -= kColdAccountSurcharge) >= 0;
    return true;
}

}  // namespace

Result op_keccak256(StackTop stack, int64_t gas, ExecutionState& state) noexcept
{
    const U256& offset = stack.pop();
    U256& size = stack.top();
    if (!check_memory(gas, state.memory, offset, size))
        return {Status::OutOfGas, gas};
    const uint64_t n = size.w[0];
    if ((gas -= word_cost(n, kKeccakWordCost)) < 0)
        return {Status::OutOfGas, gas};
    const BytesView data =
        n != 0 ? BytesView{&state.memory[offset.w[0]], static_cast<size_t>(n)} : BytesView{};
    const Hash256 h = keccak256(data);
    load_word_to(size, h.data());
    return {Status::Success, gas};
}

Result op_balance(StackTop stack, int64_t gas, ExecutionState& state) noexcept
{
    U256& x = stack.top();
    const Address addr = x.to_address();
    if (!charge_account_access(gas, state, addr))
        return {Status::OutOfGas, gas};
    x = state.host->get_balance(addr);
    return {Status::Success, gas};
}

Result op_extcodesize(StackTop stack, int64_t gas, ExecutionState& state) noexcept
{
    U256& x = stack.top();
    const Address addr = x.to_address();
    if (!charge_account_access(gas, state, addr))
        return {Status::OutOfGas, gas};
    x = U256{state.host->get_code_size(addr)};
    return {Status::Success, gas};
}

Result op_extcodecopy(StackTop stack, int64_t gas, ExecutionState& state) noexcept
{
    const Address addr = stack.pop().to_address();
    const U256& mem_index = stack.pop();
    const U256& src_index = stack.pop();
    const U256& size = stack.pop();
    if (!check_memory(gas, state.memory, mem_index, size))
        return {Status::OutOfGas, gas};
    const uint64_t n = size.w[0];
    if ((gas -= word_cost(n, kCopyWordCost)) < 0)
        return {Status::OutOfGas, gas};
    if (!charge_account_access(gas, state, addr))
        return {Status::OutOfGas, gas};
    if (n != 0)
        copy_padded(&state.memory[mem_index.w[0]], state.host->get_code(addr), src_index, n);
    return {Status::Success, gas};
}

Result op_extcodehash(StackTop stack, int64_t gas, ExecutionState& state) noexcept
{
    U256& x = stack.top();
    const Address addr = x.to_address();
    if (!charge_account_access(gas, state, addr))
        return {Status::OutOfGas, gas};
    const Hash256 h = state.host->get_code_hash(addr);
    load_word_to(x, h.data());
    return {Status::Success, gas};
}

void op_blockhash(StackTop stack, ExecutionState& state) noexcept
{
    U256& number = stack.top();
    const int64_t current = state.tx_context().block_number;
    const uint64_t upper = current > 0 ? static_cast<uint64_t>(current) : 0;
    const uint64_t lower = upper > 256 ? upper - 256 : 0;
    if (number.fits_u64() && number.w[0] < upper && number.w[0] >= lower)
        number = U256::from_hash(state.host->get_block_hash(static_cast<int64_t>(number.w[0])));
    else
        number = U256{};
}

Result op_sload(StackTop stack, int64_t gas, ExecutionState& state) noexcept
{
    U256& key = stack.top();
    if (state.host->access_storage(state.msg->recipient, key) == AccessStatus::Cold)
    {
        if ((gas -= kColdSloadSurcharge) < 0)
            return {Status::OutOfGas, gas};
    }
    key = state.host->get_storage(state.msg->recipient, key);
    return {Status::Success, gas};
}

Result op_sstore(StackTop stack, int64_t gas, ExecutionState& state) noexcept
{
    if (state.msg->is_static)
        return {Status::StaticModeViolation, gas};
    // EIP-2200: SSTORE must not be usable with only the call stipend left.
    if (gas <= kSstoreSentry)
        return {Status::OutOfGas, gas};
    const U256& key = stack.pop();
    const U256& value = stack.pop();
    int64_t cost = 0;
    if (state.host->access_storage(state.msg->recipient, key) == AccessStatus::Cold)
        cost = kColdSloadCost;
    const StorageStatus status = state.host->set_storage(state.msg->recipient, key, value);
    const SstoreCost& c = kSstoreCosts[static_cast<size_t>(status)];
    cost += c.gas;
    if ((gas -= cost) < 0)
        return {Status::OutOfGas, gas};
    state.gas_refund += c.refund;
    return {Status::Success, gas};
}

Result log_impl(StackTop stack, int64_t gas, ExecutionState& state, int num_topics) noexcept
{
    if (state.msg->is_static)
        return {Status::StaticModeViolation, gas};
    const U256& offset = stack.pop();
    const U256& size = stack.pop();
    if (!check_memory(gas, state.memory, offset, size))
        return {Status::OutOfGas, gas};
    const uint64_t n = size.w[0];
    if ((gas -= static_cast<int64_t>(n) * kLogDataByteCost) < 0)
        return {Status::OutOfGas, gas};
    Hash256 topics[4];
    for (int i = 0; i < num_topics; ++i)
        topics[i] = stack.pop().to_hash();
    const BytesView data =
        n != 0 ? BytesView{&state.memory[offset.w[0]], static_cast<size_t>(n)} : BytesView{};
    state.host->emit_log(state.msg->recipient, data,
                         std::span<const Hash256>{topics, static_cast<size_t>(num_topics)});
    return {Status::Success, gas};
}

namespace {

/// CREATE / CREATE2 (EIP-3860 initcode limits, EIP-150 all-but-one-64th).
Result create_impl(StackTop stack, int64_t gas, ExecutionState& state, bool is_create2) noexcept
{
    if (state.msg->is_static)
        return {Status::StaticModeViolation, gas};
    const U256 endowment = stack.pop();
    const U256 init_offset = stack.pop();
    const U256 init_size = stack.pop();
    const U256 salt = is_create2 ? stack.pop() : U256{};
    stack.push(U256{});  // failure unless the creation succeeds
    state.return_data.clear();

    if (!check_memory(gas, state.memory, init_offset, init_size))
        return {Status::OutOfGas, gas};
    const uint64_t size = init_size.w[0];
    if (size > kMaxInitcodeSize)
        return {Status::OutOfGas, gas};
    const int64_t per_word = kInitcodeWordCost + (is_create2 ? kKeccakWordCost : 0);
    if ((gas -= word_cost(size, per_word)) < 0)
        return {Status::OutOfGas, gas};

    // "Light" failures: push 0, keep the gas, no sub-frame. A traced frame sends them to the host
    // instead, which fails them the same way and reports them to the tracer (geth's call frames).
    if (state.msg->depth >= kMaxCallDepth && state.tracer == nullptr)
        return {Status::Success, gas};
    if (endowment && state.host->get_balance(state.msg->recipient) < endowment &&
        state.tracer == nullptr)
        return {Status::Success, gas};

    Message msg;
    msg.kind = is_create2 ? CallKind::Create2 : CallKind::Create;
    msg.depth = state.msg->depth + 1;
    msg.gas = gas - gas / 64;
    msg.sender = state.msg->recipient;
    msg.input = size != 0 ? BytesView{&state.memory[init_offset.w[0]], static_cast<size_t>(size)}
                          : BytesView{};
    msg.value = endowment;
    if (is_create2)
        msg.create2_salt = salt.to_hash();

    ExecResult result = state.host->call(msg);
    gas -= msg.gas - result.gas_left;
    if (result.status == Status::Success)
    {
        state.gas_refund += result.gas_refund;
        stack.top() = U256::from_address(result.create_address);
    }
    else if (result.status == Status::Revert)
    {
        state.return_data = std::move(result.output);
    }
    return {Status::Success, gas};
}

enum class CallOp : uint8_t
{
    Call,
    CallCode,
    DelegateCall,
    StaticCall,
};

/// CALL / CALLCODE / DELEGATECALL / STATICCALL.
Result call_impl(StackTop stack, int64_t gas, ExecutionState& state, CallOp op) noexcept
{
    const U256 gas_param = stack.pop();
    const Address dst = stack.pop().to_address();
    const bool takes_value = op == CallOp::Call || op == CallOp::CallCode;
    const U256 value = takes_value ? stack.pop() : U256{};
    const bool has_value = static_cast<bool>(value);
    const U256 in_offset = stack.pop();
    const U256 in_size = stack.pop();
    const U256 out_offset = stack.pop();
    const U256 out_size = stack.pop();
    stack.push(U256{});  // failure unless the call succeeds
    state.return_data.clear();

    if (!charge_account_access(gas, state, dst))
        return {Status::OutOfGas, gas};
    if (!check_memory(gas, state.memory, in_offset, in_size))
        return {Status::OutOfGas, gas};
    if (!check_memory(gas, state.memory, out_offset, out_size))
        return {Status::OutOfGas, gas};

    Message msg;
    msg.depth = state.msg->depth + 1;
    msg.input = in_size
                    ? BytesView{&state.memory[in_offset.w[0]], static_cast<size_t>(in_size.w[0])}
                    : BytesView{};
    msg.code_address = dst;
    switch (op)
    {
        case CallOp::Call:
            msg.kind = CallKind::Call;
            msg.is_static = state.msg->is_static;
            msg.recipient = dst;
            msg.sender = state.msg->recipient;
            msg.value = value;
            break;
        case CallOp::CallCode:
            msg.kind = CallKind::CallCode;
            msg.is_static = state.msg->is_static;
            msg.recipient = state.msg->recipient;
            msg.sender = state.msg->recipient;
            msg.value = value;
            break;
        case CallOp::DelegateCall:
            msg.kind = CallKind::DelegateCall;
            msg.is_static = state.msg->is_static;
            msg.recipient = state.msg->recipient;
            msg.sender = state.msg->sender;
            msg.value = state.msg->value;
            break;
        case CallOp::StaticCall:
            msg.kind = CallKind::Call;
            msg.is_static = true;
            msg.recipient = dst;
            msg.sender = state.msg->recipient;
            break;
    }

    int64_t cost = has_value ? kCallValueCost : 0;
    if (op == CallOp::Call && has_value)
    {
        if (state.msg->is_static)
            return {Status::StaticModeViolation, gas};
        if (!state.host->account_exists(dst))
            cost += kAccountCreationCost;
    }
    if ((gas -= cost) < 0)
        return {Status::OutOfGas, gas};

    // EIP-150: the callee gets at most all but one 64th of what is left.
    int64_t child_gas = std::numeric_limits<int64_t>::max();
    if (gas_param.fits_u64() && gas_param.w[0] < static_cast<uint64_t>(child_gas))
        child_gas = static_cast<int64_t>(gas_param.w[0]);
    child_gas = std::min(child_gas, gas - gas / 64);
    if (has_value)
    {
        child_gas += kCallStipend;
        gas += kCallStipend;  // the stipend is free for the caller; given back if unused
    }

    // "Light" failures: push 0, the callee's gas comes back, no sub-frame. A traced frame sends
    // them to the host instead, which fails them the same way and reports them to the tracer.
    if (state.msg->depth >= kMaxCallDepth && state.tracer == nullptr)
        return {Status::Success, gas};
    if (has_value && state.host->get_balance(state.msg->recipient) < value &&
        state.tracer == nullptr)
        return {Status::Success, gas};

    msg.gas = child_gas;
    ExecResult result = state.host->call(msg);
    if (result.status == Status::Success || result.status == Status::Revert)
        state.return_data = std::move(result.output);
    stack.top() = U256{result.status == Status::Success};
    if (const size_t n = std::min<size_t>(out_size.w[0], state.return_data.size()); n != 0)
        std::memcpy(&state.memory[out_offset.w[0]], state.return_data.data(), n);
    gas -= child_gas - result.gas_left;
    if (result.status == Status::Success)
        state.gas_refund += result.gas_refund;
    return {Status::Success, gas};
}

}  // namespace

Result op_create(StackTop stack, int64_t gas, ExecutionState& state) noexcept
{
    return create_impl(stack, gas, state, false);
}

Result op_create2(StackTop stack, int64_t gas, ExecutionState& state) noexcept
{
    return create_impl(stack, gas, state, true);
}

Result op_call(StackTop stack, int64_t gas, ExecutionState& state) noexcept
{
    return call_impl(stack, gas, state, CallOp::Call);
}

Result op_callcode(StackTop stack, int64_t gas, ExecutionState& state) noexcept
{
    return call_impl(stack, gas, state, CallOp::CallCode);
}

Result op_delegatecall(StackTop stack, int64_t gas, ExecutionState& state) noexcept
{
    return call_impl(stack, gas, state, CallOp::DelegateCall);
}

Result op_staticcall(StackTop stack, int64_t gas, ExecutionState& state) noexcept
{
    return call_impl(stack, gas, state, CallOp::StaticCall);
}

TermResult op_selfdestruct(StackTop stack, int64_t gas, ExecutionState& state) noexcept
{
    if (state.msg->is_static)
        return {Status::StaticModeViolation, gas};
    const Address beneficiary = stack.pop().to_address();
    if (state.host->access_account(beneficiary) == AccessStatus::Cold)
    {
        if ((gas -= kColdAccountAccessCost) < 0)
            return {Status::OutOfGas, gas};
    }
    if (state.host->get_balance(state.msg->recipient) && !state.host->account_exists(beneficiary))
    {
        if ((gas -= kAccountCreationCost) < 0)
            return {Status::OutOfGas, gas};
    }
    state.host->selfdestruct(state.msg->recipient, beneficiary);
    return {Status::Success, gas};
}

}  // namespace tern::evm::instr
