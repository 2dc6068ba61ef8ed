#include "core/uint256.hpp"
#include "core/hex.hpp"

#include <gmp.h>
#include <gtest/gtest.h>

#include <random>
#include <unordered_set>

using namespace tern;

namespace {

U256 hexu(std::string_view s)
{
    auto v = U256::from_string(s);
    EXPECT_TRUE(v.has_value()) << s;
    return v.value_or(U256{});
}

const U256 kMax = U256::max();
const U256 kMin = U256{1} << 255;  // INT_MIN in two's complement
const U256 kMinusOne = U256::max();

// ---- GMP reference helpers ----------------------------------------------------------------------

/// RAII mpz_t.
struct Mpz
{
    mpz_t v;
    Mpz() { mpz_init(v); }
    explicit Mpz(const U256& x)
    {
        mpz_init(v);
        mpz_import(v, 4, -1, sizeof(uint64_t), 0, 0, x.w);
    }
    Mpz(const Mpz&) = delete;
    Mpz& operator=(const Mpz&) = delete;
    ~Mpz() { mpz_clear(v); }
    operator mpz_ptr() { return v; }
};

/// Reduces modulo 2^256 (non-negative result) and converts.
U256 to_u256(mpz_t x)
{
    Mpz r;
    mpz_fdiv_r_2exp(r, x, 256);
    U256 out;
    size_t count = 0;
    mpz_export(out.w, &count, -1, sizeof(uint64_t), 0, 0, r.v);
    return out;
}

/// Two's complement interpretation of x as a signed GMP integer.
void to_signed(mpz_t out, const U256& x)
{
    Mpz t(x);
    mpz_set(out, t);
    if (is_negative(x))
    {
        Mpz two256;
        mpz_ui_pow_ui(two256, 2, 256);
        mpz_sub(out, out, two256);
    }
}

/// Random 256-bit values with mixed limb patterns, so carries, borrows and normalisation
/// corner cases in division are hit often.
class Gen
{
public:
    explicit Gen(uint64_t seed) : rng_(seed) {}

    uint64_t limb()
    {
        switch (rng_() % 8)
        {
            case 0:
                return 0;
            case 1:
                return ~0ULL;
            case 2:
                return 1;
            case 3:
                return 1ULL << 63;
            case 4:
                return (1ULL << 63) - 1;
            case 5:
                return rng_() >> (rng_() % 64);
            default:
                return rng_();
        }
    }

    U256 value()
    {
        U256 x{limb(), limb(), limb(), limb()};
        // Random significant width: sometimes clear the top limbs or shift down.
        switch (rng_() % 4)
        {
            case 0:
                return x >> (rng_() % 256);
            case 1:
                return x;
            case 2:
            {
                const unsigned limbs = 1 + static_cast<unsigned>(rng_() % 4);
                for (unsigned i = limbs; i < 4; ++i)
                    x.w[i] = 0;
                return x;
            }
            default:
                return ~(x >> (rng_() % 256));  // negative-ish values
        }
    }

    uint64_t below(uint64_t n) { return rng_() % n; }

private:
    std::mt19937_64 rng_;
};

constexpr int kRandomRounds = 40000;

}  // namespace

// ---- Construction and conversion ----------------------------------------------------------------

TEST(U256, DefaultIsZeroAndImplicitFromU64)
{
    U256 z;
    EXPECT_FALSE(z);
    EXPECT_EQ(z, U256{0});
    U256 v = 42;
    EXPECT_TRUE(v);
    EXPECT_EQ(v.low64(), 42u);
    EXPECT_TRUE(v.fits_u64());
    EXPECT_FALSE((U256{1} << 64).fits_u64());
    EXPECT_EQ(kMax.w[0], ~0ULL);
    EXPECT_EQ(kMax.w[3], ~0ULL);
}

