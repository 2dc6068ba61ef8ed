#include "ml/detmath.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>

namespace tern::ml::detmath {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr uint32_t kCanonicalNaN = 0x7fc00000;

uint32_t bits(float x)
{
    return std::bit_cast<uint32_t>(x);
}

float from_bits(uint32_t b)
{
    return std::bit_cast<float>(b);
}

/// Rounds a double to the nearest float like IEEE conversion, without the undefined behaviour
/// of converting an out-of-range double.
float round_to_float(double d)
{
    constexpr double kOverflow = 0x1.ffffffp127;  // FLT_MAX + half an ulp: rounds to inf
    if (d >= kOverflow)
        return kInf;
    if (d <= -kOverflow)
        return -kInf;
    if (d > 0x1.fffffep127)
        return from_bits(0x7f7fffff);
    if (d < -0x1.fffffep127)
        return from_bits(0xff7fffff);
    return static_cast<float>(d);
}

/// Distance in ulps between two non-NaN floats (+0 and -0 are 0 apart).
int64_t ulp_distance(float a, float b)
{
    auto ordered = [](float x) -> int64_t {
        const uint32_t u = bits(x);
        return (u & 0x80000000u) ? -static_cast<int64_t>(u & 0x7fffffffu) : int64_t{u};
    };
    const int64_t d = ordered(a) - ordered(b);
    return d < 0 ? -d : d;
}

// Double-precision references from the C library (glibc's are within 1 ulp of double).
double ref_sigmoid(double x)
{
    if (x >= 0)
        return 1.0 / (1.0 + std::exp(-x));
    const double e = std::exp(x);
    return e / (1.0 + e);
}
double ref_gelu(double x)
{
    return 0.5 * x * std::erfc(-x / std::sqrt(2.0));
}
double ref_gelu_tanh(double x)
{
    const double u = std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x);
    return x / (1.0 + std::exp(-2.0 * u));
}

struct Fn
{
    const char* name;
    float (*ours)(float);
    double (*ref)(double);
};

const Fn kFns[] = {
    {"exp", exp,
     [](double x) {
         return std::exp(x);
     }},
    {"log", log,
     [](double x) {
         return std::log(x);
     }},
    {"tanh", tanh,
     [](double x) {
         return std::tanh(x);
     }},
    {"erf", erf,
     [](double x) {
         return std::erf(x);
     }},
    {"sigmoid", sigmoid, ref_sigmoid},
    {"gelu", gelu, ref_gelu},
    {"gelu_tanh", gelu_tanh, ref_gelu_tanh},
};

/// FNV-1a over 32-bit words: a checksum of output bits, the same on every platform.
struct Fnv
{
    uint64_t h = 0xcbf29ce484222325ULL;
    void add(uint32_t w)
    {
        for (int i = 0; i < 4; ++i)
        {
            h ^= (w >> (8 * i)) & 0xff;
            h *= 0x100000001b3ULL;
        }
    }
};

/// Sweeps float bit patterns start, start + stride, ... (mod 2^32) and checks each function
/// against its double reference rounded to float; returns the worst ulp error per function.
void sweep(uint64_t stride, int64_t max_ulps)
{
    for (const Fn& fn : kFns)
    {
        int64_t worst = 0;
        uint32_t worst_input = 0;
        uint64_t count = 0;
        for (uint64_t u = 0; u < (uint64_t{1} << 32); u += stride)
        {
            const float x = from_bits(static_cast<uint32_t>(u));
            const float got = fn.ours(x);
            const float want = round_to_float(fn.ref(static_cast<double>(x)));
            ++count;
            if (std::isnan(want) || std::isnan(got))
            {
                ASSERT_EQ(bits(got), kCanonicalNaN)
                    << fn.name << "(" << x << ") = " << got << ", want " << want;
                ASSERT_TRUE(std::isnan(want)) << fn.name << "(" << x << ") = NaN, want " << want;
                continue;
            }
            const int64_t d = ulp_distance(got, want);
            if (d > worst)
            {
                worst = d;
                worst_input = bits(x);
            }
        }
        EXPECT_LE(worst, max_ulps) << fn.name << " worst at bits 0x" << std::hex << worst_input
                                   << " (" << from_bits(worst_input) << ")";
        std::printf("  %-9s %llu inputs, worst %lld ulp\n", fn.name,
                    static_cast<unsigned long long>(count), static_cast<long long>(worst));
    }
}

TEST(Detmath, SparseSweepOfAllBitPatternsWithinOneUlp)
{
    // ~2.1M patterns spread over all signs, exponents and mantissas. TERN_DETMATH_EXHAUSTIVE=1
    // checks all 2^32 (minutes; docs/ml.md records the result).
    const bool exhaustive = std::getenv("TERN_DETMATH_EXHAUSTIVE") != nullptr;
    sweep(exhaustive ? 1 : 2039, 1);
}

