// SKALE's Etherbase through its ABI (etherbase 1.0.0's functions, events and revert strings).

#include "etherbase/etherbase.hpp"

#include "core/keccak.hpp"
#include "etherbase/constants.hpp"
#include "etherbase/feature.hpp"
#include "predeployed/test_calls.hpp"
#include "predeployed/test_chain.hpp"

#include <gtest/gtest.h>

namespace tern::etherbase {
namespace {

using predeployed::test::encode;
using predeployed::test::reason;

const Address kOwner = address_from_u64(0x0a11);
const Address kAlice = address_from_u64(0xa11ce);
const U256 kEther = U256{1'000'000'000'000'000'000ULL};

class EtherbaseTest : public ::testing::Test
{
protected:
    EtherbaseTest()
    {
        chain::ChainConfig rules;
        EtherbaseSettings s;
        s.enabled = true;
        s.admin = kOwner;
        s.balance = kEther * U256{100};
        set_etherbase_settings(rules, s);
        chain_.add(register_feature, rules);
    }

    U256 balance(const Address& a)
    {
        const auto acc = chain_.backend().read_account(a);
        return acc ? acc->balance : U256{};
    }

    predeployed::test::TestChain chain_;
};

TEST_F(EtherbaseTest, EtherManagersHandOutSfuel)
{
    const auto r = chain_.call(kOwner, kEtherbaseAddress,
                               encode("partiallyRetrieve(address,uint256)", {kAlice, kEther}));
    ASSERT_EQ(r.status, evm::Status::Success) << reason(r);
    EXPECT_EQ(balance(kAlice), kEther);
    EXPECT_EQ(balance(kEtherbaseAddress), kEther * U256{99});
    ASSERT_EQ(chain_.logs().size(), 1u);
    EXPECT_EQ(chain_.logs()[0].topics[0], keccak256(as_bytes("EtherSent(address,uint256)")));

    // Without the role: the contract's string, nothing moves.
    EXPECT_EQ(reason(chain_.call(kAlice, kEtherbaseAddress,
                                 encode("partiallyRetrieve(address,uint256)", {kAlice, kEther}))),
              "ETHER_MANAGER_ROLE is required");
    EXPECT_EQ(reason(chain_.call(kAlice, kEtherbaseAddress, encode("retrieve(address)", {kAlice}))),
              "ETHER_MANAGER_ROLE is required");
    EXPECT_EQ(reason(chain_.call(
                  kOwner, kEtherbaseAddress,
                  encode("partiallyRetrieve(address,uint256)", {kAlice, kEther * U256{1000}}))),
              "Insufficient funds");
    EXPECT_EQ(reason(chain_.call(kOwner, kEtherbaseAddress,
                                 encode("partiallyRetrieve(address,uint256)", {Address{}, 1}))),
              "Receiver address is not set");

    // A granted manager (OpenZeppelin's grantRole) empties it with retrieve.
    ASSERT_EQ(chain_
                  .call(kOwner, kEtherbaseAddress,
                        encode("grantRole(bytes32,address)", {ether_manager_role(), kAlice}))
                  .status,
              evm::Status::Success);
    ASSERT_EQ(chain_.call(kAlice, kEtherbaseAddress, encode("retrieve(address)", {kAlice})).status,
              evm::Status::Success);
    EXPECT_EQ(balance(kEtherbaseAddress), U256{});
    EXPECT_EQ(balance(kAlice), kEther * U256{100});
}

TEST_F(EtherbaseTest, ReceivesValueWithAnEvent)
{
    chain_.backend().put_account(kAlice, 0, kEther, {});
    const auto r = chain_.call(kAlice, kEtherbaseAddress, {}, U256{5});
    ASSERT_EQ(r.status, evm::Status::Success) << reason(r);
    EXPECT_EQ(balance(kEtherbaseAddress), kEther * U256{100} + U256{5});
    ASSERT_EQ(chain_.logs().size(), 1u);
    EXPECT_EQ(chain_.logs()[0].topics[0], keccak256(as_bytes("EtherReceived(address,uint256)")));
    // Value to a non-payable function: a bare revert.
    const auto paid =
        chain_.call(kAlice, kEtherbaseAddress, encode("ETHER_MANAGER_ROLE()", {}), U256{1});
    EXPECT_EQ(paid.status, evm::Status::Revert);
    EXPECT_TRUE(paid.output.empty());
}

}  // namespace
}  // namespace tern::etherbase
