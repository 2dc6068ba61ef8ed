// A native contract behind OpenZeppelin 4's TransparentUpgradeableProxy and its ProxyAdmin:
// the owner upgrades it to EVM code (which then runs on the proxy's storage) and back, hands
// the proxy or the ProxyAdmin to someone else; everyone else is refused with Ownable's and
// ERC1967Upgrade's strings.

#include "predeployed/transparent_proxy.hpp"

#include "core/address_literal.hpp"
#include "predeployed/native_call.hpp"
#include "predeployed/proxy_admin.hpp"
#include "predeployed/test_calls.hpp"
#include "predeployed/test_chain.hpp"

#include <gtest/gtest.h>

namespace tern::predeployed {
namespace {

using test::encode;
using test::reason;

const Address kProxy = address_literal("0xD2000000000000000000000000000000000000aa");
const Address kImpl = address_literal("0xD2000000000000000000000000000000000000bb");
const Address kAdmin = address_literal("0xD2000000000000000000000000000000000000cc");
const Address kOwner = address_from_u64(0x0a11);
const Address kAlice = address_from_u64(0xa11ce);
const Address kBob = address_from_u64(0xb0b);
const Address kV2 = address_from_u64(0x2222);
const Address kReverter = address_from_u64(0x3333);

/// With call data: SSTORE(5, CALLDATALOAD(0)); without: returns SLOAD(5).
const Bytes kV2Code = {0x36, 0x15, 0x60, 0x0c, 0x57, 0x60, 0x00, 0x35, 0x60, 0x05, 0x55, 0x00,
                       0x5b, 0x60, 0x05, 0x54, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3};

/// The native contract: answer() returns 42; anything else is a bare revert.
class Answer final : public execution::StatefulPrecompiles
{
public:
    evm::ExecResult execute(const evm::Message& msg,
                            state::State&,
                            evm::Host&,
                            const Deadline*) override
    {
        if (abi::selector_of(msg.input) != abi::selector("answer()"))
            return reverted(msg.gas);
        evm::ExecResult r;
        r.gas_left = msg.gas - 100;
        r.output = abi::encode_word(U256{42});
        return r;
    }
};

class TransparentProxyTest : public ::testing::Test
{
protected:
    explicit TransparentProxyTest(const char* refuse_upgrade = nullptr)
    {
        const ProxyLayout layout{kProxy, kImpl, kAdmin, true, refuse_upgrade};
        chain_.add(
            [&](execution::ChainFeatures& features, const std::optional<Address>& owner) {
                execution::ChainFeature f;
                f.name = "answer";
                serve_behind_proxy(f, std::make_shared<Answer>(), layout);
                f.predeploys = proxy_accounts(layout, GenesisStore{}, owner);
                return features.add(std::move(f));
            },
            std::optional<Address>{kOwner});
        chain_.backend().put_account(kV2, 1, U256{}, kV2Code, {});
        chain_.backend().put_account(kReverter, 1, U256{}, Bytes{0x5f, 0x5f, 0xfd}, {});
    }

    evm::ExecResult admin_call(const Address& from, const Bytes& input)
    {
        return chain_.call(from, kAdmin, input);
    }
    evm::ExecResult upgrade(const Address& from, const Address& to)
    {
        return admin_call(from, encode("upgrade(address,address)", {kProxy, to}));
    }
    U256 word_of(const evm::ExecResult& r)
    {
        EXPECT_EQ(r.status, evm::Status::Success) << reason(r);
        return abi::Reader{r.output}.word(0).value_or(U256{});
    }
    U256 answer() { return word_of(chain_.call(kAlice, kProxy, encode("answer()", {}))); }
    U256 slot(const U256& key) { return chain_.backend().read_storage(kProxy, key); }

