#include "crypto/bn254.hpp"
#include "crypto/bn254_detail.hpp"

#include "core/hex.hpp"

#include <gtest/gtest.h>

#include <random>

using namespace tern;
using namespace tern::crypto::bn254;
using namespace tern::crypto::bn254::detail;

namespace {

Bytes hx(std::string_view s)
{
    auto b = from_hex(s);
    EXPECT_TRUE(b.has_value()) << s;
    return b.value_or(Bytes{});
}

std::string hex64(const std::optional<std::array<uint8_t, 64>>& v)
{
    if (!v)
        return "none";
    return to_hex(BytesView{v->data(), 64}, false);
}

struct Rng
{
    std::mt19937_64 gen{12345};
    Fp fp()
    {
        Fp::Limbs l{};
        for (auto& x : l)
            x = gen();
        l[3] &= 0x0fffffffffffffffULL;  // < p
        return Fp::from_limbs(l);
    }
    Fp2 fp2() { return {fp(), fp()}; }
    Fp6 fp6() { return {fp2(), fp2(), fp2()}; }
    Fp12 fp12() { return {fp6(), fp6()}; }
    std::array<uint64_t, 4> scalar()
    {
        std::array<uint64_t, 4> k{};
        for (auto& x : k)
            x = gen();
        k[3] &= 0x0fffffffffffffffULL;
        return k;
    }
};

const char* kG1Gen =
    "0000000000000000000000000000000000000000000000000000000000000001"
    "0000000000000000000000000000000000000000000000000000000000000002";
const char* kG2Gen =
    "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2"
    "1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed"
    "090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b"
    "12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa";
const char* kOrderHex = "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001";
const char* kPHex = "30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47";

G2 g2_gen()
{
    const Bytes b = hx(kG2Gen);
    Fp xi, xr, yi, yr;
    EXPECT_TRUE(Fp::from_be_bytes(b.data(), 32, xi));
    EXPECT_TRUE(Fp::from_be_bytes(b.data() + 32, 32, xr));
    EXPECT_TRUE(Fp::from_be_bytes(b.data() + 64, 32, yi));
    EXPECT_TRUE(Fp::from_be_bytes(b.data() + 96, 32, yr));
    return G2::of({xr, xi}, {yr, yi});
}

G1 g1_gen()
{
    return G1::of(Fp::from_u64(1), Fp::from_u64(2));
}

Bytes g1_bytes(const G1& p)
{
    Bytes out(64, 0);
    if (!p.infinity)
    {
        p.x.to_be_bytes(out.data(), 32);
        p.y.to_be_bytes(out.data() + 32, 32);
    }
    return out;
}

Bytes g2_bytes(const G2& q)
{
    Bytes out(128, 0);
    if (!q.infinity)
    {
        q.x.c1.to_be_bytes(out.data(), 32);
        q.x.c0.to_be_bytes(out.data() + 32, 32);
        q.y.c1.to_be_bytes(out.data() + 64, 32);
        q.y.c0.to_be_bytes(out.data() + 96, 32);
    }
    return out;
}

void append(Bytes& a, const Bytes& b)
{
    a.insert(a.end(), b.begin(), b.end());
}

// (p^12 - 1) / r, little-endian limbs (computed offline with Python big integers).
constexpr uint64_t kFinalExp[] = {
    0x86964b64ca86f120ULL, 0x40a4efb7e54523a4ULL, 0x837fa97896e84abbULL, 0x361102b6b9b2b918ULL,
    0xc0de81def35692daULL, 0xbe04c7e8a6c3c760ULL, 0xd766f9c9d570bb7fULL, 0xc230974d83561841ULL,
    0x5bba1668c3be69a3ULL, 0x7f3811c410526294ULL, 0x29baee7ddadda71cULL, 0xbf813b8d145da900ULL,
    0x641bbadf423f9a2cULL, 0xa80bb4ea44eacc5eULL, 0xcd65664814fde37cULL, 0x4a0364b9580291d2ULL,
    0xee93dfb10826f0ddULL, 0x6b42db8dc5514724ULL, 0xbb10cf430b0f3785ULL, 0x40494e406f804216ULL,
    0x55cfe107acf3aafbULL, 0x2088ec80e0ebae87ULL, 0x846a3ed011a337a0ULL, 0x48a45a4a1e3a5195ULL,
    0xe5664568dfc50e16ULL, 0xab6a41294c0cc4ebULL, 0x82d0d602d268c7daULL, 0x6668449aed3cc48aULL,
    0x5062cd0fb2015dfcULL, 0x7f2940a8b1ddb3d1ULL, 0x77f5b63a2a226448ULL, 0xfef0781361e443aeULL,
    0xf977870e88d5c6c8ULL, 0x790364a61f676baaULL, 0x5887e72eceaddea3ULL, 0x1377e563a09a1b70ULL,
    0x0c54efee1bd8c3b2ULL, 0x3ec3d15ad524d8f7ULL, 0xdaf15466b2383a5dULL, 0xe1e30a73bb94fec0ULL,
    0x6a1c71015f3f7be2ULL, 0x842d43bf6369b1ffULL, 0x20fddadf107d20bcULL, 0x0000002f4b6dc970ULL,
};

}  // namespace

