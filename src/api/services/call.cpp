#include "api/services/call.hpp"

#include "core/duration.hpp"
#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "core/protocol.hpp"
#include "evm/vm.hpp"
#include "execution/transition.hpp"
#include "transaction/validation.hpp"

#include <algorithm>

namespace tern::api {
namespace {

/// Gas a CALL with value always forwards (geth's optimistic estimate adds it).
constexpr uint64_t kCallStipend = protocol::kCallStipend;
/// Smallest gas a transaction can use.
constexpr uint64_t kTxGas = protocol::kTxGas;

Transaction to_transaction(const CallRequest& req)
{
    Transaction tx;
    tx.type = req.type;
    tx.gas_limit = req.gas;
    tx.to = req.to;
    tx.value = req.value;
    tx.data = req.data;
    tx.access_list = req.access_list;
    tx.max_fee_per_gas = req.max_fee_per_gas;
    tx.max_priority_fee_per_gas = req.max_priority_fee_per_gas;
    tx.max_fee_per_blob_gas = req.max_fee_per_blob_gas;
    tx.blob_versioned_hashes = req.blob_hashes;
    return tx;
}

/// geth's pre-check error for a message the transition refused (core/state_transition.go).
std::string call_error_message(const execution::InvalidTx& e,
                               const CallRequest& req,
                               const execution::BlockEnv& env)
{
    using execution::InvalidTxKind;
    const std::string from = to_hex(req.from.view());
    switch (e.kind)
    {
        case InvalidTxKind::Stateless:
            switch (e.stateless.code)
            {
                case TxErrorCode::InitcodeTooLarge:
                    return "max initcode size exceeded: code size " +
                           std::to_string(req.data.size()) + " limit " +
                           std::to_string(protocol::kMaxInitcodeSize);
                case TxErrorCode::IntrinsicGasTooLow:
                    if (e.want)
                        return "intrinsic gas too low: have " + e.have.to_dec() + ", want " +
                               e.want->to_dec();
                    return "intrinsic gas too low";
                case TxErrorCode::IntrinsicGasOverflow:
                    return "intrinsic gas too low";
                case TxErrorCode::PriorityFeeGreaterThanMaxFee:
                    return "max priority fee per gas higher than max fee per gas: address " + from +
                           ", maxPriorityFeePerGas: " + req.max_priority_fee_per_gas.to_dec() +
                           ", maxFeePerGas: " + req.max_fee_per_gas.to_dec();
                default:
                    return e.message();
            }
        case InvalidTxKind::FeeCapBelowBaseFee:
            return "max fee per gas less than block base fee: address " + from +
                   ", maxFeePerGas: " + req.max_fee_per_gas.to_dec() +
                   ", baseFee: " + env.base_fee.to_dec();
        case InvalidTxKind::InsufficientFunds:
            return "insufficient funds for gas * price + value: address " + from + " have " +
                   e.have.to_dec() + " want " +
                   (e.want ? e.want->to_dec() : std::string("overflow"));
        case InvalidTxKind::NonceMax:
            return "nonce has max value: address " + from;
        default:
            return e.message();
    }
}

}  // namespace

// ---- OverrideReader ----

OverrideReader::OverrideReader(const state::StateReader& base, const StateOverrides& overrides)
    : base_(base), overrides_(overrides)
{
    for (const auto& [addr, o] : overrides_)
        if (o.code && !o.code->empty())
            codes_.emplace(keccak256(*o.code), std::make_shared<const Bytes>(*o.code));
}

std::optional<state::AccountInfo> OverrideReader::read_account(const Address& addr) const
{
    auto info = base_.read_account(addr);
    const auto it = overrides_.find(addr);
    if (it == overrides_.end())
        return info;
    const auto& o = it->second;
    if (!info && !o.balance && !o.nonce && !o.code && !o.state && o.state_diff.empty())
        return info;
    state::AccountInfo out = info.value_or(state::AccountInfo{});
    if (o.balance)
        out.balance = *o.balance;
    if (o.nonce)
        out.nonce = *o.nonce;
    if (o.code)
        out.code_hash = o.code->empty() ? kEmptyCodeHash : keccak256(*o.code);
    return out;
}

U256 OverrideReader::read_storage(const Address& addr, const U256& key) const
{
    const auto it = overrides_.find(addr);
    if (it != overrides_.end())
    {
        const auto& o = it->second;
        if (o.state)
        {
            const auto s = o.state->find(key);
            return s == o.state->end() ? U256{} : s->second;
        }
        const auto d = o.state_diff.find(key);
        if (d != o.state_diff.end())
            return d->second;
    }
    return base_.read_storage(addr, key);
}

bool OverrideReader::has_storage(const Address& addr) const
{
    const auto it = overrides_.find(addr);
    if (it != overrides_.end())
    {
        const auto& o = it->second;
        const auto nonzero = [](const auto& kv) {
            return static_cast<bool>(kv.second);
        };
        if (o.state)
            return std::any_of(o.state->begin(), o.state->end(), nonzero);
        if (std::any_of(o.state_diff.begin(), o.state_diff.end(), nonzero))
            return true;
    }
    return base_.has_storage(addr);
}

state::CodePtr OverrideReader::read_code(const Hash256& code_hash) const
{
    const auto it = codes_.find(code_hash);
    if (it != codes_.end())
        return it->second;
    return base_.read_code(code_hash);
}

// ---- RecordingReader ----

std::optional<state::AccountInfo> RecordingReader::read_account(const Address& addr) const
{
    accounts_.insert(addr);
    return base_.read_account(addr);
}

U256 RecordingReader::read_storage(const Address& addr, const U256& key) const
{
    slots_[addr].insert(key);
    return base_.read_storage(addr, key);
}

bool RecordingReader::has_storage(const Address& addr) const
{
    return base_.has_storage(addr);
}

state::CodePtr RecordingReader::read_code(const Hash256& code_hash) const
{
    return base_.read_code(code_hash);
}

// ---- messages ----

std::string aborted_message(const Deadline& deadline)
{
    return "execution aborted (timeout = " +
           format_go_duration(
               std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.timeout())) +
           ")";
}

