#include "predeployed/proxy.hpp"

#include "core/keccak.hpp"

namespace tern::predeployed {

U256 implementation_slot()
{
    static const U256 slot =
        U256::from_hash(keccak256(as_bytes("eip1967.proxy.implementation"))) - U256{1};
    return slot;
}

U256 admin_slot()
{
    static const U256 slot = U256::from_hash(keccak256(as_bytes("eip1967.proxy.admin"))) - U256{1};
    return slot;
}

const Bytes& stub_code()
{
    static const Bytes code = {0x60, 0x00, 0x80, 0xfd};
    return code;
}

void set_proxy_slots(Store& store, const Address& implementation, const Address& admin)
{
    store.set(implementation_slot(), U256::from_address(implementation));
    store.set(admin_slot(), U256::from_address(admin));
}

std::vector<execution::Predeploy> proxy_accounts(const ProxyLayout& layout,
                                                 GenesisStore storage,
                                                 const std::optional<Address>& owner,
                                                 const U256& balance)
{
    set_proxy_slots(storage, layout.implementation, layout.proxy_admin);
    std::vector<execution::Predeploy> out(layout.own_proxy_admin ? 3 : 2);
    out[0].address = layout.proxy;
    out[0].code = stub_code();
    out[0].storage = storage.storage();
    out[0].balance = balance;
    out[1].address = layout.implementation;
    out[1].code = stub_code();
    if (!layout.own_proxy_admin)
        return out;
    out[2].address = layout.proxy_admin;
    out[2].code = stub_code();
    if (owner)
        out[2].storage.emplace_back(U256{}, U256::from_address(*owner));
    return out;
}

}  // namespace tern::predeployed
