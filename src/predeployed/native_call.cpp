#include "predeployed/native_call.hpp"

#include "core/keccak.hpp"

#include <algorithm>

namespace tern::predeployed {

FunctionTable::FunctionTable(std::vector<Function> functions) : functions_(std::move(functions))
{
    by_selector_.reserve(functions_.size());
    for (size_t i = 0; i < functions_.size(); ++i)
        by_selector_.emplace_back(abi::selector(functions_[i].signature), i);
    std::sort(by_selector_.begin(), by_selector_.end());
}

const Function* FunctionTable::find(uint32_t selector) const noexcept
{
    const auto it = std::lower_bound(by_selector_.begin(), by_selector_.end(),
                                     std::pair<uint32_t, size_t>{selector, 0});
    if (it == by_selector_.end() || it->first != selector)
        return nullptr;
    return &functions_[it->second];
}

Outcome ok(Bytes output)
{
    return {true, std::move(output)};
}

Outcome refuse(std::string_view reason)
{
    return {false, abi::encode_error(reason)};
}

Outcome panic(uint64_t code)
{
    return {false, abi::encode_panic(code)};
}

U256 Args::word(size_t i)
{
    const auto w = reader_.word(i);
    if (!w)
        malformed_ = true;
    return w ? *w : U256{};
}

Address Args::address(size_t i)
{
    const auto a = reader_.address(i);
    if (!a)
        malformed_ = true;
    return a ? *a : Address{};
}

std::string Args::string(size_t i)
{
    auto s = reader_.string(i);
    if (!s)
        malformed_ = true;
    return s ? std::move(*s) : std::string{};
}

BytesView Args::bytes(size_t i)
{
    const auto b = reader_.bytes(i);
    if (!b)
        malformed_ = true;
    return b ? *b : BytesView{};
}

bool Args::boolean(size_t i)
{
    const U256 w = word(i);
    if (w > U256{1})
        malformed_ = true;  // Solidity's decoder: a bool is 0 or 1
    return w == U256{1};
}

evm::ExecResult failed(evm::Status status)
{
    evm::ExecResult r;
    r.status = status;
    return r;
}

evm::ExecResult reverted(int64_t gas_left, Bytes output)
{
    evm::ExecResult r;
    r.status = evm::Status::Revert;
    r.gas_left = gas_left;
    r.output = std::move(output);
    return r;
}

std::optional<evm::ExecResult> check_dispatch(const evm::Message& msg,
                                              const Function* fn,
                                              std::string_view contract)
{
    if (msg.gas < static_cast<int64_t>(kCallGas))
        return failed(evm::Status::OutOfGas);
    const int64_t left = msg.gas - static_cast<int64_t>(kCallGas);
    if (!fn || (msg.value && !fn->payable))
        return reverted(left);
    if (fn->writes && msg.is_static)
        return failed(evm::Status::StaticModeViolation);
    if (fn->writes && msg.kind != evm::CallKind::Call)
        return reverted(left,
                        abi::encode_error(std::string(contract) + ": writes need a plain CALL"));
    return std::nullopt;
}

const Function* find_function(const FunctionTable& table,
                              BytesView input,
                              const Function* receive) noexcept
{
    if (input.empty() && receive)
        return receive;
    const auto sel = abi::selector_of(input);
    return sel ? table.find(*sel) : nullptr;
}

std::optional<evm::ExecResult> sub_call(const evm::Message& msg,
                                        evm::Host& host,
                                        evm::Message call,
                                        uint64_t& used)
{
    const int64_t left = msg.gas - static_cast<int64_t>(used);
    if (msg.gas < 0 || used >= static_cast<uint64_t>(msg.gas))
        return std::nullopt;
    call.depth = msg.depth + 1;
    call.is_static = call.is_static || msg.is_static;
    call.gas = left - left / 64;
    auto r = host.call(call);
    used += static_cast<uint64_t>(call.gas - r.gas_left);
    return r;
}

Bytes encode_address_amount(const Address& a, const U256& amount)
{
    Bytes out;
    abi::append_word(out, U256::from_address(a));
    abi::append_word(out, amount);
    return out;
}

evm::ExecResult finish(const evm::Message& msg,
                       Outcome out,
                       const Args& args,
                       const Store& store,
                       uint64_t extra_gas)
{
    const uint64_t work =
        gas_used(store, extra_gas) + (out.output.size() + 31) / 32 * kOutputWordGas;
    if (msg.gas < 0 || work > static_cast<uint64_t>(msg.gas))
        return failed(evm::Status::OutOfGas);
    const int64_t left = msg.gas - static_cast<int64_t>(work);
    if (args.malformed())
        return reverted(left);
    if (!out.ok)
        return reverted(left, std::move(out.output));
    evm::ExecResult r;
    r.gas_left = left;
    r.output = std::move(out.output);
    return r;
}

Hash256 event_topic(std::string_view signature)
{
    return keccak256(as_bytes(signature));
}

void emit_event(evm::Host& host,
                const Address& emitter,
                std::string_view signature,
                std::span<const Hash256> topics,
                BytesView data)
{
    std::vector<Hash256> all;
    all.reserve(topics.size() + 1);
    all.push_back(event_topic(signature));
    all.insert(all.end(), topics.begin(), topics.end());
    host.emit_log(emitter, data, all);
}

Hash256 address_topic(const Address& a)
{
    return U256::from_address(a).to_hash();
}

Bytes bool_word(bool b)
{
    return abi::encode_word(U256{b ? 1u : 0u});
}

}  // namespace tern::predeployed
