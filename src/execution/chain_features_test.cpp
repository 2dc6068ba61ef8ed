#include "execution/chain_features.hpp"

#include "core/protocol.hpp"
#include "execution/stateful_precompiles.hpp"
#include "precompiles/precompiles.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

using namespace tern;
using namespace tern::execution;

namespace {

/// A feature's precompiles that answer nothing: the registry only needs the pointer.
class FakePrecompiles final : public StatefulPrecompiles
{
public:
    evm::ExecResult execute(const evm::Message&,
                            state::State&,
                            evm::Host&,
                            const Deadline*) override
    {
        return {};
    }
};

ChainFeature feature(std::string name, std::vector<Address> addresses, bool warm = false)
{
    ChainFeature f;
    f.name = std::move(name);
    f.addresses = std::move(addresses);
    f.precompiles = std::make_shared<FakePrecompiles>();
    f.warm_at_start = warm;
    return f;
}

void expect_refused(ChainFeatures& r, ChainFeature f, FeatureErrorKind kind, uint64_t at)
{
    const auto err = r.add(std::move(f));
    ASSERT_TRUE(err.has_value());
    EXPECT_EQ(err->kind, kind);
    EXPECT_EQ(err->address, address_from_u64(at));
    EXPECT_FALSE(err->message().empty());
}

}  // namespace

TEST(Registry, AcceptsFeatureOutsideEthereumsRange)
{
    ChainFeatures r;
    auto f = feature("ml", {address_from_u64(0x0a02), address_from_u64(0x0a01)});
    auto* p = f.precompiles.get();
    EXPECT_FALSE(r.add(std::move(f)).has_value());
    EXPECT_EQ(r.find(address_from_u64(0x0a01)), p);
    EXPECT_EQ(r.find(address_from_u64(0x0a02)), p);
    EXPECT_EQ(r.find(address_from_u64(0x0a03)), nullptr);
    EXPECT_EQ(r.find(address_from_u64(0x01)), nullptr);
    EXPECT_EQ(r.find(address_from_u64(0x0a00)), nullptr);
    ASSERT_EQ(r.features().size(), 1u);
    EXPECT_EQ(r.features()[0].name, "ml");
}

TEST(Registry, RefusesCancunPrecompile0x0a)
{
    // SKALE's file storage starts at 0x0a: Cancun's KZG point evaluation (EIP-4844).
    ChainFeatures r;
    expect_refused(r, feature("filestorage", {address_from_u64(0x0a)}),
                   FeatureErrorKind::ReservedByEthereum, 0x0a);
    EXPECT_TRUE(r.empty());
}

TEST(Registry, RefusesPrague0x0b)
{
    // EIP-2537 BLS12-381 precompiles 0x0b..0x11, the rest of SKALE's file-storage range.
    for (uint64_t a = 0x0b; a <= 0x11; ++a)
    {
        ChainFeatures r;
        expect_refused(r, feature("filestorage", {address_from_u64(0x0a01), address_from_u64(a)}),
                       FeatureErrorKind::ReservedByEthereum, a);
        EXPECT_TRUE(r.empty());
        EXPECT_EQ(r.find(address_from_u64(0x0a01)), nullptr);
    }
}

TEST(Registry, RefusesOsakaP256At0x100)
{
    // EIP-7951 P256VERIFY.
    ChainFeatures r;
    expect_refused(r, feature("p256", {address_from_u64(0x100)}),
                   FeatureErrorKind::ReservedByEthereum, 0x100);
}

TEST(Registry, RefusesEveryFrontierToCancunPrecompile)
{
    for (const auto& a : protocol::kPrecompileAddresses)
    {
        ChainFeatures r;
        const auto err = r.add(feature("x", {a}));
        ASSERT_TRUE(err.has_value());
        EXPECT_EQ(err->kind, FeatureErrorKind::ReservedByEthereum);
    }
}

TEST(Registry, RefusesTwoFeaturesOnOneAddress)
{
    ChainFeatures r;
    ASSERT_FALSE(r.add(feature("ml", {address_from_u64(0x0a01), address_from_u64(0x0a02)})));
    const auto err = r.add(feature("other", {address_from_u64(0x0b01), address_from_u64(0x0a02)}));
    ASSERT_TRUE(err.has_value());
    EXPECT_EQ(err->kind, FeatureErrorKind::AddressTaken);
    EXPECT_EQ(err->address, address_from_u64(0x0a02));
    EXPECT_EQ(err->feature, "other");
    EXPECT_EQ(err->other_feature, "ml");
    // Nothing of the refused feature was added.
    EXPECT_EQ(r.features().size(), 1u);
    EXPECT_EQ(r.find(address_from_u64(0x0b01)), nullptr);
}

TEST(Registry, RefusesOneAddressTwiceInOneFeature)
{
    ChainFeatures r;
    expect_refused(r, feature("ml", {address_from_u64(0x0a01), address_from_u64(0x0a01)}),
                   FeatureErrorKind::AddressTaken, 0x0a01);
}

TEST(Registry, RefusesAddressesWithoutPrecompiles)
{
    ChainFeatures r;
    auto f = feature("ml", {address_from_u64(0x0a01)});
    f.precompiles = nullptr;
    expect_refused(r, std::move(f), FeatureErrorKind::NoPrecompiles, 0x0a01);
}

