// SIMD kernels (kernels.hpp) against the portable path and plain references, bit for bit:
// float GEMM on odd shapes and tails under every kernel set, the AVX2 and VNNI integer GEMMs
// for each B type at the operand extremes, and AVX2 requantization against requantize_float (NaN,
// inf, ties, saturation).

#include "ml/kernels.hpp"
#include "ml/ops_float.hpp"
#include "ml/requant.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace tern::ml {
namespace {

/// Restores the kernel set on scope exit.
struct IsaGuard
{
    KernelIsa saved = kernel_isa();
    ~IsaGuard() { set_kernel_isa(saved); }
};

/// Full-mantissa floats of mixed sign and magnitude (sums round, so the order shows).
std::vector<float> random_floats(size_t n, uint32_t seed)
{
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> d(-2.0f, 2.0f);
    std::vector<float> v(n);
    for (auto& x : v)
        x = d(rng) * (rng() % 8 == 0 ? 1000.0f : 1.0f);
    return v;
}

TEST(MlKernels, DispatchPicksAvx2WhenAvailable)
{
    IsaGuard guard;
    const KernelIsa best = vnni_available()   ? KernelIsa::Avx2Vnni
                           : avx2_available() ? KernelIsa::Avx2
                                              : KernelIsa::Scalar;
    EXPECT_EQ(kernel_isa(), best);
    set_kernel_isa(KernelIsa::Scalar);
    EXPECT_EQ(kernel_isa(), KernelIsa::Scalar);
    set_kernel_isa(KernelIsa::Avx2);
    EXPECT_EQ(kernel_isa() == KernelIsa::Avx2, avx2_available());
    set_kernel_isa(KernelIsa::Avx2Vnni);
    EXPECT_EQ(kernel_isa(), best);
}

TEST(MlKernels, SgemmSameBitsOnEveryKernelSet)
{
    IsaGuard guard;
    const std::vector<std::array<int64_t, 3>> shapes = {
        {1, 1, 1},    {1, 37, 19},   {2, 70, 5},    {3, 16, 0},   {4, 16, 8},
        {5, 17, 33},  {6, 16, 16},   {7, 33, 9},    {9, 40, 7},   {13, 3, 64},
        {97, 31, 23}, {100, 129, 3}, {191, 47, 65}, {12, 1, 300}, {8, 255, 2}};
    uint32_t seed = 1;
    for (auto [M, N, K] : shapes)
        for (bool ta : {false, true})
            for (bool tb : {false, true})
            {
                const auto A = random_floats(static_cast<size_t>(M * K), seed++);
                const auto B = random_floats(static_cast<size_t>(K * N), seed++);
                const int64_t a_rs = ta ? 1 : K, a_cs = ta ? M : 1;
                const int64_t b_rs = tb ? 1 : N, b_cs = tb ? K : 1;
                const int64_t ldc = N + 3;
                std::vector<uint32_t> want(static_cast<size_t>(M * N));
                for (int64_t i = 0; i < M; ++i)
                    for (int64_t j = 0; j < N; ++j)
                    {
                        float acc = 0;
                        for (int64_t k = 0; k < K; ++k)
                            acc += A[static_cast<size_t>(i * a_rs + k * a_cs)] *
                                   B[static_cast<size_t>(k * b_rs + j * b_cs)];
                        want[static_cast<size_t>(i * N + j)] = std::bit_cast<uint32_t>(acc);
                    }
                for (KernelIsa isa : {KernelIsa::Scalar, KernelIsa::Avx2, KernelIsa::Avx2Vnni})
                {
                    set_kernel_isa(isa);
                    std::vector<float> c(static_cast<size_t>(M * ldc), -7.0f);
                    sgemm_ldc(M, N, K, A.data(), a_rs, a_cs, B.data(), b_rs, b_cs, c.data(), ldc);
                    for (int64_t i = 0; i < M; ++i)
                    {
                        for (int64_t j = 0; j < N; ++j)
                            ASSERT_EQ(std::bit_cast<uint32_t>(c[static_cast<size_t>(i * ldc + j)]),
                                      want[static_cast<size_t>(i * N + j)])
                                << M << "x" << N << "x" << K << " ta " << ta << " tb " << tb
                                << " isa " << static_cast<int>(isa) << " at " << i << "," << j;
                        for (int64_t j = N; j < ldc; ++j)
                            ASSERT_EQ(c[static_cast<size_t>(i * ldc + j)], -7.0f) << "wrote past N";
                    }
                }
            }
}

TEST(MlKernels, SgemmInfAndNanStayInTheirLanes)
{
    IsaGuard guard;
    const int64_t M = 7, N = 19, K = 5;
    auto A = random_floats(static_cast<size_t>(M * K), 3);
    auto B = random_floats(static_cast<size_t>(K * N), 4);
    A[3] = std::numeric_limits<float>::infinity();
    B[N + 2] = 0.0f;
    B[7] = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> s(static_cast<size_t>(M * N)), v(static_cast<size_t>(M * N));
    set_kernel_isa(KernelIsa::Scalar);
    sgemm(M, N, K, A.data(), K, 1, B.data(), N, 1, s.data());
    set_kernel_isa(KernelIsa::Avx2);
    sgemm(M, N, K, A.data(), K, 1, B.data(), N, 1, v.data());
    for (size_t i = 0; i < s.size(); ++i)
    {
        ASSERT_EQ(std::isnan(s[i]), std::isnan(v[i])) << i;
        if (!std::isnan(s[i]))
        {
            ASSERT_EQ(std::bit_cast<uint32_t>(s[i]), std::bit_cast<uint32_t>(v[i])) << i;
        }
    }
}

template <typename TB>
void check_igemm(int64_t lo, int64_t hi, uint32_t seed)
{
    if (!avx2_available())
        GTEST_SKIP() << "no AVX2";
    std::mt19937 rng(seed);
    const std::vector<std::array<int64_t, 3>> shapes = {{4, 1, 1},   {4, 16, 2},   {5, 17, 3},
                                                        {6, 33, 0},  {7, 15, 31},  {13, 40, 64},
                                                        {100, 3, 9}, {97, 50, 257}};
    for (auto [m, n, k] : shapes)
    {
        std::vector<int16_t> a(static_cast<size_t>(m * k));
        std::vector<TB> b(static_cast<size_t>(k * n));
        for (auto& x : a)
            x = static_cast<int16_t>(rng() % 4 == 0 ? (rng() % 2 ? 255 : -255)
                                                    : static_cast<int32_t>(rng() % 511) - 255);
        for (auto& x : b)
            x = static_cast<TB>(rng() % 4 == 0 ? (rng() % 2 ? hi : lo)
                                               : lo + static_cast<int64_t>(rng() % (hi - lo + 1)));
        // Rows of A span at most 255 (zero-point-subtracted 8-bit values), as the VNNI
        // kernel requires; even rows sit at the top of the int16 range, odd at the bottom.
        for (int64_t i = 0; i < m; ++i)
            for (int64_t p = 0; p < k; ++p)
            {
                auto& x = a[static_cast<size_t>(i * k + p)];
                x = static_cast<int16_t>(i % 2 ? std::min<int32_t>(x, 0) : std::max<int32_t>(x, 0));
            }
        std::vector<uint32_t> want(static_cast<size_t>(m * n));
        for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j)
            {
                uint32_t sum = 0;
                for (int64_t p = 0; p < k; ++p)
                    sum += static_cast<uint32_t>(int32_t{a[static_cast<size_t>(i * k + p)]} *
                                                 int32_t{b[static_cast<size_t>(p * n + j)]});
                want[static_cast<size_t>(i * n + j)] = sum;
            }
        std::vector<uint32_t> c(static_cast<size_t>(m * n), 12345u);
        igemm_avx2(m, n, k, a.data(), b.data(), c.data());
        ASSERT_EQ(c, want) << "avx2 " << m << "x" << n << "x" << k;
        if (vnni_available())
        {
            // int16 B must span at most 255 (Conv's columns do); wider B is refused.
            bool fits = true;
            if (!b.empty())
            {
                const auto [lo_b, hi_b] = std::minmax_element(b.begin(), b.end());
                fits = int32_t{*hi_b} - int32_t{*lo_b} <= 255;
            }
            std::fill(c.begin(), c.end(), 12345u);
            ASSERT_EQ(igemm_vnni(m, n, k, a.data(), b.data(), c.data()), fits);
            if (fits)
            {
                ASSERT_EQ(c, want) << "vnni " << m << "x" << n << "x" << k;
            }
            // A row spanning more than 255 is refused, leaving c alone.
            if (k >= 2)
            {
                auto wide = a;
                wide[0] = 255;
                wide[1] = -255;
                std::fill(c.begin(), c.end(), 7u);
                EXPECT_FALSE(igemm_vnni(m, n, k, wide.data(), b.data(), c.data()));
                EXPECT_EQ(c[0], 7u);
            }
        }
    }
}

