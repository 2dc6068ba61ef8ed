#include "filestorage/layout.hpp"

#include "core/keccak.hpp"
#include "predeployed/access_control.hpp"

#include <cstring>

namespace tern::filestorage::layout {

namespace {

/// keccak256 of the 32-byte words a ‖ b: Solidity's slot of mapping(a) at slot b.
U256 mapping_slot(const U256& key, const U256& slot)
{
    uint8_t buf[64];
    key.to_be_bytes(buf);
    slot.to_be_bytes(buf + 32);
    return U256::from_hash(keccak256({buf, sizeof buf}));
}

}  // namespace

U256 storage_space_slot()
{
    static const U256 slot = U256::from_hash(keccak256(as_bytes("STORAGE_SPACE_SLOT")));
    return slot;
}

U256 total_reserved_slot()
{
    return U256{204};
}

U256 reserved_slot(const Address& owner)
{
    return mapping_slot(U256::from_address(owner), U256{201});
}

U256 occupied_slot(const Address& owner)
{
    return mapping_slot(U256::from_address(owner), U256{202});
}

U256 owners_slot()
{
    static const U256 slot = U256::from_hash(keccak256(as_bytes("tern.fs.owners")));
    return slot;
}

U256 owner_slot(uint64_t i)
{
    // An EnumerableSet's layout: values from keccak(set).
    return predeployed::role_set_value_slot(owners_slot(), i);
}

U256 owner_index_slot(const Address& owner)
{
    return mapping_slot(U256::from_address(owner), owners_slot() + U256{1});
}

U256 entry_slot(const Address& owner, std::string_view path)
{
    constexpr std::string_view kTag = "tern.fs.node";
    Bytes buf;
    buf.reserve(kTag.size() + 20 + path.size());
    buf.insert(buf.end(), kTag.begin(), kTag.end());
    buf.insert(buf.end(), owner.bytes.begin(), owner.bytes.end());
    buf.insert(buf.end(), path.begin(), path.end());
    return U256::from_hash(keccak256(buf));
}

U256 list_slot(const U256& dir, uint64_t i)
{
    constexpr std::string_view kTag = "tern.fs.list";
    uint8_t buf[32 + kTag.size()];
    dir.to_be_bytes(buf);
    std::memcpy(buf + 32, kTag.data(), kTag.size());
    return U256::from_hash(keccak256({buf, sizeof buf})) + U256{i};
}

}  // namespace tern::filestorage::layout