TEST(Detmath, DenseSweepOfTheInterestingRangeWithinOneUlp)
{
    // Every 256th float with magnitude in [2^-10, 16) (~0.9M inputs per function: the range
    // where softmax, activations and GELU spend their time).
    for (const Fn& fn : kFns)
    {
        int64_t worst = 0;
        for (uint32_t sign : {0u, 0x80000000u})
        {
            for (uint32_t b = bits(0x1p-10f); b < bits(16.0f); b += 256)
            {
                const float x = from_bits(b | sign);
                const float got = fn.ours(x);
                const float want = round_to_float(fn.ref(static_cast<double>(x)));
                if (std::isnan(want))
                    continue;  // log of negatives; the sweep above covers them
                const int64_t d = ulp_distance(got, want);
                worst = d > worst ? d : worst;
            }
        }
        EXPECT_LE(worst, 1) << fn.name;
    }
}

TEST(Detmath, SinCosWithinOneUlpOverAllFloats)
{
    // Every 2039th bit pattern (all exponents: the argument reduction is exact up to 2^127),
    // every 64th float in [2^-10, 2^12) and the floats nearest to multiples of pi/2 up to 2^20,
    // against glibc's double sin/cos rounded to float.
    struct Trig
    {
        const char* name;
        float (*ours)(float);
        double (*ref)(double);
    };
    const Trig fns[] = {{"sin", sin,
                         [](double x) {
                             return std::sin(x);
                         }},
                        {"cos", cos, [](double x) {
                             return std::cos(x);
                         }}};
    std::vector<float> xs;
    for (uint64_t u = 0; u < (uint64_t{1} << 32); u += 2039)
        xs.push_back(from_bits(static_cast<uint32_t>(u)));
    for (uint32_t sign : {0u, 0x80000000u})
        for (uint32_t b = bits(0x1p-10f); b < bits(0x1p12f); b += 64)
            xs.push_back(from_bits(b | sign));
    for (int64_t k = 1; k < (1 << 20); k = k * 3 / 2 + 1)
    {
        const float x = static_cast<float>(static_cast<double>(k) * 1.5707963267948966);
        xs.push_back(x);
        xs.push_back(std::nextafter(x, kInf));
        xs.push_back(std::nextafter(x, -kInf));
    }
    for (const Trig& fn : fns)
    {
        int64_t worst = 0;
        float worst_x = 0;
        for (float x : xs)
        {
            const float got = fn.ours(x);
            if (std::isnan(x) || std::isinf(x))
            {
                EXPECT_EQ(bits(got), kCanonicalNaN) << fn.name << "(" << x << ")";
                continue;
            }
            const float want = round_to_float(fn.ref(static_cast<double>(x)));
            const int64_t d = ulp_distance(got, want);
            if (d > worst)
            {
                worst = d;
                worst_x = x;
            }
        }
        EXPECT_LE(worst, 1) << fn.name << " worst at " << worst_x;
        std::printf("  %-9s %zu inputs, worst %lld ulp\n", fn.name, xs.size(),
                    static_cast<long long>(worst));
    }
    EXPECT_EQ(bits(sin(-0.0f)), bits(-0.0f));
    EXPECT_EQ(cos(0.0f), 1.0f);
    EXPECT_EQ(sin(0x1p-149f), 0x1p-149f);
}

