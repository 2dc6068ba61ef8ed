// The AVX2 array versions of the detmath functions (detmath_avx2.cpp) against the scalar
// functions, bit for bit: a strided sweep over every float bit pattern, every float within 64
// ulps of the values where the scalar code switches branches, and the special values.

#include "ml/detmath.hpp"
#include "ml/kernels.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace tern::ml {
namespace {

struct Fn
{
    const char* name;
    float (*scalar)(float);
    void (*avx2)(const float*, float*, size_t);
    void (*array)(const float*, float*, size_t);
};

const Fn kFns[] = {
    {"exp", detmath::exp, detmath::exp_n_avx2, detmath::exp_n},
    {"tanh", detmath::tanh, detmath::tanh_n_avx2, detmath::tanh_n},
    {"erf", detmath::erf, detmath::erf_n_avx2, detmath::erf_n},
    {"sigmoid", detmath::sigmoid, detmath::sigmoid_n_avx2, detmath::sigmoid_n},
    {"gelu", detmath::gelu, detmath::gelu_n_avx2, detmath::gelu_n},
    {"gelu_tanh", detmath::gelu_tanh, detmath::gelu_tanh_n_avx2, detmath::gelu_tanh_n},
};

/// Compares fn's AVX2 version with its scalar function on xs; returns the number of
/// mismatches (the first few reported).
int64_t compare(const Fn& fn, const std::vector<float>& xs)
{
    std::vector<float> y(xs.size());
    fn.avx2(xs.data(), y.data(), xs.size());
    int64_t bad = 0;
    for (size_t i = 0; i < xs.size(); ++i)
    {
        const uint32_t want = std::bit_cast<uint32_t>(fn.scalar(xs[i]));
        const uint32_t got = std::bit_cast<uint32_t>(y[i]);
        if (want != got && ++bad <= 5)
            ADD_FAILURE() << fn.name << "(" << std::hexfloat << xs[i] << " = 0x" << std::hex
                          << std::bit_cast<uint32_t>(xs[i]) << "): scalar 0x" << want << ", avx2 0x"
                          << got;
    }
    return bad;
}

/// Every float within `ulps` of v (both signs).
void add_around(std::vector<float>& xs, float v, int ulps = 64)
{
    for (const float s : {v, -v})
    {
        float lo = s;
        float hi = s;
        xs.push_back(s);
        for (int i = 0; i < ulps; ++i)
        {
            lo = std::nextafter(lo, -std::numeric_limits<float>::infinity());
            hi = std::nextafter(hi, std::numeric_limits<float>::infinity());
            xs.push_back(lo);
            xs.push_back(hi);
        }
    }
}

std::vector<float> special_values()
{
    std::vector<float> xs;
    for (const uint32_t b :
         {0x00000000u, 0x80000000u, 0x7f800000u, 0xff800000u, 0x7fc00000u, 0xffc00000u, 0x7f800001u,
          0xff800001u, 0x7fbfffffu, 0x7fffffffu, 0xffffffffu, 0x00000001u, 0x80000001u, 0x007fffffu,
          0x807fffffu, 0x00800000u, 0x80800000u, 0x7f7fffffu, 0xff7fffffu})
        xs.push_back(std::bit_cast<float>(b));
    // Where the scalar code switches branches, as float inputs of the functions: exp's float
    // thresholds and exp_d's, tanh's 10 and expm1's 0.3466 / 2, erf's 0.5, the erfc pieces
    // (0.5 + i / 2, 4 + i, 11) and gelu's erfc argument x / sqrt(2) at the same points,
    // sigmoid's and gelu_tanh's exp_d thresholds (-745.2, 709.78; scale2 at k = -1000 and
    // 1023), and 1 (where rounding crosses a binade).
    const double kSqrt2 = 1.4142135623730951;
    std::vector<double> edges = {88.72283172607421875,
                                 104.0,
                                 709.782712893384,
                                 745.2,
                                 693.1471805599453,
                                 709.0,
                                 10.0,
                                 0.17328679513998632,
                                 0.34657359027997264,
                                 1.0,
                                 20.0,
                                 21.0,
                                 0.0,
                                 1e-30,
                                 1e-45};
    for (int i = 0; i <= 7; ++i)
        edges.push_back(0.5 + i * 0.5);
    for (int i = 4; i <= 12; ++i)
        edges.push_back(i);
    const size_t n_edges = edges.size();
    for (size_t i = 0; i < n_edges; ++i)
        edges.push_back(edges[i] * kSqrt2);
    for (const double e : edges)
        add_around(xs, static_cast<float>(e));
    // gelu_tanh: the x where -2u crosses exp_d's thresholds (u = sqrt(2/pi) (x + 0.044715 x^3)).
    for (const double target : {354.891356446692, 372.6, 346.57, 500.0})
        for (double x = 1.0, step = 32.0; step > 1e-9; step /= 2)
        {
            const double u = 0.7978845608028654 * (x + step + 0.044715 * std::pow(x + step, 3));
            if (u < target)
                x += step;
            if (step < 1e-6)
                add_around(xs, static_cast<float>(x), 8);
        }
    return xs;
}

TEST(DetmathSimd, SpecialValuesAndBranchEdges)
{
    if (!avx2_available())
        GTEST_SKIP() << "no AVX2";
    std::vector<float> xs = special_values();
    for (const Fn& fn : kFns)
    {
        EXPECT_EQ(compare(fn, xs), 0) << fn.name;
        // Every alignment of the 4-lane blocks and the scalar tail.
        for (size_t off = 1; off < 4; ++off)
        {
            std::vector<float> shifted(xs.begin() + static_cast<std::ptrdiff_t>(off), xs.end());
            EXPECT_EQ(compare(fn, shifted), 0) << fn.name << " offset " << off;
        }
    }
}

TEST(DetmathSimd, StridedSweepOfAllFloats)
{
    if (!avx2_available())
        GTEST_SKIP() << "no AVX2";
    // Every 257th bit pattern (16.7M floats, both signs, every exponent), in chunks.
    constexpr uint64_t kStride = 257;
    constexpr size_t kChunk = 1 << 16;
    std::vector<float> xs;
    xs.reserve(kChunk);
    int64_t bad[std::size(kFns)] = {};
    for (uint64_t b = 0; b <= 0xffffffffULL; b += kStride)
    {
        xs.push_back(std::bit_cast<float>(static_cast<uint32_t>(b)));
        if (xs.size() == kChunk || b + kStride > 0xffffffffULL)
        {
            for (size_t f = 0; f < std::size(kFns); ++f)
                bad[f] += compare(kFns[f], xs);
            xs.clear();
        }
    }
    for (size_t f = 0; f < std::size(kFns); ++f)
        EXPECT_EQ(bad[f], 0) << kFns[f].name;
}

TEST(DetmathSimd, DenseSweepOfTheActiveRange)
{
    if (!avx2_available())
        GTEST_SKIP() << "no AVX2";
    // Every 97th float in [-32, 32], where activations live and the branches are (23M values).
    std::vector<float> xs;
    const uint32_t top = std::bit_cast<uint32_t>(32.0f);
    for (uint32_t b = 0; b <= top; b += 97)
    {
        xs.push_back(std::bit_cast<float>(b));
        xs.push_back(-std::bit_cast<float>(b));
    }
    for (const Fn& fn : kFns)
        EXPECT_EQ(compare(fn, xs), 0) << fn.name;
}

TEST(DetmathSimd, ArrayVersionsFollowTheKernelIsa)
{
    const std::vector<float> xs = special_values();
    for (const KernelIsa isa : {KernelIsa::Scalar, KernelIsa::Avx2})
    {
        const KernelIsa saved = set_kernel_isa(isa);
        for (const Fn& fn : kFns)
        {
            std::vector<float> y(xs.size());
            fn.array(xs.data(), y.data(), xs.size());
            for (size_t i = 0; i < xs.size(); ++i)
                ASSERT_EQ(std::bit_cast<uint32_t>(y[i]), std::bit_cast<uint32_t>(fn.scalar(xs[i])))
                    << fn.name << " isa " << static_cast<int>(isa) << " x " << xs[i];
            // In place.
            std::vector<float> z = xs;
            fn.array(z.data(), z.data(), z.size());
            EXPECT_EQ(std::memcmp(z.data(), y.data(), y.size() * sizeof(float)), 0) << fn.name;
        }
        set_kernel_isa(saved);
    }
}

}  // namespace
}  // namespace tern::ml
