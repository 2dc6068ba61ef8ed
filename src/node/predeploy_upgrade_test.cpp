// Issue 13: the chain owner upgrades one of SKALE's predeploys as on SKALE: the puppeteer calls
// Marionette.execute(ProxyAdmin, 0, upgrade(proxy, implementation)); the ProxyAdmin (owned by
// Marionette) upgrades the proxy, whose address then runs the new EVM code on its storage.

#include "etherbase/constants.hpp"
#include "etherbase/feature.hpp"
#include "marionette/constants.hpp"
#include "marionette/feature.hpp"
#include "predeployed/proxy.hpp"
#include "predeployed/test_calls.hpp"
#include "predeployed/test_chain.hpp"

#include <gtest/gtest.h>

namespace tern {
namespace {

using predeployed::test::encode;
using predeployed::test::reason;

const Address kOwner = address_from_u64(0x0a11);
const Address kAlice = address_from_u64(0xa11ce);
const Address kTarget = address_from_u64(0x7a);
/// CALLER PUSH0 SSTORE STOP: records its caller in slot 0 of the account it runs on.
const Bytes kRecorder = {0x33, 0x5f, 0x55, 0x00};

TEST(PredeployUpgrade, TheOwnerUpgradesEtherbaseThroughMarionetteAndTheProxyAdmin)
{
    // Etherbase behind SKALE's shared ProxyAdmin, which Marionette owns.
    predeployed::test::TestChain chain_;
    chain::ChainConfig rules;
    marionette::set_marionette_settings(rules, {true, kOwner, std::nullopt});
    etherbase::set_etherbase_settings(rules, {true, kOwner, U256{}});
    chain_.add(marionette::register_feature, rules);
    chain_.add(etherbase::register_feature, rules);
    chain_.backend().put_account(kTarget, 1, U256{}, kRecorder, {});
    const Address proxy = etherbase::kEtherbaseAddress;
    const Bytes upgrade = encode("upgrade(address,address)", {proxy, kTarget});
    const auto implementation = [&] {
        return chain_.backend().read_storage(proxy, predeployed::implementation_slot());
    };
    const auto owner = chain_.call(kAlice, marionette::kProxyAdminAddress, encode("owner()", {}));
    ASSERT_EQ(owner.status, evm::Status::Success);
    EXPECT_EQ(abi::Reader{owner.output}.address(0), marionette::kMarionetteAddress);

    // Nobody but the puppeteer, through Marionette.
    EXPECT_EQ(reason(chain_.call(kOwner, marionette::kProxyAdminAddress, upgrade)),
              "Ownable: caller is not the owner");
    const Bytes through_marionette =
        encode("execute(address,uint256,bytes)", {marionette::kProxyAdminAddress, 0, upgrade});
    EXPECT_EQ(reason(chain_.call(kAlice, marionette::kMarionetteAddress, through_marionette)),
              "Access violation");
    EXPECT_EQ(implementation(), U256::from_address(etherbase::kImplementationAddress));

    const auto r = chain_.call(kOwner, marionette::kMarionetteAddress, through_marionette);
    ASSERT_EQ(r.status, evm::Status::Success) << reason(r);
    EXPECT_EQ(implementation(), U256::from_address(kTarget));
    // Etherbase's address now runs the recorder's code on Etherbase's storage.
    ASSERT_EQ(chain_.call(kAlice, proxy, encode("ETHER_MANAGER_ROLE()", {})).status,
              evm::Status::Success);
    EXPECT_EQ(chain_.backend().read_storage(proxy, U256{}), U256::from_address(kAlice));
    EXPECT_EQ(chain_.backend().read_storage(kTarget, U256{}), U256{});
}

}  // namespace
}  // namespace tern
