// EIP-2929 warm/cold account access costs of BALANCE, EXT* and SELFDESTRUCT.

#include "evm/test_host.hpp"

#include <gtest/gtest.h>

namespace tern::evm::test {
namespace {

using Access = EvmTest;

const Address kOther = address_from_u64(0x07e4);

TEST_F(Access, BalanceColdThenWarm)
{
    host.accounts[kOther].balance = 42;
    EXPECT_EQ(gas_used(Code{}.push(kOther).op(Op::BALANCE).push(kOther).op(Op::BALANCE)),
              3 + 2600 + 3 + 100);
    EXPECT_EQ(result_word(Code{}.push(kOther).op(Op::BALANCE).ret_top()), U256{42});
    EXPECT_EQ(exec(Code{}.push(address_from_u64(0x999)).op(Op::BALANCE), 3 + 2599).status,
              Status::OutOfGas);
}

TEST_F(Access, OwnAddressIsWarm)
{
    EXPECT_EQ(gas_used(Code{}.op(Op::ADDRESS).op(Op::BALANCE)), 2 + 100);
}

TEST_F(Access, ExtcodesizeAndHash)
{
    host.accounts[kOther].code = {0x60, 0x01, 0x00};
    EXPECT_EQ(result_word(Code{}.push(kOther).op(Op::EXTCODESIZE).ret_top()), U256{3});
    EXPECT_EQ(result_word(Code{}.push(kOther).op(Op::EXTCODEHASH).ret_top()),
              U256::from_hash(keccak256(host.accounts[kOther].code)));
    // Non-existent account: hash 0.
    EXPECT_EQ(result_word(Code{}.push(address_from_u64(0x12345)).op(Op::EXTCODEHASH).ret_top()),
              U256{0});
    host.warm_accounts = {kContract};
    EXPECT_EQ(gas_used(Code{}.push(kOther).op(Op::EXTCODESIZE).push(kOther).op(Op::EXTCODEHASH)),
              3 + 2600 + 3 + 100);
}

TEST_F(Access, Extcodecopy)
{
    host.accounts[kOther].code = {0xaa, 0xbb, 0xcc};
    // EXTCODECOPY(addr, mem 0, src 1, size 4) -> bb cc 00 00
    const Code c = Code{}
                       .mstore(0, U256::max())
                       .push(4)
                       .push(1)
                       .push(0)
                       .push(kOther)
                       .op(Op::EXTCODECOPY)
                       .ret(0, 5);
    const auto r = exec(c);
    ASSERT_EQ(r.status, Status::Success);
    EXPECT_EQ(r.output, (Bytes{0xbb, 0xcc, 0x00, 0x00, 0xff}));
    // Gas: 4 pushes + 100 + 2500 cold + 3 per word + memory.
    host.warm_accounts = {kContract};
    EXPECT_EQ(gas_used(Code{}.push(33).push(0).push(0).push(kOther).op(Op::EXTCODECOPY)),
              12 + 2600 + 6 + 6);
    // Zero size: still pays the access.
    host.warm_accounts = {kContract};
    EXPECT_EQ(gas_used(Code{}.push(0).push(0).push(0).push(kOther).op(Op::EXTCODECOPY)), 12 + 2600);
}

TEST_F(Access, SelfdestructCosts)
{
    const Address beneficiary = address_from_u64(0xbe);
    // Warm existing beneficiary, zero balance: 5000.
    host.accounts[beneficiary];
    host.warm_accounts.insert(beneficiary);
    auto r = exec(Code{}.push(beneficiary).op(Op::SELFDESTRUCT));
    EXPECT_EQ(r.status, Status::Success);
    EXPECT_EQ(1'000'000 - r.gas_left, 3 + 5000);
    ASSERT_EQ(host.selfdestructs.size(), 1u);
    EXPECT_EQ(host.selfdestructs[0], std::make_pair(kContract, beneficiary));
    EXPECT_EQ(r.gas_refund, 0);  // no refund since London

    // Cold: +2600.
    host.warm_accounts.erase(beneficiary);
    EXPECT_EQ(gas_used(Code{}.push(beneficiary).op(Op::SELFDESTRUCT)), 3 + 5000 + 2600);

    // Non-existent beneficiary and non-zero balance: +25000.
    const Address fresh = address_from_u64(0xf5e5);
    host.accounts[kContract].balance = 1;
    EXPECT_EQ(gas_used(Code{}.push(fresh).op(Op::SELFDESTRUCT)), 3 + 5000 + 2600 + 25000);
    // Zero balance: no account creation charge.
    host.accounts[kContract].balance = 0;
    host.warm_accounts.erase(fresh);
    EXPECT_EQ(gas_used(Code{}.push(fresh).op(Op::SELFDESTRUCT)), 3 + 5000 + 2600);
}

TEST_F(Access, SelfdestructStopsExecution)
{
    const auto r = exec(Code{}.op(Op::ADDRESS).op(Op::SELFDESTRUCT).op(Op::INVALID));
    EXPECT_EQ(r.status, Status::Success);
}

}  // namespace
}  // namespace tern::evm::test