TEST(Detmath, SpecialValues)
{
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float neg_nan = from_bits(0xffc00001);
    const float denorm_min = std::numeric_limits<float>::denorm_min();
    for (const Fn& fn : kFns)
    {
        EXPECT_EQ(bits(fn.ours(nan)), kCanonicalNaN) << fn.name;
        EXPECT_EQ(bits(fn.ours(neg_nan)), kCanonicalNaN) << fn.name;
    }
    EXPECT_EQ(exp(0.0f), 1.0f);
    EXPECT_EQ(exp(-0.0f), 1.0f);
    EXPECT_EQ(exp(kInf), kInf);
    EXPECT_EQ(bits(exp(-kInf)), 0u);
    EXPECT_EQ(exp(89.0f), kInf);
    EXPECT_EQ(exp(88.72283172607421875f), round_to_float(std::exp(88.72283172607421875)));
    EXPECT_EQ(exp(88.72284f), kInf);
    EXPECT_EQ(bits(exp(-104.0f)), 0u);
    EXPECT_EQ(exp(-103.9f), denorm_min);  // subnormal result
    EXPECT_EQ(exp(-87.5f), round_to_float(std::exp(-87.5)));
    EXPECT_EQ(exp(1.0f), 2.71828182845904523536f);

    EXPECT_EQ(log(1.0f), 0.0f);
    EXPECT_EQ(log(0.0f), -kInf);
    EXPECT_EQ(log(-0.0f), -kInf);
    EXPECT_EQ(log(kInf), kInf);
    EXPECT_EQ(bits(log(-1.0f)), kCanonicalNaN);
    EXPECT_EQ(bits(log(-kInf)), kCanonicalNaN);
    EXPECT_EQ(log(denorm_min), round_to_float(std::log(static_cast<double>(denorm_min))));
    EXPECT_EQ(log(2.0f), 0.693147180559945309f);

    EXPECT_EQ(bits(tanh(-0.0f)), bits(-0.0f));
    EXPECT_EQ(bits(tanh(0.0f)), 0u);
    EXPECT_EQ(tanh(kInf), 1.0f);
    EXPECT_EQ(tanh(-kInf), -1.0f);
    EXPECT_EQ(tanh(denorm_min), denorm_min);
    EXPECT_EQ(tanh(-20.0f), -1.0f);

    EXPECT_EQ(bits(erf(-0.0f)), bits(-0.0f));
    EXPECT_EQ(erf(kInf), 1.0f);
    EXPECT_EQ(erf(-kInf), -1.0f);
    EXPECT_EQ(erf(5.0f), 1.0f);
    EXPECT_EQ(erf(denorm_min), round_to_float(std::erf(static_cast<double>(denorm_min))));

    EXPECT_EQ(sigmoid(0.0f), 0.5f);
    EXPECT_EQ(sigmoid(kInf), 1.0f);
    EXPECT_EQ(bits(sigmoid(-kInf)), 0u);
    EXPECT_EQ(sigmoid(-100.0f), round_to_float(std::exp(-100.0)));  // tail kept, not 0

    EXPECT_EQ(bits(gelu(-0.0f)), bits(-0.0f));
    EXPECT_EQ(gelu(kInf), kInf);
    EXPECT_EQ(bits(gelu(-kInf)), kCanonicalNaN);  // -inf * 0, as the ONNX formula gives
    EXPECT_EQ(gelu(1e30f), 1e30f);
    EXPECT_LT(gelu(-12.0f), 0.0f);  // the negative tail is tiny but not flushed to zero
    EXPECT_EQ(gelu(-12.0f), round_to_float(ref_gelu(-12.0)));
    EXPECT_EQ(bits(gelu(-20.0f)), bits(-0.0f));

    EXPECT_EQ(bits(gelu_tanh(-0.0f)), bits(-0.0f));
    EXPECT_EQ(gelu_tanh(kInf), kInf);
    EXPECT_EQ(gelu_tanh(1e30f), 1e30f);
    EXPECT_EQ(bits(gelu_tanh(-1e30f)), bits(-0.0f));
}

TEST(Detmath, DoubleKernels)
{
    // The double kernels are accurate to a few double ulps (the float functions rely on it).
    for (double x = -700; x < 700; x += 0.37)
        EXPECT_NEAR(exp_d(x) / std::exp(x), 1.0, 4e-16) << x;
    for (double x = -0.5; x < 0.5; x += 0.001)
        EXPECT_NEAR(expm1_d(x), std::expm1(x), 1e-15 * std::fabs(std::expm1(x))) << x;
    for (double x = 1e-300; x < 1e300; x *= 1.7)
        EXPECT_NEAR(log_d(x), std::log(x), 4e-16 * std::fabs(std::log(x)) + 1e-300) << x;
    for (double x = -6; x < 6; x += 0.0037)
    {
        EXPECT_NEAR(erf_d(x), std::erf(x), 4e-16 * std::fabs(std::erf(x))) << x;
        EXPECT_NEAR(erfc_d(x), std::erfc(x), 4e-15 * std::erfc(x)) << x;
    }
    for (double x = 6; x < 11; x += 0.001)
        EXPECT_NEAR(erfc_d(x), std::erfc(x), 4e-15 * std::erfc(x)) << x;
    EXPECT_EQ(erfc_d(11), 0.0);  // cut off: below float's range even times 2^64
    EXPECT_EQ(exp_d(-746), 0.0);
    EXPECT_EQ(exp_d(710), std::numeric_limits<double>::infinity());
    EXPECT_EQ(exp_d(-740), std::exp(-740.0));  // subnormal double
    EXPECT_EQ(log_d(4.9e-324), std::log(4.9e-324));
}

TEST(Detmath, OutputBitsAreFixed)
{
    // Checksum of every function's output bits over a sweep. The constant was computed on
    // x86-64 at -O3; any build (-O0, sanitizers, -march=native, another CPU or libc) that
    // produces a different bit anywhere fails here.
    Fnv fnv;
    for (const Fn& fn : kFns)
        for (uint64_t u = 0; u < (uint64_t{1} << 32); u += 65537)
            fnv.add(bits(fn.ours(from_bits(static_cast<uint32_t>(u)))));
    for (const Fn& fn : kFns)
        for (float x = -20.0f; x < 20.0f; x += 0.0013f)
            fnv.add(bits(fn.ours(x)));
    EXPECT_EQ(fnv.h, 0x996b2f594ecc9c83ULL) << "checksum 0x" << std::hex << fnv.h;
}

}  // namespace
}  // namespace tern::ml::detmath