TEST(Bn254Field, MontgomeryRoundTripAndSmallArithmetic)
{
    const Fp a = Fp::from_u64(7);
    const Fp b = Fp::from_u64(5);
    EXPECT_EQ((a * b).to_limbs()[0], 35u);
    EXPECT_EQ((a - b).to_limbs()[0], 2u);
    EXPECT_EQ((a + b).to_limbs()[0], 12u);
    // b - a = p - 2
    const auto d = (b - a).to_limbs();
    EXPECT_EQ(d[0], FpParams::modulus[0] - 2);
    EXPECT_EQ(d[3], FpParams::modulus[3]);
    EXPECT_TRUE((a * a.inverse()) == Fp::one());
    EXPECT_TRUE(Fp::zero().inverse().is_zero());
    // p itself is rejected, p - 1 accepted.
    Fp out;
    Bytes p = hx(kPHex);
    EXPECT_FALSE(Fp::from_be_bytes(p.data(), 32, out));
    p[31] -= 1;
    EXPECT_TRUE(Fp::from_be_bytes(p.data(), 32, out));
    EXPECT_TRUE(out == -Fp::one());
    uint8_t back[32];
    out.to_be_bytes(back, 32);
    EXPECT_EQ(Bytes(back, back + 32), p);
}

TEST(Bn254Field, RandomFieldIdentities)
{
    Rng rng;
    for (int i = 0; i < 20; ++i)
    {
        const Fp a = rng.fp(), b = rng.fp(), c = rng.fp();
        EXPECT_TRUE(a * (b + c) == a * b + a * c);
        EXPECT_TRUE((a * b) * c == a * (b * c));
        EXPECT_TRUE(a * a.inverse() == Fp::one());
        EXPECT_TRUE(a.square() == a * a);
        Fp r;
        ASSERT_TRUE(a.square().sqrt(r));
        EXPECT_TRUE(r == a || r == -a);

        const Fp2 x = rng.fp2(), y = rng.fp2(), z = rng.fp2();
        EXPECT_TRUE(x * (y + z) == x * y + x * z);
        EXPECT_TRUE(x * x.inverse() == Fp2::one());
        EXPECT_TRUE(x.square() == x * x);
        EXPECT_TRUE(x.mul_by_xi() == (x * Fp2{Fp::from_u64(9), Fp::one()}));
        Fp2 s;
        ASSERT_TRUE(x.square().sqrt(s));
        EXPECT_TRUE(s == x || s == -x);

        const Fp6 u = rng.fp6(), v = rng.fp6(), w = rng.fp6();
        EXPECT_TRUE(u * (v + w) == u * v + u * w);
        EXPECT_TRUE((u * v) * w == u * (v * w));
        EXPECT_TRUE(u * u.inverse() == Fp6::one());
        EXPECT_TRUE(u.square() == u * u);

        const Fp12 f = rng.fp12(), g = rng.fp12(), h = rng.fp12();
        EXPECT_TRUE((f * g) * h == f * (g * h));
        EXPECT_TRUE(f * f.inverse() == Fp12::one());
        EXPECT_TRUE(f.square() == f * f);
    }
}

TEST(Bn254Field, FrobeniusIsPowerP)
{
    Rng rng;
    const Fp12 f = rng.fp12();
    EXPECT_TRUE(frobenius(f) == f.pow(FpParams::modulus));
    const G2 q = g2_gen();
    // pi(Q) = [p]Q for Q in G2 (Q has order r, and pi acts as multiplication by p).
    EXPECT_TRUE(G2J::from_affine(g2_frobenius(q)) == G2J::from_affine(q).mul(FpParams::modulus));
}

