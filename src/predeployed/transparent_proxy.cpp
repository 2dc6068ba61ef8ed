#include "predeployed/transparent_proxy.hpp"

#include "core/abi.hpp"
#include "predeployed/native_call.hpp"
#include "predeployed/proxy_admin.hpp"
#include "predeployed/store.hpp"
#include "state/state.hpp"

namespace tern::predeployed {

namespace {

enum Fn : uint16_t
{
    Admin,
    Implementation,
    UpgradeTo,
    UpgradeToAndCall,
    ChangeAdmin,
};

const FunctionTable& admin_functions()
{
    static const FunctionTable table{{
        {"admin()", Admin},
        {"implementation()", Implementation},
        {"upgradeTo(address)", UpgradeTo, true},
        {"upgradeToAndCall(address,bytes)", UpgradeToAndCall, true, true},
        {"changeAdmin(address)", ChangeAdmin, true},
    }};
    return table;
}

/// A call from the proxy's admin: the proxy's own functions (ERC1967Upgrade's strings and
/// events), never the contract's.
evm::ExecResult run_admin_function(const evm::Message& msg,
                                   state::State& state,
                                   evm::Host& host,
                                   const ProxyLayout& layout)
{
    const Function* fn = find_function(admin_functions(), msg.input);
    if (!fn && msg.gas >= static_cast<int64_t>(kCallGas))
        return reverted(msg.gas - static_cast<int64_t>(kCallGas),
                        abi::encode_error(
                            "TransparentUpgradeableProxy: admin cannot fallback to proxy target"));
    if (auto refused = check_dispatch(msg, fn, "TransparentUpgradeableProxy"))
        return std::move(*refused);

    Args args{msg.input.subspan(4)};
    StateStore store{state, layout.proxy};
    uint64_t extra_gas = 0;
    Outcome out;
    switch (static_cast<Fn>(fn->id))
    {
        case Admin:
            out = ok(abi::encode_word(store.get(admin_slot())));
            break;
        case Implementation:
            out = ok(abi::encode_word(store.get(implementation_slot())));
            break;
        case UpgradeTo:
        case UpgradeToAndCall:
        {
            const Address next = args.address(0);
            const BytesView data = fn->id == UpgradeToAndCall ? args.bytes(1) : BytesView{};
            if (args.malformed())
                break;
            if (layout.refuse_upgrade != nullptr)
            {
                out = refuse(layout.refuse_upgrade);
                break;
            }
            if (host.get_code_size(next) == 0)
            {
                out = refuse("ERC1967: new implementation is not a contract");
                break;
            }
            store.set(implementation_slot(), U256::from_address(next));
            const Hash256 topics[] = {address_topic(next)};
            emit_event(host, layout.proxy, "Upgraded(address)", topics);
            if (fn->id == UpgradeTo)
                break;
            // upgradeToAndCall always calls: Address.functionDelegateCall(next, data).
            evm::Message call;
            call.kind = evm::CallKind::DelegateCall;
            call.sender = msg.sender;
            call.recipient = layout.proxy;
            call.code_address = next;
            call.value = msg.value;
            call.input = data;
            uint64_t used = gas_used(store, extra_gas);
            const uint64_t before = used;
            auto r = sub_call(msg, host, call, used);
            if (!r)
            {
                out = refuse("Address: low-level delegate call failed");
                break;
            }
            extra_gas += used - before;
            if (r->status != evm::Status::Success)
                out = r->output.empty() ? refuse("Address: low-level delegate call failed")
                                        : Outcome{false, std::move(r->output)};
            break;
        }
        case ChangeAdmin:
        {
            const Address next = args.address(0);
            if (args.malformed())
                break;
            if (next == Address{})
            {
                out = refuse("ERC1967: new admin is the zero address");
                break;
            }
            const Bytes data = encode_address_amount(store.get(admin_slot()).to_address(),
                                                     U256::from_address(next));
            emit_event(host, layout.proxy, "AdminChanged(address,address)", {}, data);
            store.set(admin_slot(), U256::from_address(next));
            break;
        }
    }
    return finish(msg, std::move(out), args, store, extra_gas);
}

/// The proxy's fallback once upgraded: DELEGATECALL to `implementation` with what the call
/// brought; its result, a failure of any kind becoming a revert with its return data.
evm::ExecResult delegate(const evm::Message& msg, evm::Host& host, const Address& implementation)
{
    uint64_t used = kCallGas + 2 * kReadGas;  // the dispatch and the two EIP-1967 slots
    evm::Message call = msg;
    call.kind = evm::CallKind::DelegateCall;
    call.code_address = implementation;
    auto r = sub_call(msg, host, call, used);
    if (!r || used > static_cast<uint64_t>(msg.gas))
        return failed(evm::Status::OutOfGas);
    const int64_t left = msg.gas - static_cast<int64_t>(used);
    if (r->status != evm::Status::Success)
        return reverted(left, std::move(r->output));
    r->gas_left = left;
    return std::move(*r);
}

}  // namespace

TransparentProxy::TransparentProxy(std::shared_ptr<execution::StatefulPrecompiles> contract,
                                   const ProxyLayout& layout)
    : contract_(std::move(contract)), layout_(layout)
{}

evm::ExecResult TransparentProxy::execute(const evm::Message& msg,
                                          state::State& state,
                                          evm::Host& host,
                                          const Deadline* deadline)
{
    if (layout_.own_proxy_admin && msg.code_address == layout_.proxy_admin)
        return run_proxy_admin(msg, state, host);
    // DELEGATECALL and CALLCODE to the proxy's address run the native code in the caller's
    // account, as before any upgrade (it refuses writes there).
    if (msg.recipient != layout_.proxy)
        return contract_->execute(msg, state, host, deadline);
    if (msg.sender == state.storage(layout_.proxy, admin_slot()).to_address())
        return run_admin_function(msg, state, host, layout_);
    const Address implementation = state.storage(layout_.proxy, implementation_slot()).to_address();
    if (implementation == layout_.implementation)
        return contract_->execute(msg, state, host, deadline);
    return delegate(msg, host, implementation);
}

void serve_behind_proxy(execution::ChainFeature& feature,
                        std::shared_ptr<execution::StatefulPrecompiles> contract,
                        const ProxyLayout& layout)
{
    feature.addresses = {layout.proxy};
    if (layout.own_proxy_admin)
        feature.addresses.push_back(layout.proxy_admin);
    feature.precompiles = std::make_shared<TransparentProxy>(std::move(contract), layout);
}

}  // namespace tern::predeployed
