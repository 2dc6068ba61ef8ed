// The fork axis of the Ethereum precompiles: which addresses each fork reserves.

#include "precompiles/precompiles.hpp"

#include "core/hex.hpp"
#include "core/protocol.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace tern {
namespace {

using evm::Fork;

std::vector<uint64_t> range(uint64_t first, uint64_t last)
{
    std::vector<uint64_t> out;
    for (uint64_t a = first; a <= last; ++a)
        out.push_back(a);
    return out;
}

std::vector<Address> addresses(const std::vector<uint64_t>& lows)
{
    std::vector<Address> out;
    for (uint64_t a : lows)
        out.push_back(address_from_u64(a));
    return out;
}

TEST(ForkPrecompiles, CancunIsOneToTen)
{
    for (uint64_t a = 1; a <= 0x0a; ++a)
        EXPECT_TRUE(precompiles::is_precompile(Fork::Cancun, address_from_u64(a))) << a;
    EXPECT_FALSE(precompiles::is_precompile(Fork::Cancun, address_from_u64(0)));
    EXPECT_FALSE(precompiles::is_precompile(Fork::Cancun, address_from_u64(0x0b)));
    EXPECT_FALSE(precompiles::is_precompile(Fork::Cancun, address_from_u64(0x11)));
    EXPECT_FALSE(precompiles::is_precompile(Fork::Cancun, address_from_u64(0x100)));
    const auto listed = precompiles::precompile_addresses(Fork::Cancun);
    EXPECT_TRUE(std::ranges::equal(listed, addresses(range(1, 0x0a))));
    EXPECT_TRUE(std::ranges::equal(listed, protocol::kPrecompileAddresses));
}

TEST(ForkPrecompiles, DefaultIsCancun)
{
    EXPECT_EQ(evm::kDefaultFork, Fork::Cancun);
    for (uint64_t a : {0x00, 0x01, 0x0a, 0x0b, 0x11, 0x12, 0xff, 0x100, 0x101})
        EXPECT_EQ(precompiles::is_precompile(address_from_u64(a)),
                  precompiles::is_precompile(Fork::Cancun, address_from_u64(a)))
            << a;
}

TEST(ForkPrecompiles, EIP2537ReservedInPrague)
{
    // G1ADD, G1MSM, G2ADD, G2MSM, PAIRING_CHECK, MAP_FP_TO_G1, MAP_FP2_TO_G2.
    for (uint64_t a = 0x0b; a <= 0x11; ++a)
    {
        EXPECT_FALSE(precompiles::is_precompile(Fork::Cancun, address_from_u64(a))) << a;
        EXPECT_TRUE(precompiles::is_precompile(Fork::Prague, address_from_u64(a))) << a;
        EXPECT_TRUE(precompiles::is_precompile(Fork::Osaka, address_from_u64(a))) << a;
    }
    EXPECT_EQ(precompiles::precompile_name(address_from_u64(0x0b)), "BLS12_G1ADD");
    EXPECT_EQ(precompiles::precompile_name(address_from_u64(0x0f)), "BLS12_PAIRING_CHECK");
    EXPECT_EQ(precompiles::precompile_name(address_from_u64(0x11)), "BLS12_MAP_FP2_TO_G2");
    EXPECT_FALSE(precompiles::is_precompile(Fork::Prague, address_from_u64(0x12)));
    EXPECT_FALSE(precompiles::is_precompile(Fork::Prague, address_from_u64(0x100)));
    EXPECT_TRUE(std::ranges::equal(precompiles::precompile_addresses(Fork::Prague),
                                   addresses(range(1, 0x11))));
}

TEST(ForkPrecompiles, EIP7951ReservedInOsaka)
{
    const Address p256 = address_from_u64(0x100);
    EXPECT_FALSE(precompiles::is_precompile(Fork::Cancun, p256));
    EXPECT_FALSE(precompiles::is_precompile(Fork::Prague, p256));
    EXPECT_TRUE(precompiles::is_precompile(Fork::Osaka, p256));
    EXPECT_EQ(precompiles::precompile_name(p256), "P256VERIFY");
    for (uint64_t a : {0x12, 0xff, 0x101, 0x200, 0x1100})
        EXPECT_FALSE(precompiles::is_precompile(Fork::Osaka, address_from_u64(a))) << a;
    auto want = range(1, 0x11);
    want.push_back(0x100);
    EXPECT_TRUE(
        std::ranges::equal(precompiles::precompile_addresses(Fork::Osaka), addresses(want)));
}

TEST(ForkPrecompiles, ReservedByEthereumIsEveryForkUpToOsaka)
{
    for (uint64_t a = 0; a <= 0x1000; ++a)
        EXPECT_EQ(precompiles::reserved_by_ethereum(address_from_u64(a)),
                  precompiles::is_precompile(Fork::Osaka, address_from_u64(a)))
            << a;
    // SKALE's file-storage addresses 0x0a..0x11 collide with Cancun's 0x0a and Prague's.
    for (uint64_t a = 0x0a; a <= 0x11; ++a)
        EXPECT_TRUE(precompiles::reserved_by_ethereum(address_from_u64(a))) << a;
    // Tern's ML precompiles (0x...0a01, 0x...0a02) stay clear of them.
    EXPECT_FALSE(precompiles::reserved_by_ethereum(address_from_u64(0x0a01)));
    EXPECT_FALSE(precompiles::reserved_by_ethereum(address_from_u64(0x0a02)));
    // Only the low bytes count when the rest is zero.
    Address high = address_from_u64(0x100);
    high.bytes[0] = 1;
    EXPECT_FALSE(precompiles::reserved_by_ethereum(high));
    high = address_from_u64(0x01);
    high.bytes[17] = 1;
    EXPECT_FALSE(precompiles::reserved_by_ethereum(high));
}

TEST(ForkPrecompiles, LaterForksOnlyAdd)
{
    for (Fork older : {Fork::Cancun, Fork::Prague})
    {
        const Fork newer = static_cast<Fork>(static_cast<int>(older) + 1);
        const auto a = precompiles::precompile_addresses(older);
        const auto b = precompiles::precompile_addresses(newer);
        ASSERT_LT(a.size(), b.size()) << evm::fork_name(newer);
        EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin())) << evm::fork_name(newer);
    }
}