TEST(Bn254Field, CyclotomicSquaring)
{
    Rng rng;
    const Fp12 f = rng.fp12();
    // The easy part of the final exponentiation maps into the cyclotomic subgroup.
    Fp12 m = f.conj() * f.inverse();
    m = frobenius(frobenius(m)) * m;
    EXPECT_TRUE(m.cyclotomic_square() == m.square());
    EXPECT_TRUE(m.cyclotomic_pow_u64(kU) == m.pow_u64(kU));
    EXPECT_TRUE(m.cyclotomic_pow_u64(36) == m.pow_u64(36));
    // Outside the subgroup the shortcut does not apply.
    EXPECT_FALSE(f.cyclotomic_square() == f.square());
}

TEST(Bn254Field, FinalExponentiationMatchesNaivePower)
{
    Rng rng;
    const Fp12 f = rng.fp12();
    EXPECT_TRUE(final_exponentiation(f) == f.pow(kFinalExp));
}

TEST(Bn254Curve, GeneratorsAreValid)
{
    EXPECT_TRUE(g1_gen().is_on_curve(g1_b()));
    const G2 q = g2_gen();
    EXPECT_TRUE(q.is_on_curve(twist_b()));
    EXPECT_TRUE(g2_in_subgroup(q));
    EXPECT_TRUE(G1J::from_affine(g1_gen()).mul(kOrder).is_inf());
}

TEST(Bn254Add, GeneratorDoubling)
{
    Bytes in = hx(kG1Gen);
    append(in, hx(kG1Gen));
    EXPECT_EQ(hex64(add(in)),
              "030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd3"
              "15ed738c0e0a7c92e7845f96b2ae9c0a68a6a449e3538fc7ff3ebf7a5a18a2c4");
}

TEST(Bn254Add, InfinityAndInverse)
{
    const Bytes zero(64, 0);
    Bytes in = hx(kG1Gen);
    append(in, zero);
    EXPECT_EQ(hex64(add(in)), std::string(kG1Gen));
    in = zero;
    append(in, hx(kG1Gen));
    EXPECT_EQ(hex64(add(in)), std::string(kG1Gen));
    in = zero;
    append(in, zero);
    EXPECT_EQ(hex64(add(in)), std::string(128, '0'));
    // G + (-G) = infinity
    in = hx(kG1Gen);
    append(in, g1_bytes(g1_gen().neg()));
    EXPECT_EQ(hex64(add(in)), std::string(128, '0'));
}

TEST(Bn254Add, MatchesScalarMul)
{
    Rng rng;
    const auto k1 = rng.scalar();
    const auto k2 = rng.scalar();
    const G1J p1 = G1J::from_affine(g1_gen()).mul(k1);
    const G1J p2 = G1J::from_affine(g1_gen()).mul(k2);
    Bytes in = g1_bytes(p1.to_affine());
    append(in, g1_bytes(p2.to_affine()));
    const auto sum = add(in);
    ASSERT_TRUE(sum);
    EXPECT_EQ(Bytes(sum->begin(), sum->end()), g1_bytes(p1.add(p2).to_affine()));
    // Commutative.
    Bytes in2 = g1_bytes(p2.to_affine());
    append(in2, g1_bytes(p1.to_affine()));
    EXPECT_EQ(hex64(add(in2)), hex64(sum));
}

TEST(Bn254Add, InvalidPoints)
{
    Bytes in =
        hx("0000000000000000000000000000000000000000000000000000000000000001"
           "0000000000000000000000000000000000000000000000000000000000000003");
    append(in, hx(kG1Gen));
    EXPECT_FALSE(add(in));
    // x = p (not reduced), y = 2: (p, 2) would be (0, 2) mod p; rejected as coordinate >= p.
    in = hx(kPHex);
    append(in, hx("0000000000000000000000000000000000000000000000000000000000000002"));
    append(in, hx(kG1Gen));
    EXPECT_FALSE(add(in));
    // (1, 2 + p) is rejected.
    in = hx(kG1Gen);
    Bytes y = hx(kPHex);
    y[31] += 2;
    std::copy(y.begin(), y.end(), in.begin() + 32);
    append(in, hx(kG1Gen));
    EXPECT_FALSE(add(in));
    // Wrong length.
    EXPECT_FALSE(add(hx(kG1Gen)));
}

