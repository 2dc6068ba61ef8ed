#include "configcontroller/config_controller.hpp"

#include "configcontroller/constants.hpp"
#include "core/abi.hpp"
#include "core/keccak.hpp"
#include "predeployed/access_control.hpp"
#include "predeployed/native_call.hpp"
#include "predeployed/proxy.hpp"
#include "state/state.hpp"

namespace tern::configcontroller {

namespace {

using predeployed::ok;
using predeployed::Outcome;
using predeployed::refuse;

enum Fn : uint16_t
{
    DeployerAdminRole,
    DeployerRole,
    MtmAdminRole,
    EnableMtm,
    DisableMtm,
    EnableFcd,
    DisableFcd,
    AddToWhitelist,
    RemoveFromWhitelist,
    AllowOrigin,
    ForbidOrigin,
    AddAllowedOriginRoleAdmin,
    RemoveAllowedOriginRoleAdmin,
    IsAddressWhitelisted,
    IsDeploymentAllowed,
    IsMtmEnabled,
    IsFcdEnabled,
    AllowedOriginRole,
    AllowedOriginRoleAdmin,
    Initialize,
};

const predeployed::FunctionTable& functions()
{
    static const predeployed::FunctionTable table = [] {
        return predeployed::table_with_roles({
            {"DEPLOYER_ADMIN_ROLE()", DeployerAdminRole},
            {"DEPLOYER_ROLE()", DeployerRole},
            {"MTM_ADMIN_ROLE()", MtmAdminRole},
            {"enableMTM()", EnableMtm, true},
            {"disableMTM()", DisableMtm, true},
            {"enableFreeContractDeployment()", EnableFcd, true},
            {"disableFreeContractDeployment()", DisableFcd, true},
            {"addToWhitelist(address)", AddToWhitelist, true},
            {"removeFromWhitelist(address)", RemoveFromWhitelist, true},
            {"allowOrigin(address,address)", AllowOrigin, true},
            {"forbidOrigin(address,address)", ForbidOrigin, true},
            {"addAllowedOriginRoleAdmin(address,address)", AddAllowedOriginRoleAdmin, true},
            {"removeAllowedOriginRoleAdmin(address,address)", RemoveAllowedOriginRoleAdmin, true},
            {"isAddressWhitelisted(address)", IsAddressWhitelisted},
            {"isDeploymentAllowed(address,address)", IsDeploymentAllowed},
            {"isMTMEnabled()", IsMtmEnabled},
            {"isFCDEnabled()", IsFcdEnabled},
            {"allowedOriginRole(address)", AllowedOriginRole},
            {"allowedOriginRoleAdmin(address)", AllowedOriginRoleAdmin},
            {"initialize()", Initialize, true},
        });
    }();
    return table;
}

/// keccak256(selector(signature) ‖ deployer as a word).
Hash256 selector_role(const char* signature, const Address& deployer)
{
    Bytes buf;
    const uint32_t sel = abi::selector(signature);
    for (int i = 3; i >= 0; --i)
        buf.push_back(static_cast<uint8_t>(sel >> (8 * i)));
    abi::append_word(buf, U256::from_address(deployer));
    return keccak256(buf);
}

Outcome word(const Hash256& h)
{
    return ok(abi::encode_word(U256::from_hash(h)));
}

}  // namespace

Hash256 allowed_origin_role(const Address& deployer)
{
    return selector_role("allowedOriginRole(address)", deployer);
}

Hash256 allowed_origin_role_admin(const Address& deployer)
{
    return selector_role("allowedOriginRoleAdmin(address)", deployer);
}

bool Rules::multi_transaction_mode() const
{
    return (store_.get(U256{kFlagsSlot}).w[0] & 0xff) != 0;
}

bool Rules::free_contract_deployment() const
{
    return ((store_.get(U256{kFlagsSlot}).w[0] >> 8) & 0xff) != 0;
}

void Rules::set_multi_transaction_mode(bool on)
{
    U256 w = store_.get(U256{kFlagsSlot});
    w.w[0] = (w.w[0] & ~uint64_t{0xff}) | (on ? 1u : 0u);
    store_.set(U256{kFlagsSlot}, w);
}

void Rules::set_free_contract_deployment(bool on)
{
    U256 w = store_.get(U256{kFlagsSlot});
    w.w[0] = (w.w[0] & ~uint64_t{0xff00}) | (on ? 0x100u : 0u);
    store_.set(U256{kFlagsSlot}, w);
}

bool Rules::deployment_allowed(const Address& origin, const Address& deployer)
{
    predeployed::AccessControl roles{store_};
    return free_contract_deployment() || roles.has_role(deployer_role(), deployer) ||
           roles.has_role(deployer_role(), origin) ||
           roles.has_role(allowed_origin_role(deployer), origin);
}

evm::ExecResult ConfigControllerPrecompile::execute(const evm::Message& msg,
                                                    state::State& state,
                                                    evm::Host& host,
                                                    const Deadline*)
{
    const predeployed::Function* fn = predeployed::find_function(functions(), msg.input);
    if (auto refused = predeployed::check_dispatch(msg, fn, "ConfigController"))
        return std::move(*refused);

    predeployed::Args args{msg.input.subspan(4)};
    predeployed::StateStore store{state, kConfigControllerAddress};
    predeployed::AccessControl roles{store};
    Rules rules{store};
    const Address& sender = msg.sender;
    const auto self = kConfigControllerAddress;
    // A switch guarded by `role`, refused when already in the wanted position.
    const auto toggle = [&](const Hash256& role, bool current, bool want, const char* already,
                            auto set) -> Outcome {
        if (!roles.has_role(role, sender))
            return refuse("Caller is not an admin");
        if (current == want)
            return refuse(already);
        set(want);
        return ok();
    };
    // OpenZeppelin's onlyRole(role) then _grantRole/_revokeRole (events on change).
    const auto role_change = [&](const Hash256& guard, const Hash256& role, const Address& who,
                                 bool grant) -> Outcome {
        if (args.malformed())
            return {};
        if (!roles.has_role(guard, sender))
            return refuse(predeployed::AccessControl::missing_role(sender, guard));
        if (grant ? roles.grant(role, who) : roles.revoke(role, who))
            predeployed::emit_role_event(host, self, grant, role, who, sender);
        return ok();
    };

    Outcome out;
    if (predeployed::is_role_function(*fn))
        out = predeployed::call_role_function(*fn, args, roles, sender, self, host);
    else
        switch (static_cast<Fn>(fn->id))
        {
            case DeployerAdminRole:
                out = word(deployer_admin_role());
                break;
            case DeployerRole:
                out = word(deployer_role());
                break;
            case MtmAdminRole:
                out = word(mtm_admin_role());
                break;
            case EnableMtm:
            case DisableMtm:
            {
                const bool want = fn->id == EnableMtm;
                out = toggle(mtm_admin_role(), rules.multi_transaction_mode(), want,
                             want ? "MultiTransactionMode is already enabled"
                                  : "MultiTransactionMode is already disabled",
                             [&](bool on) { rules.set_multi_transaction_mode(on); });
                break;
            }
            case EnableFcd:
            case DisableFcd:
            {
                const bool want = fn->id == EnableFcd;
                out = toggle(deployer_admin_role(), rules.free_contract_deployment(), want,
                             want ? "Free contract deployment is already enabled"
                                  : "Free contract deployment is already disabled",
                             [&](bool on) { rules.set_free_contract_deployment(on); });
                break;
            }
            case AddToWhitelist:
            case RemoveFromWhitelist:
            {
                // grantRole / revokeRole(DEPLOYER_ROLE, addr): the role's admin decides.
                const Address who = args.address(0);
                out = role_change(roles.role_admin(deployer_role()), deployer_role(), who,
                                  fn->id == AddToWhitelist);
                break;
            }
            case AllowOrigin:
            case ForbidOrigin:
            {
                const Address origin = args.address(0);
                const Address deployer = args.address(1);
                out = role_change(allowed_origin_role_admin(deployer),
                                  allowed_origin_role(deployer), origin, fn->id == AllowOrigin);
                break;
            }
            case AddAllowedOriginRoleAdmin:
            case RemoveAllowedOriginRoleAdmin:
            {
                const Address admin = args.address(0);
                const Address deployer = args.address(1);
                out = role_change(deployer_admin_role(), allowed_origin_role_admin(deployer), admin,
                                  fn->id == AddAllowedOriginRoleAdmin);
                break;
            }
            case IsAddressWhitelisted:
            {
                const Address who = args.address(0);
                out = ok(predeployed::bool_word(rules.free_contract_deployment() ||
                                                roles.has_role(deployer_role(), who) ||
                                                host.get_code_size(who) != 0));
                break;
            }
            case IsDeploymentAllowed:
            {
                const Address origin = args.address(0);
                const Address deployer = args.address(1);
                out = ok(predeployed::bool_word(rules.deployment_allowed(origin, deployer)));
                break;
            }
            case IsMtmEnabled:
                out = ok(predeployed::bool_word(rules.multi_transaction_mode()));
                break;
            case IsFcdEnabled:
                out = ok(predeployed::bool_word(rules.free_contract_deployment()));
                break;
            case AllowedOriginRole:
                out = word(allowed_origin_role(args.address(0)));
                break;
            case AllowedOriginRoleAdmin:
                out = word(allowed_origin_role_admin(args.address(0)));
                break;
            case Initialize:
                // The genesis initialized it (OpenZeppelin's Initializable).
                out = refuse("Initializable: contract is already initialized");
                break;
        }
    return predeployed::finish(msg, std::move(out), args, store);
}

bool DeployerAllowList::allowed(state::State& state,
                                evm::Host& host,
                                int32_t depth,
                                const Address& origin,
                                const Address& deployer) const
{
    if (!state.code(deployer).empty())
        return true;
    const Address implementation =
        state.storage(kConfigControllerAddress, predeployed::implementation_slot()).to_address();
    if (implementation == kImplementationAddress)
    {
        predeployed::StateStore store{state, kConfigControllerAddress};
        return Rules{store}.deployment_allowed(origin, deployer);
    }
    // Upgraded by the owner: its own isDeploymentAllowed decides, as skaled asks the contract.
    // A view call with a budget of its own; anything but a true is a refusal.
    const U256 words[] = {U256::from_address(origin), U256::from_address(deployer)};
    const Bytes input = abi::encode_call("isDeploymentAllowed(address,address)", words);
    evm::Message call;
    call.kind = evm::CallKind::Call;
    call.is_static = true;
    call.depth = depth + 1;
    call.gas = kUpgradedCheckGas;
    call.recipient = call.code_address = kConfigControllerAddress;
    call.input = input;
    const auto r = host.call(call);
    return r.status == evm::Status::Success && abi::Reader{r.output}.word(0) == U256{1};
}

}  // namespace tern::configcontroller
