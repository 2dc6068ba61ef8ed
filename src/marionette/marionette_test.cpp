// SKALE's Marionette through its ABI (marionette 1.0.0): the chain owner calls as Marionette,
// others get "Access violation", IMA delivers a puppeteer's call.

#include "marionette/marionette.hpp"

#include "marionette/constants.hpp"
#include "marionette/feature.hpp"
#include "predeployed/test_calls.hpp"
#include "predeployed/test_chain.hpp"

#include <gtest/gtest.h>

namespace tern::marionette {
namespace {

using predeployed::test::encode;
using predeployed::test::reason;

const Address kOwner = address_from_u64(0x0a11);
const Address kIma = address_from_u64(0x1a);
const Address kAlice = address_from_u64(0xa11ce);
const Address kTarget = address_from_u64(0x7a);
/// CALLER PUSH0 SSTORE STOP: the target records who called it.
const Bytes kRecorder = {0x33, 0x5f, 0x55, 0x00};

class MarionetteTest : public ::testing::Test
{
protected:
    MarionetteTest()
    {
        chain::ChainConfig rules;
        set_marionette_settings(rules, {true, kOwner, kIma});
        chain_.add(register_feature, rules);
        chain_.backend().put_account(kTarget, 1, U256{}, kRecorder, {});
        chain_.backend().put_account(kOwner, 0, U256{1'000'000}, {});
    }

    U256 recorded() { return chain_.backend().read_storage(kTarget, U256{}); }

    predeployed::test::TestChain chain_;
};

TEST_F(MarionetteTest, TheOwnerCallsAsMarionette)
{
    const Bytes call = encode("execute(address,uint256,bytes)", {kTarget, 0, Bytes{1, 2, 3, 4}});
    const auto r = chain_.call(kOwner, kMarionetteAddress, call);
    ASSERT_EQ(r.status, evm::Status::Success) << reason(r);
    EXPECT_EQ(recorded(), U256::from_address(kMarionetteAddress));
    EXPECT_EQ(reason(chain_.call(kAlice, kMarionetteAddress, call)), "Access violation");
}

TEST_F(MarionetteTest, SendEthAndEncodeFunctionCall)
{
    const auto sent = chain_.call(kOwner, kMarionetteAddress,
                                  encode("sendEth(address,uint256)", {kAlice, 700}), U256{1000});
    ASSERT_EQ(sent.status, evm::Status::Success) << reason(sent);
    EXPECT_EQ(chain_.backend().read_account(kAlice)->balance, U256{700});
    EXPECT_EQ(chain_.backend().read_account(kMarionetteAddress)->balance, U256{300});
    EXPECT_EQ(reason(chain_.call(kOwner, kMarionetteAddress,
                                 encode("sendEth(address,uint256)", {kAlice, 5000}))),
              "Address: insufficient balance");
    // encodeFunctionCall = abi.encode(receiver, value, data), returned as bytes.
    const auto enc =
        chain_.call(kAlice, kMarionetteAddress,
                    encode("encodeFunctionCall(address,uint256,bytes)", {kTarget, 9, Bytes{0xaa}}));
    ASSERT_EQ(enc.status, evm::Status::Success);
    const auto inner = abi::Reader{enc.output}.bytes(0);
    ASSERT_TRUE(inner);
    EXPECT_EQ(abi::Reader{*inner}.address(0), kTarget);
    EXPECT_EQ(abi::Reader{*inner}.word(1), U256{9});
}

TEST_F(MarionetteTest, ImaDeliversAPuppeteersCall)
{
    Bytes data;
    abi::append_word(data, U256::from_address(kTarget));
    abi::append_word(data, U256{});
    abi::append_word(data, U256{96});
    abi::append_word(data, U256{4});
    abi::append_word(data, U256{0x01020304} << 224);
    const auto r = chain_.call(kIma, kMarionetteAddress,
                               encode("postMessage(bytes32,address,bytes)", {0, kOwner, data}));
    ASSERT_EQ(r.status, evm::Status::Success) << reason(r);
    EXPECT_EQ(recorded(), U256::from_address(kMarionetteAddress));
    EXPECT_EQ(reason(chain_.call(kAlice, kMarionetteAddress,
                                 encode("postMessage(bytes32,address,bytes)", {0, kOwner, data}))),
              "Sender is not IMA");
    EXPECT_EQ(reason(chain_.call(kIma, kMarionetteAddress,
                                 encode("postMessage(bytes32,address,bytes)", {0, kAlice, data}))),
              "Access violation");
}

}  // namespace
}  // namespace tern::marionette