TEST(Bn254Mul, KnownMultiples)
{
    Bytes in = hx(kG1Gen);
    append(in, hx("0000000000000000000000000000000000000000000000000000000000000002"));
    EXPECT_EQ(hex64(mul(in)),
              "030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd3"
              "15ed738c0e0a7c92e7845f96b2ae9c0a68a6a449e3538fc7ff3ebf7a5a18a2c4");
    in = hx(kG1Gen);
    append(in, hx(kOrderHex));
    EXPECT_EQ(hex64(mul(in)), std::string(128, '0'));
    in = hx(kG1Gen);
    append(in, Bytes(32, 0));
    EXPECT_EQ(hex64(mul(in)), std::string(128, '0'));
    in = hx(kG1Gen);
    append(in, hx("0000000000000000000000000000000000000000000000000000000000000001"));
    EXPECT_EQ(hex64(mul(in)), std::string(kG1Gen));
    // (r + 1) * G = G; scalar is not reduced but the result is the same.
    in = hx(kG1Gen);
    Bytes k = hx(kOrderHex);
    k[31] += 1;
    append(in, k);
    EXPECT_EQ(hex64(mul(in)), std::string(kG1Gen));
    // (r - 1) * G = -G
    in = hx(kG1Gen);
    k = hx(kOrderHex);
    k[31] -= 1;
    append(in, k);
    EXPECT_EQ(hex64(mul(in)), to_hex(BytesView{g1_bytes(g1_gen().neg())}, false));
    // 2^256 - 1 times G
    in = hx(kG1Gen);
    append(in, Bytes(32, 0xff));
    const auto m = mul(in);
    ASSERT_TRUE(m);
    // Infinity times anything is infinity.
    in = Bytes(64, 0);
    append(in, Bytes(32, 0xff));
    EXPECT_EQ(hex64(mul(in)), std::string(128, '0'));
    // Invalid point.
    in =
        hx("0000000000000000000000000000000000000000000000000000000000000001"
           "0000000000000000000000000000000000000000000000000000000000000003");
    append(in, hx("0000000000000000000000000000000000000000000000000000000000000002"));
    EXPECT_FALSE(mul(in));
}

// go-ethereum core/vm/testdata/precompiles/bn256ScalarMul.json vectors.
TEST(Bn254Mul, GethVectors)
{
    struct V
    {
        const char* name;
        const char* input;
        const char* expected;
    };
    const V vectors[] = {
        {"chfast1",
         "2bd3e6d0f3b142924f5ca7b49ce5b9d54c4703d7ae5648e61d02268b1a0a9fb721611ce0a6af85915e2f1d"
         "70300909ce2e49dfad4a4619c8390cae66cefdb20400000000000000000000000000000000000000000000"
         "000011138ce750fa15c2",
         "070a8d6a982153cae4be29d434e8faef8a47b274a053f5a4ee2a6c9c13c31e5c031b8ce914eba3a9ffb989"
         "f9cdd5b0f01943074bf4f0f315690ec3cec6981afc"},
        {"chfast2",
         "070a8d6a982153cae4be29d434e8faef8a47b274a053f5a4ee2a6c9c13c31e5c031b8ce914eba3a9ffb989"
         "f9cdd5b0f01943074bf4f0f315690ec3cec6981afc30644e72e131a029b85045b68181585d97816a916871"
         "ca8d3c208c16d87cfd46",
         "025a6f4181d2b4ea8b724290ffb40156eb0adb514c688556eb79cdea0752c2bb2eff3f31dea215f1eb8602"
         "3a133a996eb6300b44da664d64251d05381bb8a02e"},
        {"chfast3",
         "025a6f4181d2b4ea8b724290ffb40156eb0adb514c688556eb79cdea0752c2bb2eff3f31dea215f1eb8602"
         "3a133a996eb6300b44da664d64251d05381bb8a02e183227397098d014dc2822db40c0ac2ecbc0b548b438"
         "e5469e10460b6c3e7ea3",
         "14789d0d4a730b354403b5fac948113739e276c23e0258d8596ee72f9cd9d3230af18a63153e0ec25ff9f2"
         "951dd3fa90ed0197bfef6e2a1a62b5095b9d2b4a27"},
        {"cdetrio1",
         "1a87b0584ce92f4593d161480614f2989035225609f08058ccfa3d0f940febe31a2f3c951f6dadcc7ee900"
         "7dff81504b0fcd6d7cf59996efdc33d92bf7f9f8f6ffffffffffffffffffffffffffffffffffffffffffff"
         "ffffffffffffffffffff",
         "2cde5879ba6f13c0b5aa4ef627f159a3347df9722efce88a9afbb20b763b4c411aa7e43076f6aee272755a"
         "7f9b84832e71559ba0d2e0b17d5f9f01755e5b0d11"},
        {"cdetrio2",
         "1a87b0584ce92f4593d161480614f2989035225609f08058ccfa3d0f940febe31a2f3c951f6dadcc7ee900"
         "7dff81504b0fcd6d7cf59996efdc33d92bf7f9f8f630644e72e131a029b85045b68181585d2833e84879b9"
         "709143e1f593f0000000",
         "1a87b0584ce92f4593d161480614f2989035225609f08058ccfa3d0f940febe3163511ddc1c3f25d396745"
         "388200081287b3fd1472d8339d5fecb2eae0830451"},
        {"cdetrio3",
         "1a87b0584ce92f4593d161480614f2989035225609f08058ccfa3d0f940febe31a2f3c951f6dadcc7ee900"
         "7dff81504b0fcd6d7cf59996efdc33d92bf7f9f8f600000000000000000000000000000001000000000000"
         "00000000000000000000",
         "1051acb0700ec6d42a88215852d582efbaef31529b6fcbc3277b5c1b300f5cf0135b2394bb45ab04b8bd76"
         "11bd2dfe1de6a4e6e2ccea1ea1955f577cd66af85b"},
        {"cdetrio4",
         "1a87b0584ce92f4593d161480614f2989035225609f08058ccfa3d0f940febe31a2f3c951f6dadcc7ee900"
         "7dff81504b0fcd6d7cf59996efdc33d92bf7f9f8f600000000000000000000000000000000000000000000"
         "00000000000000000009",
         "1dbad7d39dbc56379f78fac1bca147dc8e66de1b9d183c7b167351bfe0aeab742cd757d51289cd8dbd0acf"
         "9e673ad67d0f0a89f912af47ed1be53664f5692575"},
        {"cdetrio6",
         "17c139df0efee0f766bc0204762b774362e4ded88953a39ce849a8a7fa163fa901e0559bacb160664764a3"
         "57af8a9fe70baa9258e0b959273ffc5718c6d4cc7cffffffffffffffffffffffffffffffffffffffffffff"
         "ffffffffffffffffffff",
         "29e587aadd7c06722aabba753017c093f70ba7eb1f1c0104ec0564e7e3e21f6022b1143f6a41008e7755c7"
         "1c3d00b6b915d386de21783ef590486d8afa8453b1"},
        {"cdetrio11",
         "039730ea8dff1254c0fee9c0ea777d29a9c710b7e616683f194f18c43b43b869073a5ffcc6fc7a28c30723"
         "d6e58ce577356982d65b833a5a5c15bf9024b43d98ffffffffffffffffffffffffffffffffffffffffffff"
         "ffffffffffffffffffff",
         "00a1a234d08efaa2616607e31eca1980128b00b415c845ff25bba3afcb81dc00242077290ed33906aeb8e4"
         "2fd98c41bcb9057ba03421af3f2d08cfc441186024"},
    };
    for (const auto& v : vectors)
        EXPECT_EQ(hex64(mul(hx(v.input))), v.expected) << v.name;
}

