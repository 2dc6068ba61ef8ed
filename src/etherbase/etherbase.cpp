#include "etherbase/etherbase.hpp"

#include "core/abi.hpp"
#include "etherbase/constants.hpp"
#include "predeployed/access_control.hpp"
#include "predeployed/native_call.hpp"
#include "state/state.hpp"

namespace tern::etherbase {

namespace {

using predeployed::ok;
using predeployed::Outcome;
using predeployed::refuse;

/// Gas of a CALL with value, and of one that creates the recipient (EIP-2929's and Frontier's).
/// Solidity's transfer(): the recipient gets this much gas, free.
constexpr int64_t kStipend = 2'300;

enum Fn : uint16_t
{
    EtherManagerRole,
    Retrieve,
    PartiallyRetrieve,
    Initialize,
    Receive,
};

const predeployed::FunctionTable& functions()
{
    static const predeployed::FunctionTable table = [] {
        return predeployed::table_with_roles({
            {"ETHER_MANAGER_ROLE()", EtherManagerRole},
            {"retrieve(address)", Retrieve, true},
            {"partiallyRetrieve(address,uint256)", PartiallyRetrieve, true},
            {"initialize(address)", Initialize, true},
        });
    }();
    return table;
}

/// receive(): empty call data, payable.
constexpr predeployed::Function kReceive{"receive()", Receive, false, true};

}  // namespace

evm::ExecResult EtherbasePrecompile::execute(const evm::Message& msg,
                                             state::State& state,
                                             evm::Host& host,
                                             const Deadline*)
{
    const predeployed::Function* fn = predeployed::find_function(functions(), msg.input, &kReceive);
    if (auto refused = predeployed::check_dispatch(msg, fn, "Etherbase"))
        return std::move(*refused);

    predeployed::Args args{msg.input.empty() ? BytesView{} : msg.input.subspan(4)};
    predeployed::StateStore store{state, kEtherbaseAddress};
    predeployed::AccessControl roles{store};
    const Address& sender = msg.sender;
    uint64_t extra_gas = 0;

    // partiallyRetrieve's body (retrieve passes the whole balance).
    const auto send = [&](const Address& receiver, const U256& amount) -> Outcome {
        if (!roles.has_role(ether_manager_role(), sender))
            return refuse("ETHER_MANAGER_ROLE is required");
        if (receiver == Address{})
            return refuse("Receiver address is not set");
        if (amount > state.balance(kEtherbaseAddress))
            return refuse("Insufficient funds");
        predeployed::emit_event(host, kEtherbaseAddress, "EtherSent(address,uint256)", {},
                                predeployed::encode_address_amount(receiver, amount));
        extra_gas += amount ? predeployed::kValueCallGas : 0;
        if (amount && !host.account_exists(receiver))
            extra_gas += predeployed::kNewAccountGas;
        evm::Message transfer;
        transfer.kind = evm::CallKind::Call;
        transfer.depth = msg.depth + 1;
        transfer.gas = kStipend;
        transfer.sender = kEtherbaseAddress;
        transfer.recipient = transfer.code_address = receiver;
        transfer.value = amount;
        (void)host.access_account(receiver);
        const auto r = host.call(transfer);
        if (r.status != evm::Status::Success)
            return {false, {}};  // transfer() bubbles a bare revert
        return ok();
    };

    Outcome out;
    if (predeployed::is_role_function(*fn))
        out = predeployed::call_role_function(*fn, args, roles, sender, kEtherbaseAddress, host);
    else
        switch (static_cast<Fn>(fn->id))
        {
            case EtherManagerRole:
                out = ok(abi::encode_word(U256::from_hash(ether_manager_role())));
                break;
            case Retrieve:
            {
                const Address receiver = args.address(0);
                if (!args.malformed())
                    out = send(receiver, state.balance(kEtherbaseAddress));
                break;
            }
            case PartiallyRetrieve:
            {
                const Address receiver = args.address(0);
                const U256 amount = args.word(1);
                if (!args.malformed())
                    out = send(receiver, amount);
                break;
            }
            case Initialize:
                out = refuse("Initializable: contract is already initialized");
                break;
            case Receive:
            {
                predeployed::emit_event(host, kEtherbaseAddress, "EtherReceived(address,uint256)",
                                        {}, predeployed::encode_address_amount(sender, msg.value));
                out = ok();
                break;
            }
        }
    return predeployed::finish(msg, std::move(out), args, store, extra_gas);
}

}  // namespace tern::etherbase