TEST(Registry, PredeploysAreKeptAndChecked)
{
    // A fake feature with a predeploy and no precompiles (ML has none today).
    ChainFeatures r;
    ChainFeature f;
    f.name = "system";
    f.predeploys.push_back(
        {address_from_u64(0xfe00), Bytes{0x60, 0x00}, {{U256{1}, U256{2}}}, U256{7}});
    ASSERT_FALSE(r.add(std::move(f)));
    ASSERT_EQ(r.features().size(), 1u);
    ASSERT_EQ(r.features()[0].predeploys.size(), 1u);
    EXPECT_EQ(r.features()[0].predeploys[0].address, address_from_u64(0xfe00));
    EXPECT_EQ(r.features()[0].predeploys[0].balance, U256{7});
    EXPECT_EQ(r.find(address_from_u64(0xfe00)), nullptr);

    // Another feature may not serve or predeploy there, and no predeploy may sit on an
    // Ethereum precompile.
    expect_refused(r, feature("clash", {address_from_u64(0xfe00)}), FeatureErrorKind::AddressTaken,
                   0xfe00);
    ChainFeature g;
    g.name = "clash2";
    g.predeploys.push_back({address_from_u64(0x0b), {}, {}, {}});
    expect_refused(r, std::move(g), FeatureErrorKind::ReservedByEthereum, 0x0b);
}

TEST(Registry, AcceptsAPredeployAtItsOwnPrecompileAddress)
{
    // FileStorage serves 0xD300...d3 and predeploys an account there (code for eth_getCode,
    // its genesis storage); a second predeploy there, or another feature's, is still refused.
    ChainFeatures r;
    auto f = feature("filestorage", {address_from_u64(0xd3)});
    f.predeploys.push_back({address_from_u64(0xd3), Bytes{0xfe}, {}, {}});
    auto* p = f.precompiles.get();
    ASSERT_FALSE(r.add(std::move(f)));
    EXPECT_EQ(r.find(address_from_u64(0xd3)), p);

    auto twice = feature("twice", {address_from_u64(0xd4)});
    twice.predeploys.push_back({address_from_u64(0xd5), {}, {}, {}});
    twice.predeploys.push_back({address_from_u64(0xd5), {}, {}, {}});
    expect_refused(r, std::move(twice), FeatureErrorKind::AddressTaken, 0xd5);
    ChainFeature other;
    other.name = "other";
    other.predeploys.push_back({address_from_u64(0xd3), {}, {}, {}});
    expect_refused(r, std::move(other), FeatureErrorKind::AddressTaken, 0xd3);
}

TEST(Registry, WarmSetIsEthereumsPlusWarmFeatures)
{
    ChainFeatures r;
    // No feature: the fork's Ethereum precompiles (Cancun's 0x01..0x0a as today).
    const auto cancun = r.warm_set(evm::Fork::Cancun);
    EXPECT_TRUE(std::equal(cancun.begin(), cancun.end(), protocol::kPrecompileAddresses.begin(),
                           protocol::kPrecompileAddresses.end()));
    EXPECT_EQ(warm_precompiles(nullptr, evm::Fork::Cancun).size(), cancun.size());

    // ML's addresses are not warm: the set stays Ethereum's.
    ASSERT_FALSE(r.add(feature("ml", {address_from_u64(0x0a01), address_from_u64(0x0a02)})));
    const auto with_ml = warm_precompiles(&r, evm::Fork::Cancun);
    EXPECT_TRUE(std::equal(with_ml.begin(), with_ml.end(), protocol::kPrecompileAddresses.begin(),
                           protocol::kPrecompileAddresses.end()));

    // A warm feature's addresses follow the fork's precompiles.
    ASSERT_FALSE(r.add(feature("warm", {address_from_u64(0x0c01)}, true)));
    for (auto fork : {evm::Fork::Cancun, evm::Fork::Prague, evm::Fork::Osaka})
    {
        const auto ethereum = precompiles::precompile_addresses(fork);
        const auto warm = r.warm_set(fork);
        ASSERT_EQ(warm.size(), ethereum.size() + 1);
        EXPECT_TRUE(std::equal(ethereum.begin(), ethereum.end(), warm.begin()));
        EXPECT_EQ(warm.back(), address_from_u64(0x0c01));
    }
}

TEST(Registry, LookupIsCheap)
{
    // Not a benchmark gate: prints the cost of find() for the ML chain's two addresses.
    ChainFeatures r;
    ASSERT_FALSE(r.add(feature("ml", {address_from_u64(0x0a01), address_from_u64(0x0a02)})));
    const Address probe[4] = {address_from_u64(0x0a01), address_from_u64(0x0a02),
                              address_from_u64(0x04), Address{}};
    constexpr int kRounds = 1'000'000;
    size_t hits = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kRounds; ++i)
        hits += r.find(probe[i & 3]) != nullptr;
    const auto ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0);
    EXPECT_EQ(hits, static_cast<size_t>(kRounds / 2));
    std::printf("ChainFeatures::find: %.2f ns per lookup\n", ns.count() / kRounds);
}