TEST(Bn254Pairing, EmptyAndInfinity)
{
    EXPECT_EQ(pairing_check({}), std::optional<bool>(true));
    // e(inf, G2) = 1, e(G1, inf) = 1.
    Bytes in(64, 0);
    append(in, hx(kG2Gen));
    EXPECT_EQ(pairing_check(in), std::optional<bool>(true));
    in = hx(kG1Gen);
    append(in, Bytes(128, 0));
    EXPECT_EQ(pairing_check(in), std::optional<bool>(true));
    // Bad length.
    EXPECT_FALSE(pairing_check(Bytes(191, 0)));
}

TEST(Bn254Pairing, OnePointIsFalse)
{
    Bytes in = hx(kG1Gen);
    append(in, hx(kG2Gen));
    EXPECT_EQ(pairing_check(in), std::optional<bool>(false));
}

TEST(Bn254Pairing, BilinearityChecks)
{
    Rng rng;
    const auto a = rng.scalar();
    const auto b = rng.scalar();
    const G1J ga = G1J::from_affine(g1_gen()).mul(a);
    const G2J qb = G2J::from_affine(g2_gen()).mul(b);
    const G1J gab = ga.mul(b);
    // e(aP, bQ) * e(-abP, Q) == 1
    Bytes in = g1_bytes(ga.to_affine());
    append(in, g2_bytes(qb.to_affine()));
    append(in, g1_bytes(gab.neg().to_affine()));
    append(in, hx(kG2Gen));
    EXPECT_EQ(pairing_check(in), std::optional<bool>(true));
    // e(aP, bQ) * e(abP, Q) != 1
    in = g1_bytes(ga.to_affine());
    append(in, g2_bytes(qb.to_affine()));
    append(in, g1_bytes(gab.to_affine()));
    append(in, hx(kG2Gen));
    EXPECT_EQ(pairing_check(in), std::optional<bool>(false));
    // e(P, Q)^r == 1 and e(P, Q) != 1 (non-degenerate).
    const std::pair<G1, G2> pq[] = {{g1_gen(), g2_gen()}};
    const Fp12 e = final_exponentiation(miller_loop(pq));
    EXPECT_FALSE(e.is_one());
    EXPECT_TRUE(e.pow(kOrder).is_one());
    // e(2P, Q) == e(P, 2Q) == e(P, Q)^2
    const std::pair<G1, G2> p2q[] = {{G1J::from_affine(g1_gen()).dbl().to_affine(), g2_gen()}};
    const std::pair<G1, G2> pq2[] = {{g1_gen(), G2J::from_affine(g2_gen()).dbl().to_affine()}};
    EXPECT_TRUE(final_exponentiation(miller_loop(p2q)) == e.square());
    EXPECT_TRUE(final_exponentiation(miller_loop(pq2)) == e.square());
}

