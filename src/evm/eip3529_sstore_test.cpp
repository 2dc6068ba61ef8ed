// SSTORE gas and refunds in Cancun: EIP-2200 structure, EIP-2929 cold surcharge, EIP-3529
// refunds. The vectors are the table of EIP-3529 (slot already warm).

#include "evm/test_host.hpp"

#include <gtest/gtest.h>

namespace tern::evm::test {
namespace {

using Sstore = EvmTest;

struct Vector
{
    const char* code;
    int64_t used;
    int64_t refund;
    uint64_t original;
};

// https://eips.ethereum.org/EIPS/eip-3529#test-cases
constexpr Vector kEip3529Vectors[] = {
    {"0x60006000556000600055", 212, 0, 0},
    {"0x60006000556001600055", 20112, 0, 0},
    {"0x60016000556000600055", 20112, 19900, 0},
    {"0x60016000556002600055", 20112, 0, 0},
    {"0x60016000556001600055", 20112, 0, 0},
    {"0x60006000556000600055", 3012, 4800, 1},
    {"0x60006000556001600055", 3012, 2800, 1},
    {"0x60006000556002600055", 3012, 0, 1},
    {"0x60026000556000600055", 3012, 4800, 1},
    {"0x60026000556003600055", 3012, 0, 1},
    {"0x60026000556001600055", 3012, 2800, 1},
    {"0x60026000556002600055", 3012, 0, 1},
    {"0x60016000556000600055", 3012, 4800, 1},
    {"0x60016000556002600055", 3012, 0, 1},
    {"0x60016000556001600055", 212, 0, 1},
    {"0x600160005560006000556001600055", 40118, 19900, 0},
    {"0x600060005560016000556000600055", 5918, 7600, 1},
};

TEST_F(Sstore, Eip3529Vectors)
{
    for (const auto& v : kEip3529Vectors)
    {
        host.accounts[kContract].storage.clear();
        if (v.original != 0)
            host.accounts[kContract].storage[U256{0}] = {U256{v.original}, U256{v.original}};
        host.warm_slots = {{kContract, U256{0}}};
        const auto r = exec(Code{v.code}, 100'000);
        EXPECT_EQ(r.status, Status::Success) << v.code;
        EXPECT_EQ(100'000 - r.gas_left, v.used) << v.code << " original " << v.original;
        EXPECT_EQ(r.gas_refund, v.refund) << v.code << " original " << v.original;
    }
}

TEST_F(Sstore, ColdSlotAddsColdSloadCost)
{
    // 0 -> 1 on a cold slot: 20000 + 2100.
    EXPECT_EQ(gas_used(Code{}.sstore(0, 1)), 6 + 20000 + 2100);
    // Second store to the same slot is warm: 0 -> 1 -> 2 costs 100.
    host.warm_slots.clear();
    host.accounts[kContract].storage.clear();
    EXPECT_EQ(gas_used(Code{}.sstore(0, 1).sstore(0, 2)), 12 + 20000 + 2100 + 100);
    // No-op store on a cold slot: 100 + 2100.
    host.warm_slots.clear();
    host.accounts[kContract].storage.clear();
    EXPECT_EQ(gas_used(Code{}.sstore(7, 0)), 6 + 100 + 2100);
}

TEST_F(Sstore, SentryRequiresMoreThan2300)
{
    host.warm_slots = {{kContract, U256{0}}};
    // At the SSTORE, gas left = 2300: out of gas even though the store would cost 100.
    auto r = exec(Code{}.sstore(0, 0), 6 + 2300);
    EXPECT_EQ(r.status, Status::OutOfGas);
    EXPECT_EQ(r.gas_left, 0);
    // 2301: passes the sentry and pays 100.
    r = exec(Code{}.sstore(0, 0), 6 + 2301);
    EXPECT_EQ(r.status, Status::Success);
    EXPECT_EQ(r.gas_left, 2201);
}

TEST_F(Sstore, OutOfGasAfterPricing)
{
    host.warm_slots = {{kContract, U256{0}}};
    auto r = exec(Code{}.sstore(0, 1), 6 + 19999);
    EXPECT_EQ(r.status, Status::OutOfGas);
    host.accounts[kContract].storage.clear();
    r = exec(Code{}.sstore(0, 1), 6 + 20000);
    EXPECT_EQ(r.status, Status::Success);
    EXPECT_EQ(r.gas_left, 0);
}

TEST_F(Sstore, RefundMayGoNegativeWithinFrame)
{
    // original 1, current 0 (deleted earlier in the tx, refund counted in an earlier frame):
    // storing 2 is DeletedAdded: -4800 in this frame.
    host.accounts[kContract].storage[U256{0}] = {U256{1}, U256{0}};
    host.warm_slots = {{kContract, U256{0}}};
    const auto r = exec(Code{}.sstore(0, 2));
    EXPECT_EQ(r.status, Status::Success);
    EXPECT_EQ(r.gas_refund, -4800);
}

TEST_F(Sstore, ClassifyMatchesEip2200)
{
    using S = StorageStatus;
    EXPECT_EQ(classify_sstore(0, 0, 0), S::Assigned);
    EXPECT_EQ(classify_sstore(0, 0, 1), S::Added);
    EXPECT_EQ(classify_sstore(1, 1, 0), S::Deleted);
    EXPECT_EQ(classify_sstore(1, 1, 2), S::Modified);
    EXPECT_EQ(classify_sstore(1, 0, 2), S::DeletedAdded);
    EXPECT_EQ(classify_sstore(1, 2, 0), S::ModifiedDeleted);
    EXPECT_EQ(classify_sstore(1, 0, 1), S::DeletedRestored);
    EXPECT_EQ(classify_sstore(0, 1, 0), S::AddedDeleted);
    EXPECT_EQ(classify_sstore(1, 2, 1), S::ModifiedRestored);
    EXPECT_EQ(classify_sstore(1, 2, 3), S::Assigned);
    EXPECT_EQ(classify_sstore(0, 1, 2), S::Assigned);
    EXPECT_EQ(classify_sstore(1, 2, 2), S::Assigned);
}

TEST_F(Sstore, SloadColdAndWarm)
{
    host.accounts[kContract].storage[U256{5}] = {U256{9}, U256{9}};
    EXPECT_EQ(gas_used(Code{}.push(5).op(Op::SLOAD).push(5).op(Op::SLOAD)), 3 + 2100 + 3 + 100);
    host.warm_slots.clear();
    EXPECT_EQ(result_word(Code{}.push(5).op(Op::SLOAD).ret_top()), U256{9});
    // Out of gas exactly at the cold surcharge.
    host.warm_slots.clear();
    EXPECT_EQ(exec(Code{}.push(5).op(Op::SLOAD), 3 + 2099).status, Status::OutOfGas);
}

}  // namespace
}  // namespace tern::evm::test
