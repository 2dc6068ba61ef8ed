#include "ml/requant.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>

using namespace tern::ml;

TEST(MlRequant, RoundHalfEven)
{
    EXPECT_EQ(round_half_even(0.5f), 0.0f);
    EXPECT_EQ(round_half_even(1.5f), 2.0f);
    EXPECT_EQ(round_half_even(2.5f), 2.0f);
    EXPECT_EQ(round_half_even(-0.5f), 0.0f);
    EXPECT_EQ(round_half_even(-1.5f), -2.0f);
    EXPECT_EQ(round_half_even(-2.4f), -2.0f);
    EXPECT_EQ(round_half_even(2.6f), 3.0f);
    EXPECT_EQ(round_half_even(16777216.0f), 16777216.0f);
    EXPECT_EQ(round_half_even(NAN), 0.0f);
}

TEST(MlRequant, FloatMethodSaturatesAndHandlesNaN)
{
    EXPECT_EQ(requantize_float(1000, 1.0f, 0, -128, 127), 127);
    EXPECT_EQ(requantize_float(-1000, 1.0f, 10, 0, 255), 0);
    EXPECT_EQ(requantize_float(5, 0.5f, 3, 0, 255), 5);  // 2.5 -> 2, + 3
    EXPECT_EQ(requantize_float(7, 0.5f, 3, 0, 255), 7);  // 3.5 -> 4, + 3
    EXPECT_EQ(requantize_float(0, INFINITY, 9, 0, 255), 9);
}

TEST(MlRequant, QuantizeMultiplier)
{
    auto m = quantize_multiplier(0.5);
    EXPECT_EQ(m.multiplier, 1 << 30);
    EXPECT_EQ(m.shift, 0);
    m = quantize_multiplier(0.25);
    EXPECT_EQ(m.multiplier, 1 << 30);
    EXPECT_EQ(m.shift, -1);
    m = quantize_multiplier(3.0);
    EXPECT_EQ(m.multiplier, 1610612736);  // 0.75 * 2^31
    EXPECT_EQ(m.shift, 2);
    EXPECT_EQ(requantize_fixed(100, quantize_multiplier(0.5), 0, -128, 127), 50);
    // gemmlowp rounds ties upward (-3.5 -> -3, 3.5 -> 4); the float method rounds to even.
    EXPECT_EQ(requantize_fixed(-7, quantize_multiplier(0.5), 0, -128, 127), -3);
    EXPECT_EQ(requantize_fixed(7, quantize_multiplier(0.5), 0, -128, 127), 4);
}

// The two methods agree except on near-ties: measure how often and by how much, for the
// multiplier range 8-bit models use.
TEST(MlRequant, FixedPointVersusFloat)
{
    std::mt19937 rng(42);
    std::uniform_int_distribution<int32_t> acc_dist(-(1 << 16), 1 << 16);
    std::uniform_real_distribution<float> log_scale(-16.0f, -6.0f);
    const int trials = 200000;
    int differ = 0;
    int max_diff = 0;
    for (int t = 0; t < trials; ++t)
    {
        const float a_scale = std::exp2(log_scale(rng) / 2);
        const float b_scale = std::exp2(log_scale(rng) / 2);
        const float y_scale = 0.05f;
        const float scale = a_scale * b_scale / y_scale;
        const double real = static_cast<double>(a_scale) * b_scale / y_scale;
        const int32_t acc = acc_dist(rng);
        const int32_t f = requantize_float(acc, scale, 0, -128, 127);
        const int32_t x = requantize_fixed(acc, quantize_multiplier(real), 0, -128, 127);
        if (f != x)
        {
            ++differ;
            max_diff = std::max(max_diff, std::abs(f - x));
        }
    }
    std::printf("fixed point vs float32 requantization: %d of %d differ, max |diff| %d\n", differ,
                trials, max_diff);
    EXPECT_LE(max_diff, 1);
}