    test::TestChain chain_;
};

TEST_F(TransparentProxyTest, TheNativeCodeAnswersUntilUpgraded)
{
    EXPECT_EQ(answer(), U256{42});
    EXPECT_EQ(word_of(admin_call(kAlice, encode("owner()", {}))), U256::from_address(kOwner));
    EXPECT_EQ(word_of(admin_call(kAlice, encode("getProxyImplementation(address)", {kProxy}))),
              U256::from_address(kImpl));
    EXPECT_EQ(word_of(admin_call(kAlice, encode("getProxyAdmin(address)", {kProxy}))),
              U256::from_address(kAdmin));
    // Of an account that is no proxy: abi.decode of empty return data.
    EXPECT_EQ(reason(admin_call(kAlice, encode("getProxyAdmin(address)", {kAlice}))),
              "<no reason>");
}

TEST_F(TransparentProxyTest, OnlyTheOwnerAdministers)
{
    EXPECT_EQ(reason(upgrade(kAlice, kV2)), "Ownable: caller is not the owner");
    EXPECT_EQ(
        reason(admin_call(kAlice, encode("changeProxyAdmin(address,address)", {kProxy, kAlice}))),
        "Ownable: caller is not the owner");
    EXPECT_EQ(reason(admin_call(
                  kAlice, encode("upgradeAndCall(address,address,bytes)", {kProxy, kV2, Bytes{}}))),
              "Ownable: caller is not the owner");
    EXPECT_EQ(reason(admin_call(kAlice, encode("transferOwnership(address)", {kAlice}))),
              "Ownable: caller is not the owner");
    EXPECT_EQ(reason(admin_call(kAlice, encode("renounceOwnership()", {}))),
              "Ownable: caller is not the owner");
    EXPECT_EQ(answer(), U256{42});
    // The proxy's own interface is the admin's only: anyone else reaches the contract.
    EXPECT_EQ(reason(chain_.call(kAlice, kProxy, encode("upgradeTo(address)", {kV2}))),
              "<no reason>");
    EXPECT_EQ(slot(implementation_slot()), U256::from_address(kImpl));
}

TEST_F(TransparentProxyTest, AnUpgradeRunsTheEvmCodeOnTheProxysStorage)
{
    const auto r = upgrade(kOwner, kV2);
    ASSERT_EQ(r.status, evm::Status::Success) << reason(r);
    ASSERT_EQ(chain_.logs().size(), 1u);
    EXPECT_EQ(chain_.logs()[0].address, kProxy);
    EXPECT_EQ(chain_.logs()[0].topics[0], event_topic("Upgraded(address)"));
    EXPECT_EQ(chain_.logs()[0].topics[1], address_topic(kV2));
    EXPECT_EQ(slot(implementation_slot()), U256::from_address(kV2));
    EXPECT_EQ(word_of(admin_call(kAlice, encode("getProxyImplementation(address)", {kProxy}))),
              U256::from_address(kV2));

    // The V2 code now answers, on the proxy's storage.
    const auto stored = chain_.call(kAlice, kProxy, abi::encode_word(U256{77}));
    ASSERT_EQ(stored.status, evm::Status::Success) << reason(stored);
    EXPECT_EQ(slot(U256{5}), U256{77});
    EXPECT_EQ(chain_.backend().read_storage(kV2, U256{5}), U256{});
    EXPECT_EQ(word_of(chain_.call(kAlice, kProxy, {})), U256{77});
    // answer() is no longer special: V2 stores its call data.
    (void)chain_.call(kAlice, kProxy, encode("answer()", {}));
    EXPECT_NE(slot(U256{5}), U256{77});

    // And back to the native implementation.
    ASSERT_EQ(upgrade(kOwner, kImpl).status, evm::Status::Success);
    EXPECT_EQ(answer(), U256{42});
}

TEST_F(TransparentProxyTest, UpgradeAndCallInitializesThroughTheNewCode)
{
    const auto r = admin_call(kOwner, encode("upgradeAndCall(address,address,bytes)",
                                             {kProxy, kV2, abi::encode_word(U256{9})}));
    ASSERT_EQ(r.status, evm::Status::Success) << reason(r);
    EXPECT_EQ(slot(U256{5}), U256{9});
    EXPECT_EQ(slot(implementation_slot()), U256::from_address(kV2));
    // An initializer that reverts undoes the upgrade.
    ASSERT_EQ(upgrade(kOwner, kImpl).status, evm::Status::Success);
    EXPECT_EQ(reason(admin_call(kOwner, encode("upgradeAndCall(address,address,bytes)",
                                               {kProxy, kReverter, encode("init()", {})}))),
              "Address: low-level delegate call failed");
    EXPECT_EQ(slot(implementation_slot()), U256::from_address(kImpl));
}

TEST_F(TransparentProxyTest, AnImplementationMustBeAContract)
{
    EXPECT_EQ(reason(upgrade(kOwner, kAlice)), "ERC1967: new implementation is not a contract");
    EXPECT_EQ(answer(), U256{42});
}

TEST_F(TransparentProxyTest, TheAdminReachesOnlyTheProxysInterface)
{
    EXPECT_EQ(reason(chain_.call(kAdmin, kProxy, encode("answer()", {}))),
              "TransparentUpgradeableProxy: admin cannot fallback to proxy target");
    EXPECT_EQ(word_of(chain_.call(kAdmin, kProxy, encode("admin()", {}))),
              U256::from_address(kAdmin));
    // Its non-payable functions refuse value (a bare revert).
    chain_.backend().put_account(kAdmin, 0, U256{10}, {}, {});
    EXPECT_EQ(reason(chain_.call(kAdmin, kProxy, encode("admin()", {}), U256{1})), "<no reason>");
}

TEST_F(TransparentProxyTest, TheProxyChangesHands)
{
    EXPECT_EQ(reason(admin_call(kOwner,
                                encode("changeProxyAdmin(address,address)", {kProxy, Address{}}))),
              "ERC1967: new admin is the zero address");
    const auto r = admin_call(kOwner, encode("changeProxyAdmin(address,address)", {kProxy, kBob}));
    ASSERT_EQ(r.status, evm::Status::Success) << reason(r);
    EXPECT_EQ(slot(admin_slot()), U256::from_address(kBob));
    ASSERT_EQ(chain_.logs().size(), 1u);
    EXPECT_EQ(chain_.logs()[0].topics[0], event_topic("AdminChanged(address,address)"));
    // The ProxyAdmin no longer administers it; its new admin does, directly.
    EXPECT_EQ(reason(upgrade(kOwner, kV2)), "<no reason>");
    const auto up = chain_.call(kBob, kProxy, encode("upgradeTo(address)", {kV2}));
    ASSERT_EQ(up.status, evm::Status::Success) << reason(up);
    EXPECT_EQ(slot(implementation_slot()), U256::from_address(kV2));
}

TEST_F(TransparentProxyTest, TheProxyAdminChangesHands)
{
    EXPECT_EQ(reason(admin_call(kOwner, encode("transferOwnership(address)", {Address{}}))),
              "Ownable: new owner is the zero address");
    ASSERT_EQ(admin_call(kOwner, encode("transferOwnership(address)", {kBob})).status,
              evm::Status::Success);
    ASSERT_EQ(chain_.logs().size(), 1u);
    EXPECT_EQ(chain_.logs()[0].topics[0], event_topic("OwnershipTransferred(address,address)"));
    EXPECT_EQ(chain_.logs()[0].topics[1], address_topic(kOwner));
    EXPECT_EQ(chain_.logs()[0].topics[2], address_topic(kBob));
    EXPECT_EQ(reason(upgrade(kOwner, kV2)), "Ownable: caller is not the owner");
    ASSERT_EQ(upgrade(kBob, kV2).status, evm::Status::Success);
    ASSERT_EQ(admin_call(kBob, encode("renounceOwnership()", {})).status, evm::Status::Success);
    EXPECT_EQ(word_of(admin_call(kAlice, encode("owner()", {}))), U256{});
    EXPECT_EQ(reason(upgrade(kBob, kImpl)), "Ownable: caller is not the owner");
}

TEST_F(TransparentProxyTest, AStaticCallChangesNothing)
{
    EXPECT_EQ(chain_
                  .call(kOwner, kAdmin, encode("upgrade(address,address)", {kProxy, kV2}), U256{},
                        1'000'000, true)
                  .status,
              evm::Status::StaticModeViolation);
    EXPECT_EQ(word_of(chain_.call(kOwner, kAdmin, encode("owner()", {}), U256{}, 1'000'000, true)),
              U256::from_address(kOwner));
}

class NotUpgradeableTest : public TransparentProxyTest
{
protected:
    NotUpgradeableTest() : TransparentProxyTest("Answer: not upgradeable") {}
};

TEST_F(NotUpgradeableTest, TheProxyRefusesUpgrades)
{
    EXPECT_EQ(reason(upgrade(kOwner, kV2)), "Answer: not upgradeable");
    EXPECT_EQ(answer(), U256{42});
    // Its admin can still be changed.
    EXPECT_EQ(
        admin_call(kOwner, encode("changeProxyAdmin(address,address)", {kProxy, kBob})).status,
        evm::Status::Success);
}

}  // namespace
}  // namespace tern::predeployed