TEST(MlKernels, IgemmAvx2Int8)
{
    check_igemm<int8_t>(-128, 127, 1);
}

TEST(MlKernels, IgemmAvx2Uint8)
{
    check_igemm<uint8_t>(0, 255, 2);
}

TEST(MlKernels, IgemmAvx2Int16)
{
    check_igemm<int16_t>(-255, 255, 3);
    check_igemm<int16_t>(-200, 55, 4);
    check_igemm<int16_t>(0, 255, 5);
}

TEST(MlKernels, RequantizeAvx2MatchesRequantizeFloat)
{
    if (!avx2_available())
        GTEST_SKIP() << "no AVX2";
    std::mt19937 rng(9);
    const float inf = std::numeric_limits<float>::infinity();
    const float nan = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> scales = {0.0f, 1.0f, 0.5f, 0.25f, 1e-3f, 3.7e-2f, 1e30f,
                                 inf,  -inf, nan,  -0.5f, 1.5f,  1e-45f,  2.0f};
    for (int i = 0; i < 50; ++i)
        scales.push_back(std::ldexp(static_cast<float>(rng() % 10000) / 10000.0f,
                                    -static_cast<int>(rng() % 20)));
    const int32_t imax = std::numeric_limits<int32_t>::max();
    const int32_t imin = std::numeric_limits<int32_t>::min();
    std::vector<int32_t> acc = {0, 1, -1, 2, 3, -3, 5, imax, imin, 255, 256, -129, 1 << 24};
    while (acc.size() < 203)
        acc.push_back(static_cast<int32_t>(rng() % 2 ? rng() : (rng() % 100000)) -
                      (rng() % 2 ? 50000 : 0));
    for (auto [zp, qmin, qmax] : std::vector<std::array<int32_t, 3>>{{0, 0, 255},
                                                                     {128, 0, 255},
                                                                     {255, 0, 255},
                                                                     {0, -128, 127},
                                                                     {-128, -128, 127},
                                                                     {17, -128, 127}})
        for (int32_t add : {0, 7, -1000, imin})
            for (int64_t step : {int64_t{0}, int64_t{1}})
                for (size_t s0 = 0; s0 < scales.size(); ++s0)
                {
                    std::vector<float> sc(acc.size());
                    for (size_t j = 0; j < sc.size(); ++j)
                        sc[j] = scales[(s0 + j) % scales.size()];
                    std::vector<uint8_t> got(acc.size(), 0xAA);
                    requantize_avx2(acc.data(), add, sc.data(), step,
                                    static_cast<int64_t>(acc.size()), zp, qmin, qmax, got.data());
                    for (size_t j = 0; j < acc.size(); ++j)
                    {
                        const auto a = static_cast<int32_t>(static_cast<uint32_t>(acc[j]) +
                                                            static_cast<uint32_t>(add));
                        const auto want = static_cast<uint8_t>(
                            requantize_float(a, sc[step ? j : 0], zp, qmin, qmax));
                        ASSERT_EQ(got[j], want) << "acc " << a << " scale " << sc[step ? j : 0]
                                                << " zp " << zp << " j " << j;
                    }
                }
    // Exact ties round to even.
    std::vector<int32_t> ties = {1, 3, 5, 7, -1, -3, -5, -7, 9};
    std::vector<uint8_t> got(ties.size());
    const float half = 0.5f;
    requantize_avx2(ties.data(), 0, &half, 0, static_cast<int64_t>(ties.size()), 0, -128, 127,
                    got.data());
    for (size_t j = 0; j < ties.size(); ++j)
        EXPECT_EQ(got[j], static_cast<uint8_t>(requantize_float(ties[j], half, 0, -128, 127)));
}

}  // namespace
}  // namespace tern::ml