std::string status_message(evm::Status status)
{
    switch (status)
    {
        case evm::Status::Success:
            return "";
        case evm::Status::Revert:
            return "execution reverted";
        case evm::Status::OutOfGas:
            return "out of gas";
        case evm::Status::InvalidInstruction:
            return "invalid opcode: INVALID";
        case evm::Status::UndefinedInstruction:
            return "invalid opcode";
        case evm::Status::StackOverflow:
            return "stack limit reached 1024 (1023)";
        case evm::Status::StackUnderflow:
            return "stack underflow";
        case evm::Status::BadJumpDestination:
            return "invalid jump destination";
        case evm::Status::InvalidMemoryAccess:
            return "return data out of bounds";
        case evm::Status::StaticModeViolation:
            return "write protection";
        case evm::Status::CallDepthExceeded:
            return "max call depth exceeded";
        case evm::Status::InsufficientBalance:
            return "insufficient balance for transfer";
        case evm::Status::ArgumentOutOfRange:
            return "gas uint64 overflow";
        case evm::Status::PrecompileFailure:
            return "precompiled contract failed";
        case evm::Status::ContractValidationFailure:
            return "invalid code: must not begin with 0xef";
        case evm::Status::CreateCollision:
            return "contract address collision";
        case evm::Status::InitcodeSizeExceeded:
            return "max initcode size exceeded";
        case evm::Status::CodeSizeExceeded:
            return "max code size exceeded";
        case evm::Status::InternalError:
            return "internal error";
        case evm::Status::Interrupted:
            return "execution aborted";
    }
    return "execution failed";
}

// ---- execution ----

