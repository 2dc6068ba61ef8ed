// SKALE's ConfigController through its ABI (config-controller 1.1.0's functions and revert
// strings), and the allow-list every CREATE asks (skaled's InvalidContractDeployer).

#include "configcontroller/config_controller.hpp"

#include "configcontroller/constants.hpp"
#include "configcontroller/feature.hpp"
#include "predeployed/test_calls.hpp"
#include "predeployed/test_chain.hpp"

#include <gtest/gtest.h>

namespace tern::configcontroller {
namespace {

using predeployed::test::encode;
using predeployed::test::reason;

const Address kOwner = address_from_u64(0x0a11);
const Address kAlice = address_from_u64(0xa11ce);
const Address kBob = address_from_u64(0xb0b);

/// Init code deploying an empty contract: PUSH1 0 PUSH1 0 RETURN.
const Bytes kInit = {0x60, 0x00, 0x60, 0x00, 0xf3};

class ConfigControllerTest : public ::testing::Test
{
protected:
    ConfigControllerTest()
    {
        chain::ChainConfig rules;
        ConfigControllerSettings s;
        s.enabled = true;
        s.admin = kOwner;
        set_config_controller_settings(rules, s);
        chain_.add(register_feature, rules);
    }

    evm::ExecResult call(const Address& from, BytesView input)
    {
        return chain_.call(from, kConfigControllerAddress, input);
    }

    bool view_bool(BytesView input)
    {
        const auto r = call(kBob, input);
        EXPECT_EQ(r.status, evm::Status::Success) << reason(r);
        return r.output.size() == 32 && r.output[31] == 1;
    }

    evm::ExecResult deploy(const Address& from) { return chain_.call(from, std::nullopt, kInit); }

