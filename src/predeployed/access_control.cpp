#include "predeployed/access_control.hpp"

#include "core/hex.hpp"
#include "core/keccak.hpp"

namespace tern::predeployed {

namespace {

/// keccak256 of the 32-byte words a ‖ b: Solidity's slot of mapping(a) at slot b.
U256 mapping_slot(const U256& key, const U256& slot)
{
    uint8_t buf[64];
    key.to_be_bytes(buf);
    slot.to_be_bytes(buf + 32);
    return U256::from_hash(keccak256({buf, sizeof buf}));
}

enum RoleFn : uint16_t
{
    kDefaultAdminRole = kRoleFunctionBase,
    kGetRoleAdmin,
    kGetRoleMember,
    kGetRoleMemberCount,
    kGrantRole,
    kHasRole,
    kRenounceRole,
    kRevokeRole,
    kSupportsInterface,
};

}  // namespace

Hash256 role_id(std::string_view name)
{
    return keccak256(as_bytes(name));
}

U256 role_data_slot(const Hash256& role)
{
    return mapping_slot(U256::from_hash(role), U256{101});
}

U256 role_member_slot(const Hash256& role, const Address& account)
{
    return mapping_slot(U256::from_address(account), role_data_slot(role));
}

U256 role_set_slot(const Hash256& role)
{
    return mapping_slot(U256::from_hash(role), U256{151});
}

U256 role_set_value_slot(const U256& set, uint64_t i)
{
    uint8_t buf[32];
    set.to_be_bytes(buf);
    return U256::from_hash(keccak256({buf, sizeof buf})) + U256{i};
}

U256 role_set_index_slot(const U256& set, const Address& account)
{
    return mapping_slot(U256::from_address(account), set + U256{1});
}

bool AccessControl::has_role(const Hash256& role, const Address& account)
{
    return static_cast<bool>(store_.get(role_member_slot(role, account)));
}

Hash256 AccessControl::role_admin(const Hash256& role)
{
    return store_.get(role_data_slot(role) + U256{1}).to_hash();
}

void AccessControl::set_role_admin(const Hash256& role, const Hash256& admin)
{
    store_.set(role_data_slot(role) + U256{1}, U256::from_hash(admin));
}

bool AccessControl::grant(const Hash256& role, const Address& account)
{
    if (has_role(role, account))
        return false;
    store_.set(role_member_slot(role, account), U256{1});
    const U256 set = role_set_slot(role);
    const uint64_t n = store_.get(set).low64();
    store_.set(role_set_value_slot(set, n), U256::from_address(account));
    store_.set(role_set_index_slot(set, account), U256{n + 1});
    store_.set(set, U256{n + 1});
    return true;
}

bool AccessControl::revoke(const Hash256& role, const Address& account)
{
    if (!has_role(role, account))
        return false;
    store_.set(role_member_slot(role, account), U256{});
    const U256 set = role_set_slot(role);
    const uint64_t n = store_.get(set).low64();
    const uint64_t idx = store_.get(role_set_index_slot(set, account)).low64();  // 1-based
    if (idx != 0 && n != 0)
    {
        if (idx != n)
        {
            // EnumerableSet.remove: the last value moves into the removed one's place.
            const U256 last = store_.get(role_set_value_slot(set, n - 1));
            store_.set(role_set_value_slot(set, idx - 1), last);
            store_.set(role_set_index_slot(set, last.to_address()), U256{idx});
        }
        store_.set(role_set_value_slot(set, n - 1), U256{});
        store_.set(role_set_index_slot(set, account), U256{});
        store_.set(set, U256{n - 1});
    }
    return true;
}

uint64_t AccessControl::member_count(const Hash256& role)
{
    return store_.get(role_set_slot(role)).low64();
}

std::optional<Address> AccessControl::member(const Hash256& role, uint64_t index)
{
    const U256 set = role_set_slot(role);
    if (index >= store_.get(set).low64())
        return std::nullopt;
    return store_.get(role_set_value_slot(set, index)).to_address();
}

std::string AccessControl::missing_role(const Address& account, const Hash256& role)
{
    return "AccessControl: account " + to_hex(account) + " is missing role " + to_hex(role);
}

std::vector<Function> role_functions()
{
    return {
        {"DEFAULT_ADMIN_ROLE()", kDefaultAdminRole},
        {"getRoleAdmin(bytes32)", kGetRoleAdmin},
        {"getRoleMember(bytes32,uint256)", kGetRoleMember},
        {"getRoleMemberCount(bytes32)", kGetRoleMemberCount},
        {"grantRole(bytes32,address)", kGrantRole, true},
        {"hasRole(bytes32,address)", kHasRole},
        {"renounceRole(bytes32,address)", kRenounceRole, true},
        {"revokeRole(bytes32,address)", kRevokeRole, true},
        {"supportsInterface(bytes4)", kSupportsInterface},
    };
}

FunctionTable table_with_roles(std::vector<Function> functions)
{
    for (auto& r : role_functions())
        functions.push_back(r);
    return FunctionTable{std::move(functions)};
}

void emit_role_event(evm::Host& host,
                     const Address& self,
                     bool granted,
                     const Hash256& role,
                     const Address& account,
                     const Address& sender)
{
    const Hash256 topics[] = {role, address_topic(account), address_topic(sender)};
    emit_event(
        host, self,
        granted ? "RoleGranted(bytes32,address,address)" : "RoleRevoked(bytes32,address,address)",
        topics);
}

Outcome call_role_function(const Function& fn,
                           Args& args,
                           AccessControl& roles,
                           const Address& sender,
                           const Address& self,
                           evm::Host& host)
{
    switch (fn.id)
    {
        case kDefaultAdminRole:
            return ok(abi::encode_word(U256{}));
        case kGetRoleAdmin:
            return ok(abi::encode_word(U256::from_hash(roles.role_admin(args.bytes32(0)))));
        case kGetRoleMember:
        {
            const Hash256 role = args.bytes32(0);
            const U256 index = args.word(1);
            const auto m = index.fits_u64() ? roles.member(role, index.low64()) : std::nullopt;
            return m ? ok(abi::encode_word(U256::from_address(*m))) : panic(0x32);
        }
        case kGetRoleMemberCount:
            return ok(abi::encode_word(U256{roles.member_count(args.bytes32(0))}));
        case kHasRole:
        {
            const Hash256 role = args.bytes32(0);
            return ok(bool_word(roles.has_role(role, args.address(1))));
        }
        case kGrantRole:
        case kRevokeRole:
        {
            const Hash256 role = args.bytes32(0);
            const Address who = args.address(1);
            if (args.malformed())
                return {};
            const Hash256 admin = roles.role_admin(role);
            if (!roles.has_role(admin, sender))
                return refuse(AccessControl::missing_role(sender, admin));
            const bool grant = fn.id == kGrantRole;
            if (grant ? roles.grant(role, who) : roles.revoke(role, who))
                emit_role_event(host, self, grant, role, who, sender);
            return ok();
        }
        case kRenounceRole:
        {
            const Hash256 role = args.bytes32(0);
            const Address who = args.address(1);
            if (args.malformed())
                return {};
            if (who != sender)
                return refuse("AccessControl: can only renounce roles for self");
            if (roles.revoke(role, who))
                emit_role_event(host, self, false, role, who, sender);
            return ok();
        }
        case kSupportsInterface:
        {
            const U256 w = args.word(0);
            if (w.w[0] != 0 || w.w[1] != 0 || w.w[2] != 0 || (w.w[3] & 0xffffffffULL) != 0)
            {
                args.set_malformed();  // bytes4 with dirty low bytes
                return {};
            }
            const uint32_t id = static_cast<uint32_t>(w.w[3] >> 32);
            return ok(bool_word(id == 0x01ffc9a7 || id == 0x7965db0b || id == 0x5a05180f));
        }
        default:
            return refuse("predeployed: not a role function");
    }
}

}  // namespace tern::predeployed
