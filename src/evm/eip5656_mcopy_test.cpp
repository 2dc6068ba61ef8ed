// EIP-5656 MCOPY: semantics (memmove), memory expansion on max(dst, src) + size, gas.

#include "evm/test_host.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace tern::evm::test {
namespace {

using Mcopy = EvmTest;

/// Memory of 256 bytes holding 0x00..0xff (8 MSTOREs), then MCOPY, then RETURN(0, MSIZE).
Code mcopy_program(const U256& dst, const U256& src, const U256& len)
{
    Code c;
    for (uint64_t w = 0; w < 8; ++w)
    {
        uint8_t buf[32];
        for (int i = 0; i < 32; ++i)
            buf[i] = static_cast<uint8_t>(w * 32 + static_cast<uint64_t>(i));
        c.mstore(w * 32, U256::from_be_bytes(buf, 32));
    }
    c.push(len).push(src).push(dst).op(Op::MCOPY);
    c.op(Op::MSIZE).push(0).op(Op::RETURN);
    return c;
}

/// Reference model: expand to cover both ranges, then memmove.
Bytes model(uint64_t dst, uint64_t src, uint64_t len)
{
    Bytes mem(256);
    for (size_t i = 0; i < 256; ++i)
        mem[i] = static_cast<uint8_t>(i);
    if (len != 0)
    {
        const uint64_t end = std::max(dst, src) + len;
        const uint64_t size = (end + 31) / 32 * 32;
        if (size > mem.size())
            mem.resize(size, 0);
        const Bytes copy(mem.begin() + static_cast<ptrdiff_t>(src),
                         mem.begin() + static_cast<ptrdiff_t>(src + len));
        std::copy(copy.begin(), copy.end(), mem.begin() + static_cast<ptrdiff_t>(dst));
    }
    return mem;
}

// Cases from execution-spec-tests tests/cancun/eip5656_mcopy/test_mcopy.py
struct Case
{
    uint64_t dst, src, len;
};
constexpr Case kCases[] = {
    {0x00, 0x00, 0x00},   {0x00, 0x00, 0x01},   {0x00, 0x00, 0x20},   {0x01, 0x00, 0x01},
    {0x01, 0x00, 0x20},   {0x11, 0x11, 0x01},   {0x11, 0x11, 0x20},   {0x11, 0x11, 0x40},
    {0x10, 0x00, 0x40},   {0x00, 0x10, 0x40},   {0x0F, 0x10, 0x40},   {0x100, 0x01, 0x01},
    {0x100, 0x01, 0x20},  {0x100, 0x01, 0x1F},  {0x100, 0x01, 0x21},  {0x00, 0x00, 0x100},
    {0x100, 0x00, 0x100}, {0x200, 0x00, 0x100}, {0x00, 0x100, 0x100}, {0x100, 0x100, 0x01},
};

TEST_F(Mcopy, MatchesMemmoveModel)
{
    for (const auto& c : kCases)
    {
        const auto r = exec(mcopy_program(c.dst, c.src, c.len));
        ASSERT_EQ(r.status, Status::Success) << c.dst << " " << c.src << " " << c.len;
        EXPECT_EQ(r.output, model(c.dst, c.src, c.len)) << c.dst << " " << c.src << " " << c.len;
    }
}

TEST_F(Mcopy, ZeroLengthIgnoresOffsets)
{
    const auto r = exec(mcopy_program(U256::max(), U256::max(), 0));
    EXPECT_EQ(r.status, Status::Success);
    EXPECT_EQ(r.output.size(), 256u);
    EXPECT_EQ(gas_used(Code{}.push(0).push(U256::max()).push(U256::max()).op(Op::MCOPY)),
              3 + 3 + 3 + 3);
}

TEST_F(Mcopy, Gas)
{
    // 3 pushes + 3 + 3 per word + expansion.
    EXPECT_EQ(gas_used(Code{}.push(32).push(0).push(0).op(Op::MCOPY)), 9 + 3 + 3 + 3);
    EXPECT_EQ(gas_used(Code{}.push(33).push(0).push(0).op(Op::MCOPY)), 9 + 3 + 6 + 6);
    // Expansion driven by the source as well as the destination.
    EXPECT_EQ(gas_used(Code{}.push(1).push(64).push(0).op(Op::MCOPY)), 9 + 3 + 3 + 9);
    EXPECT_EQ(gas_used(Code{}.push(1).push(0).push(64).op(Op::MCOPY)), 9 + 3 + 3 + 9);
    EXPECT_EQ(kOpcodeTraits[static_cast<uint8_t>(Op::MCOPY)].base_gas, 3);
}

TEST_F(Mcopy, OutOfGasAndUnderflow)
{
    EXPECT_EQ(exec(Code{}.push(U256{1} << 33).push(0).push(0).op(Op::MCOPY)).status,
              Status::OutOfGas);
    EXPECT_EQ(exec(Code{}.push(1).push(U256{1} << 40).push(0).op(Op::MCOPY)).status,
              Status::OutOfGas);
    EXPECT_EQ(exec(Code{}.push(1).push(0).op(Op::MCOPY)).status, Status::StackUnderflow);
}

}  // namespace
}  // namespace tern::evm::test
