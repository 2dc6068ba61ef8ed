// EIP-1153 TLOAD/TSTORE.

#include "evm/test_host.hpp"

#include <gtest/gtest.h>

namespace tern::evm::test {
namespace {

using Transient = EvmTest;

TEST_F(Transient, StoreThenLoad)
{
    EXPECT_EQ(result_word(Code{}.push(99).push(7).op(Op::TSTORE).push(7).op(Op::TLOAD).ret_top()),
              U256{99});
    EXPECT_EQ(U256(host.transient[{kContract, U256{7}}]), U256{99});
    // Unset slot reads zero.
    EXPECT_EQ(result_word(Code{}.push(8).op(Op::TLOAD).ret_top()), U256{0});
}

TEST_F(Transient, SeparateFromPersistentStorage)
{
    EXPECT_EQ(result_word(Code{}.push(1).push(0).op(Op::TSTORE).push(0).op(Op::SLOAD).ret_top()),
              U256{0});
    EXPECT_TRUE(host.accounts[kContract].storage.empty());
}

TEST_F(Transient, GasIs100Each)
{
    EXPECT_EQ(gas_used(Code{}.push(1).push(0).op(Op::TSTORE)), 6 + 100);
    EXPECT_EQ(gas_used(Code{}.push(0).op(Op::TLOAD)), 3 + 100);
    // No cold surcharge and no EIP-2200 sentry: TSTORE with little gas left works.
    EXPECT_EQ(exec(Code{}.push(1).push(0).op(Op::TSTORE), 106).status, Status::Success);
    EXPECT_EQ(exec(Code{}.push(1).push(0).op(Op::TSTORE), 105).status, Status::OutOfGas);
}

TEST_F(Transient, StaticMode)
{
    msg.is_static = true;
    EXPECT_EQ(exec(Code{}.push(1).push(0).op(Op::TSTORE)).status, Status::StaticModeViolation);
    EXPECT_EQ(exec(Code{}.push(0).op(Op::TLOAD)).status, Status::Success);
}

TEST_F(Transient, DelegatecallUsesCallersSpace)
{
    const Address lib = address_from_u64(0x11b);
    host.accounts[lib].code = Code{}.push(5).push(3).op(Op::TSTORE).bytes;
    const Code c = Code{}
                       .push(0)
                       .push(0)
                       .push(0)
                       .push(0)
                       .push(lib)
                       .push(100000)
                       .op(Op::DELEGATECALL)
                       .op(Op::POP)
                       .push(3)
                       .op(Op::TLOAD)
                       .ret_top();
    EXPECT_EQ(result_word(c), U256{5});
    EXPECT_EQ(host.transient.count({lib, U256{3}}), 0u);
}

TEST_F(Transient, Underflow)
{
    EXPECT_EQ(exec(Code{}.push(1).op(Op::TSTORE)).status, Status::StackUnderflow);
    EXPECT_EQ(exec(Code{}.op(Op::TLOAD)).status, Status::StackUnderflow);
}

}  // namespace
}  // namespace tern::evm::test