    predeployed::test::TestChain chain_;
};

TEST_F(ConfigControllerTest, OnlyAllowedDeployersCreate)
{
    const auto refused = deploy(kAlice);
    EXPECT_EQ(reason(refused), "InvalidContractDeployer");
    EXPECT_EQ(deploy(kOwner).status, evm::Status::Success);  // the owner holds DEPLOYER_ROLE
    EXPECT_FALSE(view_bool(encode("isDeploymentAllowed(address,address)", {kAlice, kAlice})));

    ASSERT_EQ(call(kOwner, encode("addToWhitelist(address)", {kAlice})).status,
              evm::Status::Success);
    EXPECT_TRUE(view_bool(encode("isDeploymentAllowed(address,address)", {kAlice, kAlice})));
    EXPECT_TRUE(view_bool(encode("isAddressWhitelisted(address)", {kAlice})));
    EXPECT_EQ(deploy(kAlice).status, evm::Status::Success);

    ASSERT_EQ(call(kOwner, encode("removeFromWhitelist(address)", {kAlice})).status,
              evm::Status::Success);
    EXPECT_EQ(reason(deploy(kAlice)), "InvalidContractDeployer");
}

TEST_F(ConfigControllerTest, RefusalsCarryTheContractsMessages)
{
    EXPECT_EQ(reason(call(kAlice, encode("addToWhitelist(address)", {kBob}))),
              predeployed::AccessControl::missing_role(kAlice, deployer_admin_role()));
    EXPECT_EQ(reason(call(kAlice, encode("enableFreeContractDeployment()", {}))),
              "Caller is not an admin");
    EXPECT_EQ(reason(call(kOwner, encode("disableFreeContractDeployment()", {}))),
              "Free contract deployment is already disabled");
    EXPECT_EQ(reason(call(kAlice, encode("enableMTM()", {}))), "Caller is not an admin");
    ASSERT_EQ(call(kOwner, encode("enableMTM()", {})).status, evm::Status::Success);
    EXPECT_TRUE(view_bool(encode("isMTMEnabled()", {})));
    EXPECT_EQ(reason(call(kOwner, encode("enableMTM()", {}))),
              "MultiTransactionMode is already enabled");
    EXPECT_EQ(reason(call(kAlice, encode("allowOrigin(address,address)", {kBob, kAlice}))),
              predeployed::AccessControl::missing_role(kAlice, allowed_origin_role_admin(kAlice)));
}

TEST_F(ConfigControllerTest, FreeContractDeploymentLetsAnyoneDeploy)
{
    ASSERT_EQ(call(kOwner, encode("enableFreeContractDeployment()", {})).status,
              evm::Status::Success);
    EXPECT_TRUE(view_bool(encode("isFCDEnabled()", {})));
    EXPECT_EQ(deploy(kBob).status, evm::Status::Success);
    ASSERT_EQ(call(kOwner, encode("disableFreeContractDeployment()", {})).status,
              evm::Status::Success);
    EXPECT_EQ(reason(deploy(kBob)), "InvalidContractDeployer");
}

TEST_F(ConfigControllerTest, AllowedOriginsAndContractsDeploy)
{
    // A factory's code: CREATE of an empty contract from memory (PUSH1 5 PUSH1 27 PUSH1 0
    // CREATE ... ), simplified: any contract account counts as a contract deployer.
    const Address factory = address_from_u64(0xfac);
    chain_.backend().put_account(factory, 1, U256{}, Bytes{0x00}, {});
    chain_.set_origin(kAlice);
    EXPECT_EQ(chain_.call(factory, std::nullopt, kInit).status, evm::Status::Success);
    chain_.set_origin(std::nullopt);

    // allowOrigin: an origin allowed for one deployer (set up by an allowed-origin admin).
    ASSERT_EQ(
        call(kOwner, encode("addAllowedOriginRoleAdmin(address,address)", {kOwner, kBob})).status,
        evm::Status::Success);
    ASSERT_EQ(call(kOwner, encode("allowOrigin(address,address)", {kAlice, kBob})).status,
              evm::Status::Success);
    EXPECT_TRUE(view_bool(encode("isDeploymentAllowed(address,address)", {kAlice, kBob})));
    EXPECT_FALSE(view_bool(encode("isDeploymentAllowed(address,address)", {kAlice, kAlice})));
    ASSERT_EQ(call(kOwner, encode("forbidOrigin(address,address)", {kAlice, kBob})).status,
              evm::Status::Success);
    EXPECT_FALSE(view_bool(encode("isDeploymentAllowed(address,address)", {kAlice, kBob})));
    // The pure role ids are the contract's: keccak(selector ‖ deployer).
    const auto r = call(kBob, encode("allowedOriginRole(address)", {kBob}));
    EXPECT_EQ(U256::from_be(BytesView(r.output)), U256::from_hash(allowed_origin_role(kBob)));
}

TEST_F(ConfigControllerTest, AnUpgradedControllerDecidesWithItsOwnCode)
{
    // Implementations whose isDeploymentAllowed (any call) returns true, or false.
    const Address yes = address_from_u64(0x1e5);
    chain_.backend().put_account(yes, 1, U256{},
                                 Bytes{0x60, 0x01, 0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3}, {});
    const Address no_impl = address_from_u64(0x2e5);
    chain_.backend().put_account(no_impl, 1, U256{}, Bytes{0x60, 0x20, 0x5f, 0xf3}, {});
    const auto upgrade = [&](const Address& from, const Address& to) {
        return chain_.call(from, kProxyAdminAddress,
                           encode("upgrade(address,address)", {kConfigControllerAddress, to}));
    };
    EXPECT_EQ(reason(upgrade(kAlice, yes)), "Ownable: caller is not the owner");
    EXPECT_EQ(reason(deploy(kAlice)), "InvalidContractDeployer");

    ASSERT_EQ(upgrade(kOwner, yes).status, evm::Status::Success);
    EXPECT_EQ(deploy(kAlice).status, evm::Status::Success);
    ASSERT_EQ(upgrade(kOwner, no_impl).status, evm::Status::Success);
    EXPECT_EQ(reason(deploy(kOwner)), "InvalidContractDeployer");
    // Back to the native code: its allow-list, as it was.
    ASSERT_EQ(upgrade(kOwner, kImplementationAddress).status, evm::Status::Success);
    EXPECT_EQ(deploy(kOwner).status, evm::Status::Success);
    EXPECT_EQ(reason(deploy(kAlice)), "InvalidContractDeployer");
}

}  // namespace
}  // namespace tern::configcontroller
