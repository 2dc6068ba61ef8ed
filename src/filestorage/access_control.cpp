#include "filestorage/access_control.hpp"

#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "filestorage/layout.hpp"

namespace tern::filestorage {

Hash256 allocator_role()
{
    static const Hash256 role = keccak256(as_bytes("ALLOCATOR_ROLE"));
    return role;
}

bool AccessControl::has_role(const Hash256& role, const Address& account)
{
    return static_cast<bool>(store_.get(layout::role_member_slot(role, account)));
}

Hash256 AccessControl::role_admin(const Hash256& role)
{
    return store_.get(layout::role_data_slot(role) + U256{1}).to_hash();
}

bool AccessControl::grant(const Hash256& role, const Address& account)
{
    if (has_role(role, account))
        return false;
    store_.set(layout::role_member_slot(role, account), U256{1});
    const U256 set = layout::role_set_slot(role);
    const uint64_t n = store_.get(set).low64();
    store_.set(layout::role_set_value_slot(set, n), U256::from_address(account));
    store_.set(layout::role_set_index_slot(set, account), U256{n + 1});
    store_.set(set, U256{n + 1});
    return true;
}

bool AccessControl::revoke(const Hash256& role, const Address& account)
{
    if (!has_role(role, account))
        return false;
    store_.set(layout::role_member_slot(role, account), U256{});
    const U256 set = layout::role_set_slot(role);
    const uint64_t n = store_.get(set).low64();
    const uint64_t idx = store_.get(layout::role_set_index_slot(set, account)).low64();  // 1-based
    if (idx != 0 && n != 0)
    {
        if (idx != n)
        {
            // EnumerableSet.remove: the last value moves into the removed one's place.
            const U256 last = store_.get(layout::role_set_value_slot(set, n - 1));
            store_.set(layout::role_set_value_slot(set, idx - 1), last);
            store_.set(layout::role_set_index_slot(set, last.to_address()), U256{idx});
        }
        store_.set(layout::role_set_value_slot(set, n - 1), U256{});
        store_.set(layout::role_set_index_slot(set, account), U256{});
        store_.set(set, U256{n - 1});
    }
    return true;
}

uint64_t AccessControl::member_count(const Hash256& role)
{
    return store_.get(layout::role_set_slot(role)).low64();
}

std::optional<Address> AccessControl::member(const Hash256& role, uint64_t index)
{
    const U256 set = layout::role_set_slot(role);
    if (index >= store_.get(set).low64())
        return std::nullopt;
    return store_.get(layout::role_set_value_slot(set, index)).to_address();
}

std::string AccessControl::missing_role(const Address& account, const Hash256& role)
{
    return "AccessControl: account " + to_hex(account) + " is missing role " + to_hex(role);
}

}  // namespace tern::filestorage
