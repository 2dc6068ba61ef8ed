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

}  // namespace tern::predeployed
