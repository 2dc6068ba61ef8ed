#include "marionette/marionette.hpp"

#include "core/abi.hpp"
#include "marionette/constants.hpp"
#include "predeployed/access_control.hpp"
#include "predeployed/native_call.hpp"
#include "state/state.hpp"

namespace tern::marionette {

namespace {

using predeployed::ok;
using predeployed::Outcome;
using predeployed::refuse;

constexpr const char* kAccessViolation = "Access violation";

enum Fn : uint16_t
{
    ImaRole,
    PuppeteerRole,
    AccessViolation,
    Execute,
    SendEth,
    PostMessage,
    EncodeFunctionCall,
    Initialize,
    Receive,
};

const predeployed::FunctionTable& functions()
{
    static const predeployed::FunctionTable table = [] {
        return predeployed::table_with_roles({
            {"IMA_ROLE()", ImaRole},
            {"PUPPETEER_ROLE()", PuppeteerRole},
            {"ACCESS_VIOLATION()", AccessViolation},
            {"execute(address,uint256,bytes)", Execute, true, true},
            {"sendEth(address,uint256)", SendEth, true, true},
            {"postMessage(bytes32,address,bytes)", PostMessage, true},
            {"encodeFunctionCall(address,uint256,bytes)", EncodeFunctionCall},
            {"initialize(address,address)", Initialize, true},
        });
    }();
    return table;
}

constexpr predeployed::Function kReceive{"receive()", Receive, false, true};

/// abi.encode(address, uint256, bytes).
Bytes encode_call(const Address& receiver, const U256& value, BytesView data)
{
    Bytes out;
    abi::append_word(out, U256::from_address(receiver));
    abi::append_word(out, value);
    const Bytes tail = abi::encode_bytes(data);  // (32, length, data)
    abi::append_word(out, U256{96});
    out.insert(out.end(), tail.begin() + 32, tail.end());
    return out;
}

/// What Marionette's _doCall reached: its output (or revert data) and the gas it used.
struct CallResult
{
    Outcome out;
    uint64_t gas = 0;
};

}  // namespace

evm::ExecResult MarionettePrecompile::execute(const evm::Message& msg,
                                              state::State& state,
                                              evm::Host& host,
                                              const Deadline*)
{
    const predeployed::Function* fn = predeployed::find_function(functions(), msg.input, &kReceive);
    if (auto refused = predeployed::check_dispatch(msg, fn, "Marionette"))
        return std::move(*refused);

    predeployed::Args args{msg.input.empty() ? BytesView{} : msg.input.subspan(4)};
    predeployed::StateStore store{state, kMarionetteAddress};
    predeployed::AccessControl roles{store};
    const Address& sender = msg.sender;
    const Address self = kMarionetteAddress;
    uint64_t extra_gas = 0;

    // Marionette's _doCall: events, then a call with value (and data when the target is a
    // contract and the data holds a selector) or a plain value transfer, as OpenZeppelin's
    // Address.functionCallWithValue / sendValue with their revert strings.
    const auto do_call = [&](const Address& target, const U256& value, BytesView data) -> Outcome {
        if (msg.value)
            predeployed::emit_event(host, self, "EtherReceived(address,uint256)", {},
                                    predeployed::encode_address_amount(sender, msg.value));
        if (value)
            predeployed::emit_event(host, self, "EtherSent(address,uint256)", {},
                                    predeployed::encode_address_amount(target, value));
        const bool with_data = host.get_code_size(target) != 0 && data.size() >= 4;
        if (state.balance(self) < value)
            return refuse(with_data ? "Address: insufficient balance for call"
                                    : "Address: insufficient balance");
        (void)host.access_account(target);
        if (value)
            extra_gas += predeployed::kValueCallGas +
                         (host.account_exists(target) ? 0 : predeployed::kNewAccountGas);
        uint64_t used = predeployed::gas_used(store, extra_gas);
        evm::Message call;
        call.kind = evm::CallKind::Call;
        call.sender = self;
        call.recipient = call.code_address = target;
        call.value = value;
        call.input = with_data ? data : BytesView{};
        const uint64_t before = used;
        auto result = predeployed::sub_call(msg, host, call, used);
        if (!result)
            return refuse("Marionette: out of gas");
        auto& r = *result;
        extra_gas += used - before;
        if (r.status != evm::Status::Success)
        {
            if (!with_data)
                return refuse("Address: unable to send value, recipient may have reverted");
            if (!r.output.empty())
                return {false, std::move(r.output)};  // bubbled as it is
            return refuse("Address: low-level call with value failed");
        }
        if (!with_data)
            return ok(Bytes{'0', 'x'});  // the contract returns the string "0x" here
        return ok(std::move(r.output));
    };

    Outcome out;
    if (predeployed::is_role_function(*fn))
        out = predeployed::call_role_function(*fn, args, roles, sender, self, host);
    else
        switch (static_cast<Fn>(fn->id))
        {
            case ImaRole:
                out = ok(abi::encode_word(U256::from_hash(ima_role())));
                break;
            case PuppeteerRole:
                out = ok(abi::encode_word(U256::from_hash(puppeteer_role())));
                break;
            case AccessViolation:
                out = ok(abi::encode_string(kAccessViolation));
                break;
            case Execute:
            {
                const Address target = args.address(0);
                const U256 value = args.word(1);
                const BytesView data = args.bytes(2);
                if (args.malformed())
                    break;
                if (!roles.has_role(puppeteer_role(), sender))
                {
                    out = refuse(kAccessViolation);
                    break;
                }
                out = do_call(target, value, data);
                if (out.ok)
                    out.output = abi::encode_bytes(out.output);
                break;
            }
            case SendEth:
            {
                const Address target = args.address(0);
                const U256 value = args.word(1);
                if (args.malformed())
                    break;
                if (!roles.has_role(puppeteer_role(), sender))
                {
                    out = refuse(kAccessViolation);
                    break;
                }
                out = do_call(target, value, {});
                if (out.ok)
                    out.output.clear();
                break;
            }
            case PostMessage:
            {
                const Address from = args.address(1);
                const BytesView data = args.bytes(2);
                if (args.malformed())
                    break;
                if (!roles.has_role(ima_role(), sender))
                {
                    out = refuse("Sender is not IMA");
                    break;
                }
                if (!roles.has_role(puppeteer_role(), from))
                {
                    out = refuse(kAccessViolation);
                    break;
                }
                predeployed::Args call{data};  // abi.decode(data, (address, uint256, bytes))
                const Address receiver = call.address(0);
                const U256 value = call.word(1);
                const BytesView inner = call.bytes(2);
                if (call.malformed())
                {
                    args.set_malformed();
                    break;
                }
                out = do_call(receiver, value, inner);
                if (out.ok)
                {
                    predeployed::emit_event(host, self, "FunctionCallResult(bytes)", {},
                                            abi::encode_bytes(out.output));
                    out.output = abi::encode_word(U256{});  // returns address(0)
                }
                break;
            }
            case EncodeFunctionCall:
            {
                const Address receiver = args.address(0);
                const U256 value = args.word(1);
                const BytesView data = args.bytes(2);
                if (!args.malformed())
                    out = ok(abi::encode_bytes(encode_call(receiver, value, data)));
                break;
            }
            case Initialize:
                out = refuse("Initializable: contract is already initialized");
                break;
            case Receive:
                predeployed::emit_event(host, self, "EtherReceived(address,uint256)", {},
                                        predeployed::encode_address_amount(sender, msg.value));
                out = ok();
                break;
        }
    return predeployed::finish(msg, std::move(out), args, store, extra_gas);
}

}  // namespace tern::marionette
