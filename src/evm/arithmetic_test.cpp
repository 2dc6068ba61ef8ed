// Differential tests of the interpreter's in-place arithmetic (fast paths written for speed)
// against the reference operators of core/uint256.hpp, on edge values and random words of
// every limb width and sign.

#include "evm/instructions.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace tern::evm::instr {
namespace {

/// Runs a binary instruction on (a on top, b below) and returns the result.
template <typename F>
U256 run_binary(F op, const U256& a, const U256& b)
{
    U256 slots[3];
    slots[1] = b;
    slots[2] = a;
    op(StackTop{&slots[2]});
    return slots[1];
}

/// Interesting values: small, boundaries of limbs and of the signed range.
std::vector<U256> edge_values()
{
    const U256 one = 1;
    std::vector<U256> v = {0,
                           1,
                           2,
                           3,
                           7,
                           10,
                           255,
                           256,
                           0x7fffffffffffffffULL,
                           0x8000000000000000ULL,
                           0xffffffffffffffffULL,
                           one << 64,
                           (one << 64) + 1,
                           (one << 127),
                           (one << 128) - 1,
                           one << 192,
                           (one << 255) - 1,
                           one << 255,
                           U256::max(),
                           U256::max() - 1};
    const size_t n = v.size();
    for (size_t i = 0; i < n; ++i)
        v.push_back(-v[i]);  // negative counterparts
    return v;
}

/// Random word with a random number of significant limbs, sometimes negated.
U256 random_word(std::mt19937_64& rng)
{
    U256 x;
    const int limbs = static_cast<int>(rng() % 5);  // 0..4
    for (int i = 0; i < limbs; ++i)
        x.w[i] = rng();
    if (limbs > 0 && rng() % 3 == 0)
        x.w[limbs - 1] >>= rng() % 64;  // vary the top limb's width
    if (rng() % 4 == 0)
        x = -x;
    return x;
}

void check_pair(const U256& a, const U256& b)
{
    SCOPED_TRACE(a.to_hex() + " " + b.to_hex());
    EXPECT_EQ(run_binary(op_add, a, b), a + b);
    EXPECT_EQ(run_binary(op_sub, a, b), a - b);
    EXPECT_EQ(run_binary(op_mul, a, b), a * b);
    EXPECT_EQ(run_binary(op_div, a, b), a / b);
    EXPECT_EQ(run_binary(op_mod, a, b), a % b);
    EXPECT_EQ(run_binary(op_sdiv, a, b), sdiv(a, b));
    EXPECT_EQ(run_binary(op_smod, a, b), smod(a, b));
    EXPECT_EQ(run_binary(op_lt, a, b), U256{a < b});
    EXPECT_EQ(run_binary(op_gt, a, b), U256{a > b});
    EXPECT_EQ(run_binary(op_eq, a, b), U256{a == b});
    EXPECT_EQ(run_binary(op_and, a, b), a & b);
    EXPECT_EQ(run_binary(op_or, a, b), a | b);
    EXPECT_EQ(run_binary(op_xor, a, b), a ^ b);
    // Shifts: a is the shift amount.
    EXPECT_EQ(run_binary(op_shl, a, b), b << a);
    EXPECT_EQ(run_binary(op_shr, a, b), b >> a);
    EXPECT_EQ(run_binary(op_sar, a, b), sar(a, b));
}

TEST(Arithmetic, EdgeValues)
{
    const auto v = edge_values();
    for (const auto& a : v)
        for (const auto& b : v)
            check_pair(a, b);
}

TEST(Arithmetic, RandomWords)
{
    std::mt19937_64 rng{20240601};
    for (int i = 0; i < 20000; ++i)
        check_pair(random_word(rng), random_word(rng));
}

TEST(Arithmetic, ShiftAmounts)
{
    std::mt19937_64 rng{7};
    for (unsigned s = 0; s <= 260; ++s)
    {
        const U256 x = random_word(rng);
        check_pair(U256{s}, x);
        check_pair(U256{s}, -x);
    }
}

TEST(Arithmetic, SdivSpecialCases)
{
    const U256 int_min = U256{1} << 255;
    EXPECT_EQ(run_binary(op_sdiv, int_min, U256::max()), int_min);  // INT_MIN / -1
    const U256 i64_min = -U256{0x8000000000000000ULL};
    EXPECT_EQ(run_binary(op_sdiv, i64_min, U256::max()), U256{0x8000000000000000ULL});
    EXPECT_EQ(run_binary(op_sdiv, -U256{7}, U256{2}), -U256{3});
    EXPECT_EQ(run_binary(op_smod, -U256{7}, U256{2}), -U256{1});
    EXPECT_EQ(run_binary(op_smod, U256{7}, -U256{2}), U256{1});
    EXPECT_EQ(run_binary(op_sdiv, U256{5}, U256{0}), U256{0});
    EXPECT_EQ(run_binary(op_smod, -U256{5}, U256{0}), U256{0});
}

TEST(Arithmetic, UnaryOps)
{
    for (const auto& x : edge_values())
    {
        U256 slots[2];
        slots[1] = x;
        op_not(StackTop{&slots[1]});
        EXPECT_EQ(slots[1], ~x);
        slots[1] = x;
        op_iszero(StackTop{&slots[1]});
        EXPECT_EQ(slots[1], U256{!x});
    }
}

}  // namespace
}  // namespace tern::evm::instr