Result<CallResult, CallError> simulate_call(const state::StateReader& reader,
                                            const execution::BlockEnv& env,
                                            const CallRequest& req,
                                            evm::Vm& vm)
{
    // geth's eth_call rules: no nonce or EOA checks, no block limits, fees only when given
    // (NoBaseFee), and the state is discarded.
    execution::TransitionOptions options;
    options.check_nonce = false;
    options.charge_fees = req.fees_given;
    options.check_inclusion = false;
    options.settle = false;

    Transaction tx = to_transaction(req);
    if (req.nonce)
        tx.nonce = *req.nonce;
    else if (const auto info = reader.read_account(req.from))
        tx.nonce = info->nonce;
    state::State state{reader};
    auto r = execution::execute_transaction(state, env, tx, req.from, vm, options);
    if (!r)
        return CallError{call_error_message(r.error(), req, env)};
    if (vm.interrupted()) [[unlikely]]
        return CallError{aborted_message(*vm.deadline()), true};

    CallResult out;
    out.status = r->status;
    out.gas_used = r->receipt.gas_used;
    out.gas_refund = r->gas_refund;
    out.output = std::move(r->output);
    if (r->status == evm::Status::Success)
        out.logs = std::move(r->receipt.logs);
    if (!req.to && r->status == evm::Status::Success)
        out.created = r->created;
    return out;
}

Result<EstimateResult, EstimateError> estimate_gas(const state::StateReader& reader,
                                                   const execution::BlockEnv& env,
                                                   CallRequest req,
                                                   uint64_t cap,
                                                   evm::Vm& vm)
{
    uint64_t hi = req.gas >= kTxGas ? req.gas : static_cast<uint64_t>(env.gas_limit);
    hi = std::min(hi, cap);

    // With a fee, the sender's balance bounds the gas; on a free chain nothing does, and a
    // proof-of-work gas price is good for its external gas.
    std::optional<U256> work_gas;
    if (req.fees_given && !env.fees.free && env.fees.pow_difficulty != U256{})
    {
        const auto info = reader.read_account(req.from);
        const uint64_t nonce = req.nonce ? *req.nonce : info ? info->nonce : 0;
        const U256 gas = execution::pow_external_gas(req.from, nonce, req.max_fee_per_gas,
                                                     env.fees.pow_difficulty);
        if (gas >= U256{kTxGas})
        {
            work_gas = gas;
            if (gas.fits_u64() && gas.low64() < hi)
                hi = gas.low64();
        }
    }
    if (req.fees_given && req.max_fee_per_gas && !env.fees.free && !work_gas)
    {
        const auto info = reader.read_account(req.from);
        const U256 balance = info ? info->balance : U256{};
        if (req.value > balance)
            return EstimateError{false, {}, "insufficient funds for transfer"};
        const U256 allowance = (balance - req.value) / req.max_fee_per_gas;
        if (allowance.fits_u64() && allowance.low64() < hi)
            hi = allowance.low64();
    }

    // Runs with `gas` (an error: too little intrinsic gas, a pre-check, the deadline).
    uint32_t executions = 0;
    const auto run = [&](uint64_t gas) -> Result<CallResult, CallError> {
        req.gas = gas;
        ++executions;
        return simulate_call(reader, env, req, vm);
    };
    const auto is_intrinsic = [](const CallError& e) {
        return !e.aborted && e.message.rfind("intrinsic gas too low", 0) == 0;
    };

    // A plain transfer needs exactly the intrinsic gas.
    if (req.to && req.data.empty() && req.access_list.empty())
    {
        const auto info = reader.read_account(*req.to);
        if ((!info || info->code_hash == kEmptyCodeHash) && hi >= kTxGas)
        {
            const auto r = run(kTxGas);
            if (r && r->status == evm::Status::Success)
                return EstimateResult{kTxGas, executions};
        }
    }

    const auto top = run(hi);
    if (!top)
    {
        if (is_intrinsic(top.error()))
            return EstimateError{
                false, {}, "gas required exceeds allowance (" + std::to_string(hi) + ")"};
        return EstimateError{false, {}, top.error().message};
    }
    if (top->status != evm::Status::Success)
    {
        if (top->status == evm::Status::Revert)
            return EstimateError{true, top->output, "execution reverted"};
        return EstimateError{
            false, {}, "gas required exceeds allowance (" + std::to_string(hi) + ")"};
    }

    uint64_t lo = top->gas_used > 0 ? top->gas_used - 1 : 0;
    // Optimistic first guess: what the execution used plus the refund and a call stipend,
    // scaled by 64/63 for the gas a CALL keeps back.
    const uint64_t optimistic = (top->gas_used + top->gas_refund + kCallStipend) * 64 / 63;
    if (optimistic < hi && optimistic > lo)
    {
        const auto r = run(optimistic);
        if (!r && !is_intrinsic(r.error()))
            return EstimateError{false, {}, r.error().message};
        if (!r || r->status != evm::Status::Success)
            lo = optimistic;
        else
            hi = optimistic;
    }
    // geth's tolerance: stop once (hi - lo) / hi < 1.5%, in integers.
    const auto close_enough = [](uint64_t l, uint64_t h) {
        return static_cast<uint128_t>(h - l) * 1000 <
               static_cast<uint128_t>(h) * kEstimateErrorPerMille;
    };
    while (lo + 1 < hi && !close_enough(lo, hi))
    {
        uint64_t mid = lo + (hi - lo) / 2;
        if (lo > 0 && mid > lo * 2)
            mid = lo * 2;  // most executions need little more than they use
        const auto r = run(mid);
        if (!r && !is_intrinsic(r.error()))
            return EstimateError{false, {}, r.error().message};
        if (!r || r->status != evm::Status::Success)
            lo = mid;
        else
            hi = mid;
    }
    return EstimateResult{hi, executions};
}

