#include "crypto/secp256k1.hpp"

#include "core/hex.hpp"
#include "core/keccak.hpp"

#include <gtest/gtest.h>

using namespace tern;
using namespace tern::crypto;

namespace {
Hash256 h(std::string_view s)
{
    return *fixed_from_hex<Hash256>(s);
}
Address a(std::string_view s)
{
    return *fixed_from_hex<Address>(s);
}
// secp256k1 group order n.
constexpr std::string_view kN = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
}  // namespace

TEST(Secp256k1, AddressFromSecretKnownVectors)
{
    EXPECT_EQ(address_from_secret(h("01")), a("7e5f4552091a69125d5dfcb7b8c2659029395bdf"));
    EXPECT_EQ(
        address_from_secret(h("45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8")),
        a("a94f5374fce5edbc8e2a8697c15331677e6ebf0b"));
}

TEST(Secp256k1, AddressFromSecretRejectsInvalidKeys)
{
    EXPECT_FALSE(address_from_secret(Hash256{}).has_value());
    EXPECT_FALSE(address_from_secret(h(kN)).has_value());
}

TEST(Secp256k1, RecoverKnownEcrecoverVector)
{
    // The classic ECRECOVER precompile vector (v = 28 -> recid 1).
    const auto hash = h("456e9aea5e197a1f1af7a3e85a3212fa4049a3ba34c2289b4c860fc0b0c64ef3");
    const auto r = h("9242685bf161793cc25603c231bc2f568eb630ea16aa137d2664ac8038825608");
    const auto s = h("4f8ae3bd7535248d0bd448298cc2e2071e56992d0774dc340c368ae950852ada");
    EXPECT_EQ(recover_address(hash, r, s, 1), a("7156526fbd7a3c72969b54f64e42c10fbb768c8a"));
    const auto other = recover_address(hash, r, s, 0);
    EXPECT_TRUE(!other || *other != a("7156526fbd7a3c72969b54f64e42c10fbb768c8a"));
}

TEST(Secp256k1, RecoverRejectsBadSignatures)
{
    const auto hash = h("456e9aea5e197a1f1af7a3e85a3212fa4049a3ba34c2289b4c860fc0b0c64ef3");
    const auto r = h("9242685bf161793cc25603c231bc2f568eb630ea16aa137d2664ac8038825608");
    const auto s = h("4f8ae3bd7535248d0bd448298cc2e2071e56992d0774dc340c368ae950852ada");
    EXPECT_FALSE(recover_address(hash, Hash256{}, s, 1).has_value());
    EXPECT_FALSE(recover_address(hash, r, Hash256{}, 1).has_value());
    EXPECT_FALSE(recover_address(hash, h(kN), s, 1).has_value());
    EXPECT_FALSE(recover_address(hash, r, h(kN), 1).has_value());
    EXPECT_FALSE(recover_address(hash, r, s, 2).has_value());
    EXPECT_FALSE(recover_address(hash, r, s, 27).has_value());
}

TEST(Secp256k1, SignThenRecoverRoundTrip)
{
    const auto key = h("45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8");
    const auto hash = keccak256(as_bytes("tern"));
    const auto sig = sign(hash, key);
    ASSERT_TRUE(sig.has_value());
    EXPECT_LE(sig->recovery_id, 1);
    // low-s: s <= n/2, i.e. the top bit of s is clear is a necessary condition.
    EXPECT_LT(sig->s.bytes[0], 0x80);
    EXPECT_EQ(recover_address(hash, sig->r, sig->s, sig->recovery_id), address_from_secret(key));
    // deterministic (RFC6979)
    const auto sig2 = sign(hash, key);
    ASSERT_TRUE(sig2.has_value());
    EXPECT_EQ(sig->r, sig2->r);
    EXPECT_EQ(sig->s, sig2->s);
    EXPECT_FALSE(sign(hash, Hash256{}).has_value());
}

TEST(Secp256k1, HighSIsAcceptedByRecover)
{
    // recover_address does not enforce low-s: flipping s to n - s with the other recovery id
    // yields the same signer.
    const auto key = h("01");
    const auto hash = keccak256(as_bytes("high s"));
    const auto sig = sign(hash, key);
    ASSERT_TRUE(sig.has_value());
    // compute n - s bytewise (big-endian subtraction)
    const auto n = h(kN);
    Hash256 hs;
    int borrow = 0;
    for (int i = 31; i >= 0; --i)
    {
        const auto idx = static_cast<size_t>(i);
        int d = int{n.bytes[idx]} - int{sig->s.bytes[idx]} - borrow;
        borrow = d < 0 ? 1 : 0;
        hs.bytes[idx] = static_cast<uint8_t>(d + (borrow ? 256 : 0));
    }
    EXPECT_EQ(recover_address(hash, sig->r, hs, static_cast<uint8_t>(sig->recovery_id ^ 1)),
              address_from_secret(key));
}
