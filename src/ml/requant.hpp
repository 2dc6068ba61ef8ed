#pragma once

// Requantization of int32 accumulators to 8-bit outputs. Two exact, deterministic methods:
//
//  * requantize_float (the one the ops use): ONNX Runtime's method on x86/ARM CPUs —
//    scale = fl(fl(a_scale * b_scale) / y_scale) in float32, y = round_half_even(
//    clamp(float(acc) * scale, qmin - zp, qmax - zp)) + zp. Every step is one IEEE-754
//    float32 operation, so results are bit-identical everywhere (no FMA: the module builds
//    with -ffp-contract=off) and match onnxruntime and ONNX's test data byte for byte.
//  * requantize_fixed: gemmlowp/TFLite fixed point — the real multiplier becomes an int32
//    mantissa and a shift (QuantizeMultiplier), then SaturatingRoundingDoublingHighMul and
//    RoundingDivideByPOT (gemmlowp/fixedpoint/fixedpoint.h). Pure integer arithmetic; differs
//    from the float method by at most 1 on rare ties (measured in requant_test.cpp).
//
// docs/ml.md "Quantized arithmetic" explains the choice.

#include <cstdint>

namespace tern::ml {

/// Round half to even of a float (independent of the FPU rounding mode); NaN gives 0.
float round_half_even(float v) noexcept;

/// ONNX Runtime's requantization: round_half_even(clamp(float(acc) * scale)) + zp, saturated
/// to [qmin, qmax]. A NaN product (scale NaN or inf * 0) yields zp.
int32_t requantize_float(int32_t acc, float scale, int32_t zp, int32_t qmin, int32_t qmax) noexcept;

/// A real multiplier in fixed point: multiplier * 2^shift / 2^31 ~= real.
struct FixedMultiplier
{
    /// Q31 mantissa in [2^30, 2^31) (0 for a zero multiplier).
    int32_t multiplier = 0;
    /// Power-of-two exponent: positive shifts left, negative right.
    int32_t shift = 0;
};

/// TFLite's QuantizeMultiplier for a real multiplier in [0, 2^31) (computed with exact double
/// operations: frexp, a power-of-two scaling and round-half-away-from-zero).
FixedMultiplier quantize_multiplier(double real) noexcept;

/// gemmlowp requantization: RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(
/// acc << left_shift, multiplier), right_shift) + zp, saturated to [qmin, qmax].
int32_t requantize_fixed(int32_t acc,
                         FixedMultiplier m,
                         int32_t zp,
                         int32_t qmin,
                         int32_t qmax) noexcept;

}  // namespace tern::ml