TEST(Bn254Pairing, InvalidG2Rejected)
{
    // A point on the twist but outside G2: find one by trying x = 1, 2, ...
    G2 bad;
    for (uint64_t x = 1;; ++x)
    {
        const Fp2 xx{Fp::from_u64(x), Fp::one()};
        Fp2 y;
        if ((xx.square() * xx + twist_b()).sqrt(y))
        {
            bad = G2::of(xx, y);
            break;
        }
    }
    ASSERT_TRUE(bad.is_on_curve(twist_b()));
    ASSERT_FALSE(g2_in_subgroup(bad));
    Bytes in = hx(kG1Gen);
    append(in, g2_bytes(bad));
    EXPECT_FALSE(pairing_check(in));
    // Off the curve.
    Bytes g2 = hx(kG2Gen);
    g2[127] ^= 1;
    in = hx(kG1Gen);
    append(in, g2);
    EXPECT_FALSE(pairing_check(in));
    // Coordinate >= p.
    in = hx(kG1Gen);
    append(in, hx(kPHex));
    append(in, Bytes(96, 0));
    EXPECT_FALSE(pairing_check(in));
    // Invalid G1 in the second pair.
    in = hx(kG1Gen);
    append(in, hx(kG2Gen));
    append(in, hx("0000000000000000000000000000000000000000000000000000000000000001"
                  "0000000000000000000000000000000000000000000000000000000000000003"));
    append(in, hx(kG2Gen));
    EXPECT_FALSE(pairing_check(in));
}

