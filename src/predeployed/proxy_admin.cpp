#include "predeployed/proxy_admin.hpp"

#include "core/abi.hpp"
#include "predeployed/native_call.hpp"
#include "predeployed/store.hpp"

namespace tern::predeployed {

namespace {

enum Fn : uint16_t
{
    Owner,
    RenounceOwnership,
    TransferOwnership,
    GetProxyImplementation,
    GetProxyAdmin,
    ChangeProxyAdmin,
    Upgrade,
    UpgradeAndCall,
};

const FunctionTable& functions()
{
    static const FunctionTable table{{
        {"owner()", Owner},
        {"renounceOwnership()", RenounceOwnership, true},
        {"transferOwnership(address)", TransferOwnership, true},
        {"getProxyImplementation(address)", GetProxyImplementation},
        {"getProxyAdmin(address)", GetProxyAdmin},
        {"changeProxyAdmin(address,address)", ChangeProxyAdmin, true},
        {"upgrade(address,address)", Upgrade, true},
        {"upgradeAndCall(address,address,bytes)", UpgradeAndCall, true, true},
    }};
    return table;
}

const U256 kOwnerSlot{};

}  // namespace

evm::ExecResult run_proxy_admin(const evm::Message& msg, state::State& state, evm::Host& host)
{
    const Function* fn = find_function(functions(), msg.input);
    if (auto refused = check_dispatch(msg, fn, "ProxyAdmin"))
        return std::move(*refused);

    Args args{msg.input.subspan(4)};
    const Address self = msg.code_address;
    StateStore store{state, self};
    uint64_t extra_gas = 0;

    // A call from the ProxyAdmin to `proxy`: Solidity's low-level staticcall (getProxy*) or a
    // high-level call (a bare revert for an account without code, the callee's revert data
    // bubbled up).
    const auto call_proxy = [&](const Address& proxy, const U256& value, Bytes input,
                                bool high_level) -> Outcome {
        if (high_level && host.get_code_size(proxy) == 0)
            return {false, {}};
        (void)host.access_account(proxy);
        evm::Message call;
        call.kind = evm::CallKind::Call;
        call.is_static = !high_level;
        call.sender = self;
        call.recipient = call.code_address = proxy;
        call.value = value;
        call.input = input;
        uint64_t used = gas_used(store, extra_gas);
        const uint64_t before = used;
        auto r = sub_call(msg, host, call, used);
        if (!r)
            return {false, {}};
        extra_gas += used - before;
        if (r->status != evm::Status::Success)
            return {false, high_level ? std::move(r->output) : Bytes{}};
        return ok(std::move(r->output));
    };
    // getProxyImplementation / getProxyAdmin: the address the proxy returns to its admin.
    const auto ask_proxy = [&](const Address& proxy, std::string_view signature) -> Outcome {
        Outcome got = call_proxy(proxy, U256{}, abi::encode_call(signature, {}), false);
        if (!got.ok)
            return got;
        const auto a = abi::Reader{got.output}.address(0);
        if (!a)
            return {false, {}};  // abi.decode of short or ill-formed return data
        return ok(abi::encode_word(U256::from_address(*a)));
    };

    const Address owner = store.get(kOwnerSlot).to_address();
    const auto set_owner = [&](const Address& next) {
        store.set(kOwnerSlot, U256::from_address(next));
        const Hash256 topics[] = {address_topic(owner), address_topic(next)};
        emit_event(host, self, "OwnershipTransferred(address,address)", topics);
    };

    Outcome out;
    switch (static_cast<Fn>(fn->id))
    {
        case Owner:
            out = ok(abi::encode_word(U256::from_address(owner)));
            break;
        case RenounceOwnership:
            if (msg.sender != owner)
                out = refuse("Ownable: caller is not the owner");
            else
                set_owner(Address{});
            break;
        case TransferOwnership:
        {
            const Address next = args.address(0);
            if (args.malformed())
                break;
            if (msg.sender != owner)
                out = refuse("Ownable: caller is not the owner");
            else if (next == Address{})
                out = refuse("Ownable: new owner is the zero address");
            else
                set_owner(next);
            break;
        }
        case GetProxyImplementation:
        case GetProxyAdmin:
        {
            const Address proxy = args.address(0);
            if (args.malformed())
                break;
            out = ask_proxy(proxy, fn->id == GetProxyAdmin ? "admin()" : "implementation()");
            break;
        }
        case ChangeProxyAdmin:
        case Upgrade:
        case UpgradeAndCall:
        {
            const Address proxy = args.address(0);
            const Address to = args.address(1);
            const BytesView data = fn->id == UpgradeAndCall ? args.bytes(2) : BytesView{};
            if (args.malformed())
                break;
            if (msg.sender != owner)
            {
                out = refuse("Ownable: caller is not the owner");
                break;
            }
            const U256 word[] = {U256::from_address(to)};
            Bytes input = fn->id == ChangeProxyAdmin
                              ? abi::encode_call("changeAdmin(address)", word)
                          : fn->id == Upgrade
                              ? abi::encode_call("upgradeTo(address)", word)
                              : abi::encode_call("upgradeToAndCall(address,bytes)", word, data);
            out = call_proxy(proxy, msg.value, std::move(input), true);
            if (out.ok)
                out.output.clear();
            break;
        }
    }
    return finish(msg, std::move(out), args, store, extra_gas);
}

}  // namespace tern::predeployed
