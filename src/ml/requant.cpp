#include "ml/requant.hpp"

#include <gemmlowp/fixedpoint/fixedpoint.h>

#include <algorithm>
#include <cmath>

namespace tern::ml {

float round_half_even(float v) noexcept
{
    if (std::isnan(v))
        return 0.0f;
    const float f = std::floor(v);  // exact
    const float d = v - f;          // exact: v and f are within one unit
    if (d > 0.5f)
        return f + 1.0f;
    if (d < 0.5f)
        return f;
    return std::fmod(f, 2.0f) == 0.0f ? f : f + 1.0f;
}

int32_t requantize_float(int32_t acc, float scale, int32_t zp, int32_t qmin, int32_t qmax) noexcept
{
    float v = static_cast<float>(acc) * scale;
    if (std::isnan(v))
        return std::clamp(zp, qmin, qmax);
    v = std::clamp(v, static_cast<float>(qmin - zp), static_cast<float>(qmax - zp));
    return static_cast<int32_t>(round_half_even(v)) + zp;
}

FixedMultiplier quantize_multiplier(double real) noexcept
{
    if (!(real > 0.0) || !(real < 2147483648.0))
        return {};
    int shift = 0;
    const double q = std::frexp(real, &shift);  // real = q * 2^shift, q in [0.5, 1)
    auto q_fixed = static_cast<int64_t>(std::round(q * 2147483648.0));
    if (q_fixed == (int64_t{1} << 31))
    {
        q_fixed /= 2;
        ++shift;
    }
    if (shift < -31)
        return {};  // below 2^-31: rounds to zero
    return {static_cast<int32_t>(q_fixed), shift};
}

int32_t requantize_fixed(int32_t acc,
                         FixedMultiplier m,
                         int32_t zp,
                         int32_t qmin,
                         int32_t qmax) noexcept
{
    const int left = m.shift > 0 ? m.shift : 0;
    const int right = m.shift > 0 ? 0 : -m.shift;
    // acc * 2^left saturated to int32 (gemmlowp shifts with saturation too).
    const int64_t shifted = static_cast<int64_t>(acc) * (int64_t{1} << std::min(left, 31));
    const auto x = static_cast<int32_t>(std::clamp<int64_t>(shifted, INT32_MIN, INT32_MAX));
    const int32_t hi = gemmlowp::SaturatingRoundingDoublingHighMul(x, m.multiplier);
    const int32_t r = gemmlowp::RoundingDivideByPOT(hi, right);
    return static_cast<int32_t>(std::clamp<int64_t>(int64_t{r} + zp, qmin, qmax));
}

}  // namespace tern::ml
