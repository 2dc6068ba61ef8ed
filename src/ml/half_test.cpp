// float16 and bfloat16 weights widened exactly to float32 (issue 14).

#include "ml/half.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace tern::ml {
namespace {

TEST(Half, Float16ValuesAreExact)
{
    EXPECT_EQ(float16_to_float(0x3c00), 1.0f);
    EXPECT_EQ(float16_to_float(0xc000), -2.0f);
    EXPECT_EQ(float16_to_float(0x3555), 0x1.554p-2f);  // 0.333251953125
    EXPECT_EQ(float16_to_float(0x7bff), 65504.0f);     // largest normal
    EXPECT_EQ(float16_to_float(0x0400), 0x1p-14f);     // smallest normal
    EXPECT_EQ(float16_to_float(0x0001), 0x1p-24f);     // smallest subnormal
    EXPECT_EQ(float16_to_float(0x03ff), 0x3ffp-24f);   // largest subnormal
    EXPECT_EQ(float16_to_float(0x8200), -0x200p-24f);
    EXPECT_EQ(float16_to_float(0x7c00), std::numeric_limits<float>::infinity());
    EXPECT_EQ(float16_to_float(0xfc00), -std::numeric_limits<float>::infinity());
    EXPECT_TRUE(std::isnan(float16_to_float(0x7e00)));
    EXPECT_TRUE(std::signbit(float16_to_float(0x8000)));
    EXPECT_EQ(float16_to_float(0x8000), 0.0f);
}

TEST(Half, EveryFloat16RoundTripsThroughItsDefinition)
{
    // value = (-1)^s x 2^(e-15) x (1 + m/1024), or 2^-14 x m/1024 for subnormals.
    for (uint32_t bits = 0; bits < 0x10000; ++bits)
    {
        const uint32_t e = (bits >> 10) & 0x1f, m = bits & 0x3ff;
        if (e == 0x1f)
            continue;
        const double mag = e == 0 ? std::ldexp(static_cast<double>(m), -24)
                                  : std::ldexp(1.0 + m / 1024.0, static_cast<int>(e) - 15);
        const double want = (bits & 0x8000) ? -mag : mag;
        ASSERT_EQ(static_cast<double>(float16_to_float(static_cast<uint16_t>(bits))), want)
            << std::hex << bits;
    }
}

TEST(Half, Bfloat16IsTheTopHalfOfAFloat32)
{
    EXPECT_EQ(bfloat16_to_float(0x3f80), 1.0f);
    EXPECT_EQ(bfloat16_to_float(0xc0a0), -5.0f);
    EXPECT_EQ(bfloat16_to_float(0x3eaa), 0x1.54p-2f);
    EXPECT_EQ(bfloat16_to_float(0x7f80), std::numeric_limits<float>::infinity());
}

}  // namespace
}  // namespace tern::ml
