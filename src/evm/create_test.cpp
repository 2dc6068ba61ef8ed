// CREATE / CREATE2: gas, child message, light failures, return data, EIP-3860 initcode rules.

#include "evm/test_host.hpp"

#include <gtest/gtest.h>

namespace tern::evm::test {
namespace {

using Create = EvmTest;

/// CREATE(value, offset, size) or CREATE2(value, offset, size, salt).
Code create(Op op, const U256& value, const U256& offset, const U256& size, const U256& salt = 0)
{
    Code c;
    if (op == Op::CREATE2)
        c.push(salt);
    return c.push(size).push(offset).push(value).op(op);
}

TEST_F(Create, EmptyInitcode)
{
    const int64_t gas = 100'000;
    const auto r = exec(create(Op::CREATE, 0, 0, 0).ret_top(), gas);
    ASSERT_EQ(r.status, Status::Success);
    EXPECT_EQ(U256::from_be(r.output), U256::from_address(address_from_u64(0xc0de00)));
    ASSERT_EQ(host.calls.size(), 1u);
    const auto& m = host.calls[0].msg;
    EXPECT_EQ(m.kind, CallKind::Create);
    EXPECT_EQ(m.sender, kContract);
    EXPECT_EQ(m.depth, 1);
    EXPECT_TRUE(host.calls[0].input.empty());
    const int64_t g = gas - 9 - 32000;
    EXPECT_EQ(m.gas, g - g / 64);
    // The creation used no gas: only 9 + 32000 (+ ret_top) charged.
    EXPECT_EQ(gas_used(create(Op::CREATE, 0, 0, 0)), 9 + 32000);
}

TEST_F(Create, Create2ChargesHashingAndInitcodeWords)
{
    // 40 bytes of zero initcode (2 words): 32000 + 2*(2+6) + memory 2 words.
    EXPECT_EQ(gas_used(create(Op::CREATE2, 0, 0, 40, 0x5a17)), 12 + 32000 + 16 + 6);
    const auto& m = host.calls.back().msg;
    EXPECT_EQ(m.kind, CallKind::Create2);
    EXPECT_EQ(U256::from_hash(m.create2_salt), U256{0x5a17});
    EXPECT_EQ(host.calls.back().input, Bytes(40, 0));
    // CREATE of the same: 2 per word only.
    EXPECT_EQ(gas_used(create(Op::CREATE, 0, 0, 40)), 9 + 32000 + 4 + 6);
}

TEST_F(Create, InitcodeSizeLimit)
{
    // EIP-3860: 49152 bytes is allowed, 49153 is an exceptional halt.
    auto r = exec(create(Op::CREATE, 0, 0, 49152), 10'000'000);
    EXPECT_EQ(r.status, Status::Success);
    EXPECT_EQ(host.calls.size(), 1u);
    r = exec(create(Op::CREATE, 0, 0, 49153), 10'000'000);
    EXPECT_EQ(r.status, Status::OutOfGas);
    EXPECT_EQ(r.gas_left, 0);
    EXPECT_EQ(host.calls.size(), 1u);
    r = exec(create(Op::CREATE2, 0, 0, 49153), 10'000'000);
    EXPECT_EQ(r.status, Status::OutOfGas);
    // Gas of the maximal initcode: 1536 words * 2 + memory for 1536 words.
    const uint64_t w = 1536;
    host.calls.clear();
    EXPECT_EQ(gas_used(create(Op::CREATE, 0, 0, 49152), 10'000'000),
              static_cast<int64_t>(9 + 32000 + 2 * w + 3 * w + w * w / 512));
}

TEST_F(Create, ResultAndReturnData)
{
    // Initcode returning 1 byte of runtime code (0x00).
    const Code init = Code{}.ret(0, 1);
    Code c;
    // Store the initcode at memory[0..]
    U256 word;
    ASSERT_LE(init.size(), 32u);
    uint8_t buf[32]{};
    std::copy(init.bytes.begin(), init.bytes.end(), buf);
    word = U256::from_be_bytes(buf, 32);
    c.mstore(0, word).append(create(Op::CREATE, 0, 0, init.size()));
    c.op(Op::RETURNDATASIZE).push(32).op(Op::MSTORE).ret_top();
    auto r = exec(c);
    ASSERT_EQ(r.status, Status::Success);
    const Address created = address_from_u64(0xc0de00);
    EXPECT_EQ(U256::from_be(r.output), U256::from_address(created));
    EXPECT_EQ(host.accounts[created].code, Bytes{0x00});

    // Reverting initcode: address 0, RETURNDATASIZE = revert data size.
    const Code rev = Code{}.push(5).push(0).op(Op::REVERT);
    std::fill(std::begin(buf), std::end(buf), 0);
    std::copy(rev.bytes.begin(), rev.bytes.end(), buf);
    word = U256::from_be_bytes(buf, 32);
    Code c2;
    c2.mstore(0, word).append(create(Op::CREATE, 0, 0, rev.size()));
    c2.op(Op::RETURNDATASIZE).op(Op::ADD).ret_top();  // address (0) + size
    EXPECT_EQ(result_word(c2), U256{5});
}

TEST_F(Create, FailedInitcodeConsumesGivenGas)
{
    const int64_t gas = 100'000;
    // Initcode: INVALID (0xfe) stored at memory[0].
    const Code c = Code{}.mstore(0, U256{0xfe} << 248).append(create(Op::CREATE, 0, 0, 1));
    const int64_t before_create = 12 + 9 + 32000 + 2;  // mstore + pushes + CREATE + 1 word
    const int64_t g = gas - before_create;
    EXPECT_EQ(gas_used(c, gas), before_create + (g - g / 64));
}

TEST_F(Create, RefundOfSuccessfulCreationIsAdded)
{
    // Initcode that clears a pre-set slot of the new address is impossible (fresh account), so
    // use AddedDeleted: 0 -> 1 -> 0 gives a refund of 19900.
    const Code init = Code{}.sstore(0, 1).sstore(0, 0);
    uint8_t buf[32]{};
    std::copy(init.bytes.begin(), init.bytes.end(), buf);
    const Code c = Code{}
                       .mstore(0, U256::from_be_bytes(buf, 32))
                       .append(create(Op::CREATE, 0, 0, init.size()));
    const auto r = exec(c);
    ASSERT_EQ(r.status, Status::Success);
    EXPECT_EQ(r.gas_refund, 19900);
}

TEST_F(Create, LightFailures)
{
    // Depth limit: no sub-call, 0 pushed, gas not given away.
    msg.depth = 1024;
    EXPECT_EQ(gas_used(create(Op::CREATE, 0, 0, 0)), 9 + 32000);
    EXPECT_TRUE(host.calls.empty());
    msg.depth = 1024;
    EXPECT_EQ(result_word(create(Op::CREATE, 0, 0, 0).ret_top()), U256{0});
    msg.depth = 0;
    // Endowment above balance.
    host.accounts[kContract].balance = 5;
    EXPECT_EQ(result_word(create(Op::CREATE, 6, 0, 0).ret_top()), U256{0});
    EXPECT_TRUE(host.calls.empty());
    EXPECT_NE(result_word(create(Op::CREATE, 5, 0, 0).ret_top()), U256{0});
    EXPECT_EQ(host.calls.back().msg.value, U256{5});
}

TEST_F(Create, HugeInitcodeRegionIsOutOfGas)
{
    EXPECT_EQ(exec(create(Op::CREATE, 0, U256{1} << 64, 1)).status, Status::OutOfGas);
    EXPECT_EQ(exec(create(Op::CREATE, 0, 0, U256{1} << 64)).status, Status::OutOfGas);
    // Zero size with a huge offset is fine.
    EXPECT_EQ(exec(create(Op::CREATE, 0, U256::max(), 0)).status, Status::Success);
}

}  // namespace
}  // namespace tern::evm::test