TEST(U256, ConstexprUsable)
{
    static_assert(U256{5} + U256{7} == U256{12});
    static_assert(U256::max() + 1 == U256{});
    static_assert(U256{0} - 1 == U256::max());
    static_assert((U256{3} << 64).w[1] == 3);
    static_assert(exp(U256{3}, U256{5}) == U256{243});
    static_assert(U256{1}.bit_width() == 1);
    static_assert(signextend(U256{0}, U256{0xff}) == U256::max());
    SUCCEED();
}

TEST(U256, BigEndianBytesRoundTrip)
{
    uint8_t in[32];
    for (int i = 0; i < 32; ++i)
        in[i] = static_cast<uint8_t>(i + 1);
    const U256 x = U256::from_be_bytes(in, 32);
    EXPECT_EQ(x.w[3], 0x0102030405060708ULL);
    EXPECT_EQ(x.w[0], 0x191a1b1c1d1e1f20ULL);
    uint8_t out[32];
    x.to_be_bytes(out);
    EXPECT_EQ(0, std::memcmp(in, out, 32));

    const uint8_t short_in[] = {0x12, 0x34, 0x56};
    EXPECT_EQ(U256::from_be_bytes(short_in, 3), U256{0x123456});
    EXPECT_EQ(U256::from_be(BytesView{short_in, 3}), U256{0x123456});
    EXPECT_EQ(U256::from_be_bytes(short_in, 0), U256{});
    // 9 bytes crosses a limb boundary.
    const uint8_t nine[] = {0xaa, 1, 2, 3, 4, 5, 6, 7, 8};
    EXPECT_EQ(U256::from_be(BytesView{nine, 9}), (U256{0xaa} << 64) | U256{0x0102030405060708ULL});
}