TEST(ForkPrecompiles, ReservedAddressesAreNotExecuted)
{
    // Tern runs Cancun: calling a Prague or Osaka precompile through `execute` is a caller bug,
    // as for any other non-precompile address (the host only calls it after is_precompile).
    for (uint64_t a : {0x0b, 0x11, 0x100})
    {
        const auto r = precompiles::execute(address_from_u64(a), {}, 1'000'000);
        EXPECT_EQ(r.status, evm::Status::InternalError) << a;
    }
    const auto ok = precompiles::execute(address_from_u64(0x04), {}, 1'000);
    EXPECT_EQ(ok.status, evm::Status::Success);
}

TEST(ForkPrecompiles, CancunOnesAreImplemented)
{
    // Every address Cancun lists runs (whatever its answer to an empty input), none is a stub.
    for (const Address& a : precompiles::precompile_addresses(Fork::Cancun))
    {
        const auto r = precompiles::execute(a, {}, 1'000'000);
        EXPECT_NE(r.status, evm::Status::InternalError) << to_hex(a.view());
    }
}

TEST(ForkPrecompiles, ForkNames)
{
    EXPECT_EQ(evm::fork_name(Fork::Cancun), "Cancun");
    EXPECT_EQ(evm::fork_name(Fork::Prague), "Prague");
    EXPECT_EQ(evm::fork_name(Fork::Osaka), "Osaka");
    EXPECT_EQ(evm::kNumForks, 3);
    EXPECT_EQ(evm::kLatestFork, Fork::Osaka);
}

}  // namespace
}  // namespace tern