// go-ethereum core/vm/testdata/precompiles/bn256Pairing.json vectors.
TEST(Bn254Pairing, GethVectors)
{
    struct V
    {
        const char* name;
        const char* input;
        bool expected;
    };
    const V vectors[] = {
        {"jeff1",
         "1c76476f4def4bb94541d57ebba1193381ffa7aa76ada664dd31c16024c43f593034dd2920f673e204fee2811"
         "c"
         "678745fc819b55d3e9d294e45c9b03a76aef41209dd15ebff5d46c4bd888e51a93cf99a7329636c63514396b4"
         "a"
         "452003a35bf704bf11ca01483bfa8b34b43561848d28905960114c8ac04049af4b6315a416782bb8324af6cfc"
         "9"
         "3537a2ad1a445cfd0ca2a71acd7ac41fadbf933c2a51be344d120a2a4cf30c1bf9845f20c6fe39e07ea2cce61"
         "f"
         "0c9bb048165fe5e4de877550111e129f1cf1097710d41c4ac70fcdfa5ba2023c6ff1cbeac322de49d1b6df7c2"
         "0"
         "32c61a830e3c17286de9462bf242fca2883585b93870a73853face6a6bf411198e9393920d483a7260bfb731f"
         "b"
         "5d25f1aa493335a9e71297e485b7aef312c21800deef121f1e76426a00665e5c4479674322d4f75edadd46deb"
         "d"
         "5cd992f6ed090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b12c85ea5db8c6de"
         "b"
         "4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa",
         true},
        {"jeff2",
         "2eca0c7238bf16e83e7a1e6c5d49540685ff51380f309842a98561558019fc0203d3260361bb8451de5ff5ecd"
         "1"
         "7f010ff22f5c31cdf184e9020b06fa5997db841213d2149b006137fcfb23036606f848d638d576a120ca981b5"
         "b"
         "1a5f9300b3ee2276cf730cf493cd95d64677bbb75fc42db72513a4c1e387b476d056f80aa75f21ee6226d3142"
         "6"
         "322afcda621464d0611d226783262e21bb3bc86b537e986237096df1f82dff337dd5972e32a8ad43e28a78a96"
         "a"
         "823ef1cd4debe12b6552ea5f06967a1237ebfeca9aaae0d6d0bab8e28c198c5a339ef8a2407e31cdac516db92"
         "2"
         "160fa257a5fd5b280642ff47b65eca77e626cb685c84fa6d3b6882a283ddd1198e9393920d483a7260bfb731f"
         "b"
         "5d25f1aa493335a9e71297e485b7aef312c21800deef121f1e76426a00665e5c4479674322d4f75edadd46deb"
         "d"
         "5cd992f6ed090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b12c85ea5db8c6de"
         "b"
         "4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa",
         true},
        {"jeff3",
         "0f25929bcb43d5a57391564615c9e70a992b10eafa4db109709649cf48c50dd216da2f5cb6be7a0aa72c440c5"
         "3"
         "c9bbdfec6c36c7d515536431b3a865468acbba2e89718ad33c8bed92e210e81d1853435399a271913a6520736"
         "a"
         "4729cf0d51eb01a9e2ffa2e92599b68e44de5bcf354fa2642bd4f26b259daa6f7ce3ed57aeb314a9a87b789a5"
         "8"
         "af499b314e13c3d65bede56c07ea2d418d6874857b70763713178fb49a2d6cd347dc58973ff49613a20757d0f"
         "c"
         "c22079f9abd10c3baee245901b9e027bd5cfc2cb5db82d4dc9677ac795ec500ecd47deee3b5da006d6d049b81"
         "1"
         "d7511c78158de484232fc68daf8a45cf217d1c2fae693ff5871e8752d73b21198e9393920d483a7260bfb731f"
         "b"
         "5d25f1aa493335a9e71297e485b7aef312c21800deef121f1e76426a00665e5c4479674322d4f75edadd46deb"
         "d"
         "5cd992f6ed090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b12c85ea5db8c6de"
         "b"
         "4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa",
         true},
        {"jeff6",
         "1c76476f4def4bb94541d57ebba1193381ffa7aa76ada664dd31c16024c43f593034dd2920f673e204fee2811"
         "c"
         "678745fc819b55d3e9d294e45c9b03a76aef41209dd15ebff5d46c4bd888e51a93cf99a7329636c63514396b4"
         "a"
         "452003a35bf704bf11ca01483bfa8b34b43561848d28905960114c8ac04049af4b6315a416782bb8324af6cfc"
         "9"
         "3537a2ad1a445cfd0ca2a71acd7ac41fadbf933c2a51be344d120a2a4cf30c1bf9845f20c6fe39e07ea2cce61"
         "f"
         "0c9bb048165fe5e4de877550111e129f1cf1097710d41c4ac70fcdfa5ba2023c6ff1cbeac322de49d1b6df7c1"
         "0"
         "3188585e2364128fe25c70558f1560f4f9350baf3959e603cc91486e110936198e9393920d483a7260bfb731f"
         "b"
         "5d25f1aa493335a9e71297e485b7aef312c21800deef121f1e76426a00665e5c4479674322d4f75edadd46deb"
         "d"
         "5cd992f6ed090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b12c85ea5db8c6de"
         "b"
         "4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa",
         false},
        {"two_point_match_2",
         "00000000000000000000000000000000000000000000000000000000000000010000000000000000000000000"
         "0"
         "00000000000000000000000000000000000002198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e"
         "4"
         "85b7aef312c21800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed090689d0585ff"
         "0"
         "75ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b12c85ea5db8c6deb4aab71808dcb408fe3d1e76"
         "9"
         "0c43d37b4ce6cc0166fa7daa00000000000000000000000000000000000000000000000000000000000000010"
         "0"
         "00000000000000000000000000000000000000000000000000000000000002198e9393920d483a7260bfb731f"
         "b"
         "5d25f1aa493335a9e71297e485b7aef312c21800deef121f1e76426a00665e5c4479674322d4f75edadd46deb"
         "d"
         "5cd992f6ed275dc4a288d1afb3cbb1ac09187524c7db36395df7be3b99e673b13a075a65ec1d9befcd05a5323"
         "e"
         "6da4d435f3b617cdb3af83285c2df711ef39c01571827f9d",
         true},
        {"two_point_match_3",
         "00000000000000000000000000000000000000000000000000000000000000010000000000000000000000000"
         "0"
         "00000000000000000000000000000000000002203e205db4f19b37b60121b83a7333706db86431c6d83584995"
         "7"
         "ed8c3928ad7927dc7234fd11d3e8c36c59277c3e6f149d5cd3cfa9a62aee49f8130962b4b3b9195e8aa5b7827"
         "4"
         "63722b8c153931579d3505566b4edf48d498e185f0509de15204bb53b8977e5f92a0bc372742c4830944a59b4"
         "f"
         "e6b1c0466e2a6dad122b5d2e030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd31"
         "a"
         "76dae6d3272396d0cbe61fced2bc532edac647851e3ac53ce1cc9c7e645a83198e9393920d483a7260bfb731f"
         "b"
         "5d25f1aa493335a9e71297e485b7aef312c21800deef121f1e76426a00665e5c4479674322d4f75edadd46deb"
         "d"
         "5cd992f6ed090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b12c85ea5db8c6de"
         "b"
         "4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa",
         true},
        {"two_point_match_4",
         "105456a333e6d636854f987ea7bb713dfd0ae8371a72aea313ae0c32c0bf10160cf031d41b41557f3e7e3ba0c"
         "5"
         "1bebe5da8e6ecd855ec50fc87efcdeac168bcc0476be093a6d2b4bbf907172049874af11e1b6267606e00804d"
         "3"
         "ff0037ec57fd3010c68cb50161b7d1d96bb71edfec9880171954e56871abf3d93cc94d745fa114c059d74e5b6"
         "c"
         "4ec14ae5864ebe23a71781d86c29fb8fb6cce94f70d3de7a2101b33461f39d9e887dbb100f170a2345dde3c07"
         "e"
         "256d1dfa2b657ba5cd03042700000000000000000000000000000000000000000000000000000000000000010"
         "0"
         "000000000000000000000000000000000000000000000000000000000000021a2c3013d2ea92e13c800cde68e"
         "f"
         "56a294b883f6ac35d25f587c09b1b3c635f7290158a80cd3d66530f74dc94c94adb88f5cdb481acca997b6e60"
         "0"
         "71f08a115f2f997f3dbd66a7afe07fe7862ce239edba9e05c5afff7f8a1259c9733b2dfbb929d1691530ca701"
         "b"
         "4a106054688728c9972c8512e9789e9567aae23e302ccd75",
         true},
    };
    for (const auto& v : vectors)
        EXPECT_EQ(pairing_check(hx(v.input)), std::optional<bool>(v.expected)) << v.name;
}

