#pragma once

// OpenZeppelin's AccessControlEnumerable (4.x, upgradeable layout) as SKALE's predeploys
// inherit it: roles with an admin role each (DEFAULT_ADMIN_ROLE, 0, unless set), enumerable
// members, in the same storage slots (_roles at 101, _roleMembers at 151), the same revert
// strings and events; and its ABI, served by every native predeploy (role_functions).

#include "core/bytes.hpp"
#include "core/uint256.hpp"
#include "evm/host.hpp"
#include "predeployed/native_call.hpp"
#include "predeployed/store.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tern::predeployed {

/// keccak256(`name`): a role's id (ALLOCATOR_ROLE, ETHER_MANAGER_ROLE, ...).
[[nodiscard]] Hash256 role_id(std::string_view name);

/// AccessControl's _roles[role] (slot 101): members[account] at keccak(account ‖ this),
/// adminRole at this + 1.
[[nodiscard]] U256 role_data_slot(const Hash256& role);
/// _roles[role].members[account]: 1 if the account has the role.
[[nodiscard]] U256 role_member_slot(const Hash256& role, const Address& account);
/// AccessControlEnumerable's _roleMembers[role] (slot 151): an EnumerableSet: its length
/// here, its values from keccak(this), the 1-based index of a value at keccak(value ‖ this + 1).
[[nodiscard]] U256 role_set_slot(const Hash256& role);
/// Slot of value `i` of the role set at `set`.
[[nodiscard]] U256 role_set_value_slot(const U256& set, uint64_t i);
/// Slot of the 1-based index of `account` in the role set at `set`.
[[nodiscard]] U256 role_set_index_slot(const U256& set, const Address& account);

/// The roles of one predeploy's account, over `store` (which outlives it).
class AccessControl
{
public:
    explicit AccessControl(Store& store) noexcept : store_(store) {}

    [[nodiscard]] bool has_role(const Hash256& role, const Address& account);
    /// The role whose members grant and revoke `role`.
    [[nodiscard]] Hash256 role_admin(const Hash256& role);
    /// Makes `admin` the admin role of `role` (OpenZeppelin's _setRoleAdmin).
    void set_role_admin(const Hash256& role, const Hash256& admin);
    /// Adds `account` to `role`; false if it already had it (nothing written).
    bool grant(const Hash256& role, const Address& account);
    /// Removes `account` from `role`; false if it did not have it.
    bool revoke(const Hash256& role, const Address& account);
    [[nodiscard]] uint64_t member_count(const Hash256& role);
    /// Member `index` (nullopt past the end: Solidity's array-bounds panic).
    [[nodiscard]] std::optional<Address> member(const Hash256& role, uint64_t index);

    /// OpenZeppelin's revert string of a caller without `role`: "AccessControl: account 0x…
    /// is missing role 0x…" (lowercase hex).
    static std::string missing_role(const Address& account, const Hash256& role);

private:
    Store& store_;
};

/// First Function::id of the role functions; a contract numbers its own below it.
inline constexpr uint16_t kRoleFunctionBase = 0xff00;

/// AccessControlEnumerable's functions (DEFAULT_ADMIN_ROLE, getRoleAdmin, getRoleMember,
/// getRoleMemberCount, grantRole, hasRole, renounceRole, revokeRole) and ERC-165's
/// supportsInterface, numbered from kRoleFunctionBase, to append to a contract's table.
[[nodiscard]] std::vector<Function> role_functions();

/// The table of a contract's own `functions` followed by role_functions().
[[nodiscard]] FunctionTable table_with_roles(std::vector<Function> functions);

/// True if `fn` is one of role_functions().
[[nodiscard]] constexpr bool is_role_function(const Function& fn) noexcept
{
    return fn.id >= kRoleFunctionBase;
}

/// Runs role function `fn` for `sender` on the roles of `self` (RoleGranted and RoleRevoked
/// logs through `host`): OpenZeppelin's semantics and revert strings. supportsInterface
/// answers ERC-165, IAccessControl and IAccessControlEnumerable.
[[nodiscard]] Outcome call_role_function(const Function& fn,
                                         Args& args,
                                         AccessControl& roles,
                                         const Address& sender,
                                         const Address& self,
                                         evm::Host& host);

/// Emits OpenZeppelin's RoleGranted(role, account, sender) or RoleRevoked.
void emit_role_event(evm::Host& host,
                     const Address& self,
                     bool granted,
                     const Hash256& role,
                     const Address& account,
                     const Address& sender);

}  // namespace tern::predeployed