TEST(U256, HashAndAddress)
{
    const U256 x = hexu("0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    const Hash256 h = x.to_hash();
    EXPECT_EQ(to_hex(h), "0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    EXPECT_EQ(U256::from_hash(h), x);

    const Address a = x.to_address();
    EXPECT_EQ(to_hex(a), "0xccddeeff00112233445566778899aabbccddeeff");
    const U256 back = U256::from_address(a);
    EXPECT_EQ(back, x & ((U256{1} << 160) - 1));
    EXPECT_EQ(U256::from_address(address_from_u64(0x0a)), U256{0x0a});
}

TEST(U256, FromStringHexAndDecimal)
{
    EXPECT_EQ(hexu("0x0"), U256{});
    EXPECT_EQ(hexu("0x"), U256{});
    EXPECT_EQ(hexu("0xFF"), U256{255});
    EXPECT_EQ(hexu("0x00000000000000000000000000000000000000000000000000000000000000000001"),
              U256{1});  // leading zeros beyond 64 digits are fine
    EXPECT_EQ(hexu("0x" + std::string(64, 'f')), kMax);
    EXPECT_FALSE(U256::from_string("0x1" + std::string(64, '0')).has_value());  // 2^256
    EXPECT_FALSE(U256::from_string("0xg").has_value());
    EXPECT_FALSE(U256::from_string("").has_value());
    EXPECT_FALSE(U256::from_string("12a").has_value());
    EXPECT_FALSE(U256::from_string("-1").has_value());

    EXPECT_EQ(hexu("0"), U256{});
    EXPECT_EQ(hexu("18446744073709551616"), U256{1} << 64);
    const std::string max_dec =
        "115792089237316195423570985008687907853269984665640564039457584007913129639935";
    EXPECT_EQ(hexu(max_dec), kMax);
    EXPECT_FALSE(
        U256::from_string(
            "115792089237316195423570985008687907853269984665640564039457584007913129639936")
            .has_value());
    EXPECT_FALSE(U256::from_string(max_dec + "0").has_value());
}

TEST(U256, ToHexAndDecimal)
{
    EXPECT_EQ(U256{}.to_hex(), "0x0");
    EXPECT_EQ(U256{0xabc}.to_hex(), "0xabc");
    EXPECT_EQ((U256{1} << 255).to_hex(), "0x8" + std::string(63, '0'));
    EXPECT_EQ(U256{}.to_dec(), "0");
    EXPECT_EQ(U256{10'000'000'000'000'000'000ULL}.to_dec(), "10000000000000000000");
    EXPECT_EQ((U256{1} << 64).to_dec(), "18446744073709551616");
    EXPECT_EQ(kMax.to_dec(),
              "115792089237316195423570985008687907853269984665640564039457584007913129639935");
    // Inner 19-digit chunks keep their leading zeros: 10^38 + 1.
    EXPECT_EQ(hexu("100000000000000000000000000000000000001").to_dec(),
              "100000000000000000000000000000000000001");
}

TEST(U256, WidthsAndComparison)
{
    EXPECT_EQ(U256{}.bit_width(), 0u);
    EXPECT_EQ(U256{}.byte_width(), 0u);
    EXPECT_EQ(U256{1}.bit_width(), 1u);
    EXPECT_EQ(U256{256}.byte_width(), 2u);
    EXPECT_EQ(kMax.bit_width(), 256u);
    EXPECT_EQ(kMax.byte_width(), 32u);
    EXPECT_EQ((U256{1} << 64).bit_width(), 65u);
    EXPECT_EQ((U256{1} << 64).byte_width(), 9u);

    EXPECT_LT(U256{1}, U256{2});
    EXPECT_LT(U256{~0ULL}, U256{1} << 64);  // higher limb dominates
    EXPECT_GT(kMin, U256{1});               // unsigned compare
    EXPECT_LE(kMax, kMax);
    EXPECT_NE(U256{1} << 128, U256{1} << 192);
    EXPECT_TRUE(U256{7} == 7);
}

TEST(U256, HashDistinguishesLimbs)
{
    std::unordered_set<U256> set;
    set.insert(U256{1});
    set.insert(U256{1} << 64);
    set.insert(U256{1} << 128);
    EXPECT_EQ(set.size(), 3u);
    EXPECT_TRUE(set.contains(U256{1} << 64));
}

// ---- Hand-picked arithmetic edge cases ----------------------------------------------------------

TEST(U256, AddSubCarriesAcrossLimbs)
{
    EXPECT_EQ(U256{~0ULL} + 1, U256{1} << 64);
    EXPECT_EQ((U256{1} << 192) - 1, U256(~0ULL, ~0ULL, ~0ULL, 0));
    EXPECT_EQ(kMax + 1, U256{});
    EXPECT_EQ(kMax + kMax, kMax - 1);
    EXPECT_EQ(U256{} - 1, kMax);
    EXPECT_EQ(-U256{1}, kMax);
    EXPECT_EQ(-U256{}, U256{});
    EXPECT_EQ(-kMin, kMin);
    U256 x = 5;
    x += 10;
    x -= 3;
    EXPECT_EQ(x, U256{12});
    ++x;
    EXPECT_EQ(x, U256{13});
    U256 z;
    --z;
    EXPECT_EQ(z, kMax);
}

TEST(U256, MultiplyWraps)
{
    EXPECT_EQ(U256{~0ULL} * U256{~0ULL}, hexu("0xfffffffffffffffe0000000000000001"));
    EXPECT_EQ(kMax * kMax, U256{1});
    EXPECT_EQ(kMin * 2, U256{});
    EXPECT_EQ((U256{1} << 128) * (U256{1} << 127), kMin);
    const U512 full = mul_full(kMax, kMax);  // (2^256-1)^2 = 2^512 - 2^257 + 1
    EXPECT_EQ(full.w[0], 1u);
    EXPECT_EQ(full.w[3], 0u);
    EXPECT_EQ(full.w[4], ~0ULL - 1);
    EXPECT_EQ(full.w[7], ~0ULL);
}

TEST(U256, DivisionEdgeCases)
{
    EXPECT_EQ(U256{7} / U256{}, U256{});
    EXPECT_EQ(U256{7} % U256{}, U256{});
    EXPECT_EQ(kMax / U256{}, U256{});
    EXPECT_EQ(kMax / 1, kMax);
    EXPECT_EQ(kMax % 1, U256{});
    EXPECT_EQ(kMax / kMax, U256{1});
    EXPECT_EQ(U256{3} / kMax, U256{});
    EXPECT_EQ(U256{3} % kMax, U256{3});
    EXPECT_EQ(kMax / 2, kMin - 1);
    EXPECT_EQ(kMax % 10, U256{5});
    EXPECT_EQ(kMax / (U256{1} << 128), (U256{1} << 128) - 1);
    EXPECT_EQ(U256{100} / 7, U256{14});
    EXPECT_EQ(U256{100} % 7, U256{2});
    auto qr = udivrem(hexu("0x1000000000000000000000000000000000000000000000000"),
                      hexu("0x1000000000000000000000001"));
    EXPECT_EQ(qr.quot * hexu("0x1000000000000000000000001") + qr.rem,
              hexu("0x1000000000000000000000000000000000000000000000000"));
    U256 x = 100;
    x /= 9;
    EXPECT_EQ(x, U256{11});
    x %= 4;
    EXPECT_EQ(x, U256{3});
}

TEST(U256, DivisionKnuthCorrectionPaths)
{
    // Dividends whose top limbs equal the divisor's top limbs exercise the q = 2^64-1 path and the
    // add-back step; verify q*d + r == a and r < d.
    const U256 divisors[] = {
        U256(0, 0, ~0ULL, 1ULL << 63),
        U256(1, 0, 0, 1ULL << 63),
        U256(~0ULL, ~0ULL, 0, 0x8000000000000000ULL),
        U256(0, 0x8000000000000000ULL, 0x7fffffffffffffffULL, 0),
        U256(0, 1, 0xffffffffffffffffULL, 0),
    };
    const U256 dividends[] = {
        U256(~0ULL, ~0ULL, ~0ULL, ~0ULL),
        U256(0, 0, ~0ULL, 1ULL << 63),
        U256(0, 0, 0, 1ULL << 63),
        U256(0, 0, 0x7fffffffffffffffULL, 0x8000000000000000ULL),
        U256(0xfffffffffffffffeULL, 0x8000000000000000ULL, 0x7fffffffffffffffULL, 0),
    };
    for (const auto& d : divisors)
        for (const auto& a : dividends)
        {
            const auto qr = udivrem(a, d);
            EXPECT_LT(qr.rem, d);
            EXPECT_EQ(qr.quot * d + qr.rem, a);
        }
}

TEST(U256, ShiftsEdgeCases)
{
    EXPECT_EQ(U256{1} << 0, U256{1});
    EXPECT_EQ(U256{1} << 255, kMin);
    EXPECT_EQ(U256{1} << 256, U256{});
    EXPECT_EQ(U256{1} << 1000, U256{});
    EXPECT_EQ(U256{1} << (1ULL << 32), U256{});  // not truncated to 32 bits
    EXPECT_EQ(kMax >> 255, U256{1});
    EXPECT_EQ(kMax >> 256, U256{});
    EXPECT_EQ(kMax << 64, U256(0, ~0ULL, ~0ULL, ~0ULL));
    EXPECT_EQ(kMax >> 65, U256(~0ULL, ~0ULL, 0x7fffffffffffffffULL, 0));
    EXPECT_EQ(U256{1} << U256{255}, kMin);
    EXPECT_EQ(U256{1} << U256{256}, U256{});
    EXPECT_EQ(U256{1} << (U256{1} << 64), U256{});  // huge word shift count
    EXPECT_EQ(kMax >> (U256{1} << 200), U256{});
    U256 x = 1;
    x <<= 70;
    x >>= 6;
    EXPECT_EQ(x, U256{1} << 64);
}

TEST(U256, BitwiseOps)
{
    const U256 a = hexu("0xf0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0");
    EXPECT_EQ(a & ~a, U256{});
    EXPECT_EQ(a | ~a, kMax);
    EXPECT_EQ(a ^ a, U256{});
    EXPECT_EQ(a ^ kMax, ~a);
    U256 b = a;
    b &= U256{0xff};
    EXPECT_EQ(b, U256{0xf0});
    b |= U256{0x0f};
    EXPECT_EQ(b, U256{0xff});
    b ^= U256{0x0f};
    EXPECT_EQ(b, U256{0xf0});
}

TEST(U256, SignedDivision)
{
    const U256 m7 = -U256{7};
    const U256 m2 = -U256{2};
    EXPECT_EQ(sdiv(U256{7}, U256{2}), U256{3});
    EXPECT_EQ(sdiv(m7, U256{2}), -U256{3});  // truncation toward zero
    EXPECT_EQ(sdiv(U256{7}, m2), -U256{3});
    EXPECT_EQ(sdiv(m7, m2), U256{3});
    EXPECT_EQ(sdiv(kMin, kMinusOne), kMin);  // overflow case
    EXPECT_EQ(sdiv(kMin, U256{1}), kMin);
    EXPECT_EQ(sdiv(U256{5}, U256{}), U256{});
    EXPECT_EQ(sdiv(kMin, U256{}), U256{});

    EXPECT_EQ(smod(U256{7}, U256{2}), U256{1});
    EXPECT_EQ(smod(m7, U256{2}), -U256{1});  // sign follows dividend
    EXPECT_EQ(smod(U256{7}, m2), U256{1});
    EXPECT_EQ(smod(m7, m2), -U256{1});
    EXPECT_EQ(smod(kMin, kMinusOne), U256{});
    EXPECT_EQ(smod(m7, U256{}), U256{});
}

TEST(U256, AddModMulMod)
{
    EXPECT_EQ(addmod(U256{5}, U256{6}, U256{}), U256{});
    EXPECT_EQ(mulmod(U256{5}, U256{6}, U256{}), U256{});
    EXPECT_EQ(addmod(U256{5}, U256{6}, U256{7}), U256{4});
    // Operands >= m and 257-bit sums.
    EXPECT_EQ(addmod(kMax, kMax, kMax), U256{});
    EXPECT_EQ(addmod(kMax, U256{1}, kMax), U256{1});
    EXPECT_EQ(addmod(kMax, U256{2}, U256{2}), U256{1});
    EXPECT_EQ(addmod(kMax - 1, U256{3}, kMax), U256{2});  // both < m, sum overflows 256 bits
    EXPECT_EQ(mulmod(kMax, kMax, kMax), U256{});
    EXPECT_EQ(mulmod(kMax, kMax, U256{12}), U256{9});  // (2^256-1) % 12 = 3
    EXPECT_EQ(mulmod(U256{10}, U256{10}, U256{8}), U256{4});
    EXPECT_EQ(mulmod(kMin, U256{2}, kMax), U256{1});  // 2^256 mod (2^256-1)
}

TEST(U256, Exponentiation)
{
    EXPECT_EQ(exp(U256{}, U256{}), U256{1});  // 0^0 = 1 in the EVM
    EXPECT_EQ(exp(U256{}, U256{5}), U256{});
    EXPECT_EQ(exp(U256{2}, U256{255}), kMin);
    EXPECT_EQ(exp(U256{2}, U256{256}), U256{});
    EXPECT_EQ(exp(U256{2}, kMax), U256{});
    EXPECT_EQ(exp(U256{3}, U256{2}), U256{9});
    EXPECT_EQ(exp(kMax, U256{2}), U256{1});
    EXPECT_EQ(exp(kMax, U256{3}), kMax);
    EXPECT_EQ(exp(U256{1}, kMax), U256{1});
    EXPECT_EQ(exp(U256{10}, U256{18}), U256{1'000'000'000'000'000'000ULL});
}

TEST(U256, SignExtend)
{
    EXPECT_EQ(signextend(U256{0}, U256{0x7f}), U256{0x7f});
    EXPECT_EQ(signextend(U256{0}, U256{0x80}), -U256{0x80});
    EXPECT_EQ(signextend(U256{0}, U256{0x1ff}), kMax);  // higher bits are dropped
    EXPECT_EQ(signextend(U256{1}, U256{0x8000}), -U256{0x8000});
    EXPECT_EQ(signextend(U256{1}, U256{0xff7f}), -U256{0x81});  // 0xff7f - 0x10000
    EXPECT_EQ(signextend(U256{30}, kMax >> 8), kMax);           // bit 247 set
    EXPECT_EQ(signextend(U256{30}, kMax >> 9), kMax >> 9);      // bit 247 clear
    EXPECT_EQ(signextend(U256{31}, U256{0x80}), U256{0x80});    // b >= 31: unchanged
    EXPECT_EQ(signextend(U256{1000}, U256{0x80}), U256{0x80});
    EXPECT_EQ(signextend(U256{1} << 64, U256{0x80}), U256{0x80});
    EXPECT_EQ(signextend(U256{7}, U256{1} << 63), -(U256{1} << 63));  // limb boundary
}

TEST(U256, ByteOf)
{
    const U256 x = hexu("0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20");
    for (uint64_t i = 0; i < 32; ++i)
        EXPECT_EQ(byte_of(U256{i}, x), U256{i + 1}) << i;
    EXPECT_EQ(byte_of(U256{32}, x), U256{});
    EXPECT_EQ(byte_of(U256{1} << 64, x), U256{});
    EXPECT_EQ(byte_of(kMax, x), U256{});
}

TEST(U256, ArithmeticShiftRight)
{
    EXPECT_EQ(sar(U256{1}, U256{16}), U256{8});
    EXPECT_EQ(sar(U256{1}, kMin), U256{3} << 254);
    EXPECT_EQ(sar(U256{255}, kMin), kMax);
    EXPECT_EQ(sar(U256{256}, kMin), kMax);
    EXPECT_EQ(sar(U256{1} << 100, kMin), kMax);
    EXPECT_EQ(sar(U256{256}, kMin - 1), U256{});
    EXPECT_EQ(sar(U256{0}, kMinusOne), kMinusOne);
    EXPECT_EQ(sar(U256{4}, -U256{16}), kMinusOne);
    EXPECT_EQ(sar(U256{1}, -U256{3}), -U256{2});  // floor(-1.5) = -2
    EXPECT_EQ(sar(U256{64}, kMin), U256(0, 0, 0xffffffffffffffffULL << 63, ~0ULL));
}

TEST(U256, SignedComparison)
{
    EXPECT_TRUE(slt(kMinusOne, U256{0}));
    EXPECT_FALSE(slt(U256{0}, kMinusOne));
    EXPECT_TRUE(slt(kMin, kMinusOne));
    EXPECT_TRUE(slt(kMin, kMin - 1));  // INT_MIN < INT_MAX
    EXPECT_FALSE(slt(U256{3}, U256{3}));
    EXPECT_TRUE(slt(U256{2}, U256{3}));
    EXPECT_TRUE(sgt(U256{0}, kMinusOne));
    EXPECT_TRUE(sgt(kMin - 1, kMin));
    EXPECT_FALSE(sgt(kMin, kMin));
}

// ---- Internal division helpers against their definitions ----------------------------------------

TEST(U256, Reciprocals)
{
    Gen g(7);
    for (int i = 0; i < 2000; ++i)
    {
        const uint64_t d1 = g.limb() | (1ULL << 63);
        const uint64_t d0 = g.limb();
        // v = floor((2^128-1)/d1) - 2^64
        Mpz num;
        mpz_ui_pow_ui(num, 2, 128);
        mpz_sub_ui(num, num, 1);
        Mpz d(U256{d1});
        Mpz q;
        mpz_fdiv_q(q, num, d);
        mpz_clrbit(q, 64);
        EXPECT_EQ(U256{u256_detail::reciprocal_2by1(d1)}, to_u256(q)) << d1;

        mpz_ui_pow_ui(num, 2, 192);
        mpz_sub_ui(num, num, 1);
        Mpz dd(U256{d0, d1, 0, 0});
        mpz_fdiv_q(q, num, dd);
        mpz_clrbit(q, 64);
        EXPECT_EQ(U256{u256_detail::reciprocal_3by2(d1, d0)}, to_u256(q)) << d1 << " " << d0;
    }
}

// ---- Randomised differential tests against GMP --------------------------------------------------

TEST(U256Gmp, AddSubMul)
{
    Gen g(1);
    Mpz r;
    for (int i = 0; i < kRandomRounds; ++i)
    {
        const U256 a = g.value();
        const U256 b = g.value();
        Mpz ma(a), mb(b);
        mpz_add(r, ma, mb);
        ASSERT_EQ(a + b, to_u256(r)) << a.to_hex() << " + " << b.to_hex();
        mpz_sub(r, ma, mb);
        ASSERT_EQ(a - b, to_u256(r)) << a.to_hex() << " - " << b.to_hex();
        mpz_mul(r, ma, mb);
        ASSERT_EQ(a * b, to_u256(r)) << a.to_hex() << " * " << b.to_hex();
        const U512 full = mul_full(a, b);
        Mpz mf;
        mpz_import(mf, 8, -1, sizeof(uint64_t), 0, 0, full.w);
        ASSERT_EQ(mpz_cmp(mf, r), 0) << a.to_hex() << " *full " << b.to_hex();
        mpz_neg(r, ma);
        ASSERT_EQ(-a, to_u256(r));
        ASSERT_EQ(a < b, mpz_cmp(ma, mb) < 0);
        ASSERT_EQ(a == b, mpz_cmp(ma, mb) == 0);
        ASSERT_EQ(a.bit_width(),
                  mpz_sgn(ma.v) == 0 ? 0u : static_cast<unsigned>(mpz_sizeinbase(ma, 2)));
    }
}

TEST(U256Gmp, DivMod)
{
    Gen g(2);
    Mpz q, r;
    for (int i = 0; i < kRandomRounds; ++i)
    {
        const U256 a = g.value();
        U256 b = g.value();
        if (i % 5 == 0)
            b = b >> (g.below(256));  // more small divisors
        Mpz ma(a), mb(b);
        if (!b)
        {
            ASSERT_EQ(a / b, U256{});
            ASSERT_EQ(a % b, U256{});
            continue;
        }
        mpz_fdiv_qr(q, r, ma, mb);
        const auto qr = udivrem(a, b);
        ASSERT_EQ(qr.quot, to_u256(q)) << a.to_hex() << " / " << b.to_hex();
        ASSERT_EQ(qr.rem, to_u256(r)) << a.to_hex() << " % " << b.to_hex();
        ASSERT_EQ(a / b, qr.quot);
        ASSERT_EQ(a % b, qr.rem);
    }
}

TEST(U256Gmp, SignedDivMod)
{
    Gen g(3);
    Mpz sa, sb, r;
    for (int i = 0; i < kRandomRounds; ++i)
    {
        const U256 a = g.value();
        const U256 b = g.value();
        if (!b)
        {
            ASSERT_EQ(sdiv(a, b), U256{});
            ASSERT_EQ(smod(a, b), U256{});
            continue;
        }
        to_signed(sa, a);
        to_signed(sb, b);
        mpz_tdiv_q(r, sa, sb);
        ASSERT_EQ(sdiv(a, b), to_u256(r)) << a.to_hex() << " sdiv " << b.to_hex();
        mpz_tdiv_r(r, sa, sb);
        ASSERT_EQ(smod(a, b), to_u256(r)) << a.to_hex() << " smod " << b.to_hex();
        ASSERT_EQ(slt(a, b), mpz_cmp(sa, sb) < 0);
        ASSERT_EQ(sgt(a, b), mpz_cmp(sa, sb) > 0);
    }
}

TEST(U256Gmp, AddModMulMod)
{
    Gen g(4);
    Mpz r;
    for (int i = 0; i < kRandomRounds; ++i)
    {
        const U256 a = g.value();
        const U256 b = g.value();
        U256 m = g.value();
        if (i % 3 == 0)
            m = m >> g.below(256);
        if (!m)
        {
            ASSERT_EQ(addmod(a, b, m), U256{});
            ASSERT_EQ(mulmod(a, b, m), U256{});
            continue;
        }
        Mpz ma(a), mb(b), mm(m);
        mpz_add(r, ma, mb);
        mpz_fdiv_r(r, r, mm);
        ASSERT_EQ(addmod(a, b, m), to_u256(r))
            << a.to_hex() << " " << b.to_hex() << " " << m.to_hex();
        mpz_mul(r, ma, mb);
        mpz_fdiv_r(r, r, mm);
        ASSERT_EQ(mulmod(a, b, m), to_u256(r))
            << a.to_hex() << " " << b.to_hex() << " " << m.to_hex();
    }
}

TEST(U256Gmp, Exp)
{
    Gen g(5);
    Mpz mod, r;
    mpz_ui_pow_ui(mod, 2, 256);
    for (int i = 0; i < kRandomRounds / 4; ++i)
    {
        U256 base = g.value();
        if (i % 4 == 0)
            base = U256{g.below(16)};  // includes 0, 1, 2
        U256 e = g.value();
        if (i % 2 == 0)
            e = U256{g.below(300)};
        Mpz mb(base), me(e);
        mpz_powm(r, mb, me, mod);
        ASSERT_EQ(exp(base, e), to_u256(r)) << base.to_hex() << " ** " << e.to_hex();
    }
}

TEST(U256Gmp, ShiftsSignExtendByte)
{
    Gen g(6);
    Mpz r, s;
    for (int i = 0; i < kRandomRounds; ++i)
    {
        const U256 x = g.value();
        const uint64_t n = g.below(300);
        Mpz mx(x);
        mpz_mul_2exp(r, mx, n);
        ASSERT_EQ(x << n, to_u256(r)) << x.to_hex() << " << " << n;
        ASSERT_EQ(x << U256{n}, to_u256(r));
        mpz_fdiv_q_2exp(r, mx, n);
        ASSERT_EQ(x >> n, to_u256(r)) << x.to_hex() << " >> " << n;
        ASSERT_EQ(x >> U256{n}, to_u256(r));

        to_signed(s, x);
        mpz_fdiv_q_2exp(r, s, n);  // floor division = arithmetic shift
        ASSERT_EQ(sar(U256{n}, x), to_u256(r)) << x.to_hex() << " sar " << n;

        const uint64_t b = g.below(40);
        if (b < 31)
        {
            const unsigned bits = static_cast<unsigned>(8 * (b + 1));
            mpz_fdiv_r_2exp(r, mx, bits);  // low bytes, unsigned
            if (mpz_tstbit(r, bits - 1))
            {
                mpz_ui_pow_ui(s, 2, bits);
                mpz_sub(r, r, s);
            }
            ASSERT_EQ(signextend(U256{b}, x), to_u256(r)) << b << " " << x.to_hex();
        }
        else
        {
            ASSERT_EQ(signextend(U256{b}, x), x);
        }

        const uint64_t idx = g.below(40);
        if (idx < 32)
        {
            mpz_fdiv_q_2exp(r, mx, 8 * (31 - idx));
            mpz_fdiv_r_2exp(r, r, 8);
            ASSERT_EQ(byte_of(U256{idx}, x), to_u256(r));
        }
        else
        {
            ASSERT_EQ(byte_of(U256{idx}, x), U256{});
        }
    }
}

TEST(U256Gmp, StringRoundTrip)
{
    Gen g(8);
    for (int i = 0; i < 5000; ++i)
    {
        const U256 x = g.value();
        Mpz mx(x);
        char* dec = mpz_get_str(nullptr, 10, mx);
        char* hex = mpz_get_str(nullptr, 16, mx);
        ASSERT_EQ(x.to_dec(), dec);
        ASSERT_EQ(x.to_hex(), std::string("0x") + hex);
        ASSERT_EQ(U256::from_string(dec), x);
        ASSERT_EQ(U256::from_string(x.to_hex()), x);
        void (*freefunc)(void*, size_t);
        mp_get_memory_functions(nullptr, nullptr, &freefunc);
        freefunc(dec, std::strlen(dec) + 1);
        freefunc(hex, std::strlen(hex) + 1);
    }
}
