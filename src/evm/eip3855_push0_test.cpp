// EIP-3855 PUSH0, plus EIP-4844 BLOBHASH and EIP-7516 BLOBBASEFEE (small Cancun additions).

#include "evm/test_host.hpp"

#include <gtest/gtest.h>

namespace tern::evm::test {
namespace {

using Push0 = EvmTest;

TEST_F(Push0, PushesZeroForTwoGas)
{
    EXPECT_EQ(result_word(Code{}.push(5).op(Op::PUSH0).op(Op::ADD).ret_top()), U256{5});
    EXPECT_EQ(gas_used(Code{}.op(Op::PUSH0)), 2);
    EXPECT_EQ(result_word(Code{}.op(Op::PUSH0).op(Op::ISZERO).ret_top()), U256{1});
}

TEST_F(Push0, OverflowsAt1025)
{
    Code c;
    for (int i = 0; i < 1025; ++i)
        c.op(Op::PUSH0);
    const auto r = exec(c);
    EXPECT_EQ(r.status, Status::StackOverflow);
    EXPECT_EQ(r.gas_left, 0);
}

TEST_F(Push0, Blobhash)
{
    Hash256 h0;
    h0[0] = 0x01;
    h0[31] = 0xaa;
    Hash256 h1;
    h1[0] = 0x01;
    h1[31] = 0xbb;
    const Hash256 hashes[] = {h0, h1};
    host.tx.blob_hashes = hashes;
    EXPECT_EQ(result_word(Code{}.push(0).op(Op::BLOBHASH).ret_top()), U256::from_hash(h0));
    EXPECT_EQ(result_word(Code{}.push(1).op(Op::BLOBHASH).ret_top()), U256::from_hash(h1));
    EXPECT_EQ(result_word(Code{}.push(2).op(Op::BLOBHASH).ret_top()), U256{0});
    EXPECT_EQ(result_word(Code{}.push(U256{1} << 64).op(Op::BLOBHASH).ret_top()), U256{0});
    EXPECT_EQ(gas_used(Code{}.push(0).op(Op::BLOBHASH)), 3 + 3);
    host.tx.blob_hashes = {};
    EXPECT_EQ(result_word(Code{}.push(0).op(Op::BLOBHASH).ret_top()), U256{0});
}

TEST_F(Push0, Blobbasefee)
{
    host.tx.blob_base_fee = U256{1} << 100;
    EXPECT_EQ(result_word(Code{}.op(Op::BLOBBASEFEE).ret_top()), U256{1} << 100);
    EXPECT_EQ(gas_used(Code{}.op(Op::BLOBBASEFEE)), 2);
}

}  // namespace
}  // namespace tern::evm::test
