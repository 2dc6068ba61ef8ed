#pragma once

// IEEE float16 and bfloat16 bit patterns widened to float32. Every value of both formats is
// exactly a float32 value, so models stored with half-precision weights are converted once at
// load without rounding, and compute in float32 (integer bit manipulation only: exact and the
// same on every CPU).

#include <bit>
#include <cstdint>

namespace tern::ml {

/// The float32 equal to the bfloat16 with these bits (the top half of a float32).
constexpr float bfloat16_to_float(uint16_t bits) noexcept
{
    return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16);
}

/// The float32 equal to the IEEE binary16 with these bits: normal, subnormal, zero, infinity,
/// and NaN (its payload kept in the top mantissa bits).
constexpr float float16_to_float(uint16_t bits) noexcept
{
    const uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
    const uint32_t exp = (bits >> 10) & 0x1fu;
    uint32_t mant = bits & 0x3ffu;
    if (exp == 0x1f)  // infinity or NaN
        return std::bit_cast<float>(sign | 0x7f800000u | (mant << 13));
    if (exp != 0)  // normal: rebias 15 -> 127
        return std::bit_cast<float>(sign | ((exp + 112) << 23) | (mant << 13));
    if (mant == 0)
        return std::bit_cast<float>(sign);  // signed zero
    // Subnormal: value = mant x 2^-24; normalize it.
    int e = -1;
    do
    {
        ++e;
        mant <<= 1;
    } while ((mant & 0x400u) == 0);
    return std::bit_cast<float>(sign | static_cast<uint32_t>(112 - e) << 23 |
                                ((mant & 0x3ffu) << 13));
}

}  // namespace tern::ml