TEST(Bn254Pairing, MultiPairProducts)
{
    Rng rng;
    const auto a = rng.scalar();
    const auto b = rng.scalar();
    const auto c = rng.scalar();
    const G1J p = G1J::from_affine(g1_gen());
    const G2J q = G2J::from_affine(g2_gen());
    const G2J bq = q.mul(b);
    const G1J cp = p.mul(c);
    // e(aP, bQ) e(bP, -aQ) e(cP, Q + bQ) e(-cP, Q) e(-cP, bQ) = 1, with infinity pairs mixed in.
    Bytes in = g1_bytes(p.mul(a).to_affine());
    append(in, g2_bytes(bq.to_affine()));
    append(in, Bytes(64, 0));
    append(in, g2_bytes(bq.to_affine()));
    append(in, g1_bytes(p.mul(b).to_affine()));
    append(in, g2_bytes(q.mul(a).neg().to_affine()));
    append(in, g1_bytes(cp.to_affine()));
    append(in, g2_bytes(q.add(bq).to_affine()));
    append(in, g1_bytes(cp.neg().to_affine()));
    append(in, hx(kG2Gen));
    append(in, g1_bytes(cp.to_affine()));
    append(in, Bytes(128, 0));
    append(in, g1_bytes(cp.neg().to_affine()));
    append(in, g2_bytes(bq.to_affine()));
    EXPECT_EQ(pairing_check(in), std::optional<bool>(true));
    // Negating one G1 point breaks the product.
    Bytes bad = in;
    const Bytes neg_cp = g1_bytes(cp.to_affine());
    std::copy(neg_cp.begin(), neg_cp.end(), bad.begin() + 4 * 192);
    EXPECT_EQ(pairing_check(bad), std::optional<bool>(false));
}

TEST(Bn254Pairing, InvalidPointNextToInfinityIsStillRejected)
{
    // G1 at infinity does not excuse an invalid G2 point, and vice versa.
    Bytes g2 = hx(kG2Gen);
    g2[127] ^= 1;
    Bytes in(64, 0);
    append(in, g2);
    EXPECT_FALSE(pairing_check(in));
    in =
        hx("0000000000000000000000000000000000000000000000000000000000000001"
           "0000000000000000000000000000000000000000000000000000000000000003");
    append(in, Bytes(128, 0));
    EXPECT_FALSE(pairing_check(in));
}