Result<AccessListResult, CallError> create_access_list(const state::StateReader& reader,
                                                       const execution::BlockEnv& env,
                                                       CallRequest req,
                                                       evm::Vm& vm)
{
    // The warm-at-start accounts are never listed (unless slots of theirs are).
    std::set<Address> excluded;
    execution::for_each_warm_account(req.from, req.to, env.coinbase,
                                     execution::warm_precompiles(env.features),
                                     [&](const Address& a) { excluded.insert(a); });

    std::vector<AccessListEntry> list = req.access_list;
    const auto same = [](const std::vector<AccessListEntry>& a,
                         const std::vector<AccessListEntry>& b) {
        if (a.size() != b.size())
            return false;
        for (size_t i = 0; i < a.size(); ++i)
            if (a[i].address != b[i].address || a[i].storage_keys != b[i].storage_keys)
                return false;
        return true;
    };
    for (int round = 0; round < 16; ++round)
    {
        req.access_list = list;
        RecordingReader recorder{reader};
        const auto r = simulate_call(recorder, env, req, vm);
        if (!r)
            return r.error();
        std::set<Address> created;
        if (!req.to)
            created.insert(r->created);
        std::vector<AccessListEntry> next;
        std::set<Address> addrs = recorder.accounts();
        for (const auto& [addr, slots] : recorder.slots())
            addrs.insert(addr);
        for (const auto& e : list)
            addrs.insert(e.address);
        for (const auto& addr : addrs)
        {
            AccessListEntry entry;
            entry.address = addr;
            std::set<U256> keys;
            if (const auto it = recorder.slots().find(addr); it != recorder.slots().end())
                keys = it->second;
            for (const auto& e : list)
                if (e.address == addr)
                    for (const auto& k : e.storage_keys)
                        keys.insert(U256::from_hash(k));
            if (keys.empty() && (excluded.contains(addr) || created.contains(addr)))
                continue;
            for (const auto& k : keys)
                entry.storage_keys.push_back(k.to_hash());
            next.push_back(std::move(entry));
        }
        if (same(next, list) || round == 15)
        {
            AccessListResult out;
            out.access_list = std::move(next);
            out.gas_used = r->gas_used;
            if (r->status != evm::Status::Success)
                out.error = status_message(r->status);
            return out;
        }
        list = std::move(next);
    }
    return CallError{"access list did not converge"};
}

// ---- VmPool ----

VmPool::VmPool() = default;
VmPool::~VmPool() = default;

VmPool::Lease::~Lease()
{
    std::lock_guard lock{pool_.mutex_};
    pool_.free_.push_back(std::move(vm_));
}

VmPool::Lease VmPool::acquire()
{
    {
        std::lock_guard lock{mutex_};
        if (!free_.empty())
        {
            auto vm = std::move(free_.back());
            free_.pop_back();
            return Lease{*this, std::move(vm)};
        }
    }
    return Lease{*this, std::make_unique<evm::Vm>()};
}

}  // namespace tern::api
