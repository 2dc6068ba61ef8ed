#pragma once

// OpenZeppelin's AccessControlEnumerable (4.x) as SKALE's FileStorage inherits it: roles with
// an admin role each (DEFAULT_ADMIN_ROLE, 0, unless set), enumerable members, in the same
// storage slots (layout.hpp). The chain owner holds DEFAULT_ADMIN_ROLE from the genesis.

#include "core/bytes.hpp"
#include "core/uint256.hpp"
#include "filestorage/store.hpp"

#include <optional>
#include <string>

namespace tern::filestorage {

/// keccak256("ALLOCATOR_ROLE"): may reserve space for users.
Hash256 allocator_role();

/// The roles of the FileStorage account, over `store` (which outlives it).
class AccessControl
{
public:
    explicit AccessControl(Store& store) noexcept : store_(store) {}

    [[nodiscard]] bool has_role(const Hash256& role, const Address& account);
    /// The role whose members grant and revoke `role`.
    [[nodiscard]] Hash256 role_admin(const Hash256& role);
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

}  // namespace tern::filestorage
