#pragma once

#include <cstddef>

// Deterministic elementary functions for the ML engine's float32 ops.
//
// The C library's expf/logf/tanhf/erff differ between libm versions, CPUs and vector widths,
// so two validators could compute different bits for the same model. These functions use only
// IEEE-754 basic operations (+ - * / and conversions, correctly rounded on every conforming
// CPU), evaluated in double precision in a fixed order, compiled without FMA contraction
// (-ffp-contract=off) or fast-math: the result bits depend on the input bits alone.
//
// Method (docs/ml.md "Deterministic float math"): each float32 function widens its argument to
// double, evaluates an approximation whose relative error is below 4e-15 (range reduction +
// Taylor/minimax polynomials whose constants src/ml/detmath_gen.py generated), and rounds the
// double once to float. The result is the correctly rounded float except in rare near-halfway
// cases (at most 1 ulp off; detmath_test.cpp checks dense sweeps against the C library in
// double). NaN in gives NaN out; infinities, signed zeros, subnormal inputs and results and
// overflow follow the C functions (exp(89) = inf, exp(-104) = 0, log(0) = -inf, log(-1) =
// NaN, tanh(-0) = -0, ...).

namespace tern::ml::detmath {

/// e^x.
float exp(float x) noexcept;
/// Natural logarithm; NaN for x < 0, -inf for ±0.
float log(float x) noexcept;
/// Hyperbolic tangent.
float tanh(float x) noexcept;
/// Error function.
float erf(float x) noexcept;
/// Logistic function 1 / (1 + e^-x), accurate in both tails.
float sigmoid(float x) noexcept;
/// Sine (radians); NaN for infinities. Exact argument reduction for every float (Payne-Hanek
/// with 256 bits of 2/pi), then Taylor polynomials on [-pi/4, pi/4].
float sin(float x) noexcept;
/// Cosine (radians); NaN for infinities. Same method as sin.
float cos(float x) noexcept;
/// GELU, exact form (ONNX Gelu approximate="none"): x/2 * (1 + erf(x/sqrt(2))), evaluated as
/// x/2 * erfc(-x/sqrt(2)) so the negative tail keeps its precision.
float gelu(float x) noexcept;
/// GELU, tanh form (ONNX Gelu approximate="tanh"): x/2 * (1 + tanh(sqrt(2/pi) (x + 0.044715
/// x^3))), evaluated as x / (1 + e^(-2u)) (the same value without cancellation).
float gelu_tanh(float x) noexcept;

// Double-precision kernels (relative error < 4e-15; used by the float functions and by ops
// that accumulate in double).

/// e^x in double; 0 below -745.2, inf above 709.8.
double exp_d(double x) noexcept;
/// e^x - 1 in double, accurate near 0.
double expm1_d(double x) noexcept;
/// Natural logarithm in double.
double log_d(double x) noexcept;
/// Error function in double.
double erf_d(double x) noexcept;
/// Complementary error function 1 - erf(x) in double, accurate in the right tail; 0 from
/// x = 11 on (erfc(11) < 1e-54, far below any float).
double erfc_d(double x) noexcept;

// Array versions: y[i] = f(x[i]) for i < n, the same bits as the scalar functions above for
// every input (x and y may be the same array, or not overlap at all). They run the AVX2 code of
// detmath_avx2.cpp when kernel_isa() (kernels.hpp) is not Scalar: 4 lanes evaluated in double
// with the scalar code's exact sequence of IEEE operations, both sides of every branch
// computed and the scalar code's side chosen per lane.

/// exp over an array.
void exp_n(const float* x, float* y, size_t n) noexcept;
/// tanh over an array.
void tanh_n(const float* x, float* y, size_t n) noexcept;
/// erf over an array.
void erf_n(const float* x, float* y, size_t n) noexcept;
/// sigmoid over an array.
void sigmoid_n(const float* x, float* y, size_t n) noexcept;
/// gelu (erf form) over an array.
void gelu_n(const float* x, float* y, size_t n) noexcept;
/// gelu_tanh over an array.
void gelu_tanh_n(const float* x, float* y, size_t n) noexcept;

/// AVX2 exp_n (detmath_avx2.cpp). Only call when avx2_available() (kernels.hpp).
void exp_n_avx2(const float* x, float* y, size_t n) noexcept;
/// AVX2 tanh_n. Only call when avx2_available().
void tanh_n_avx2(const float* x, float* y, size_t n) noexcept;
/// AVX2 erf_n. Only call when avx2_available().
void erf_n_avx2(const float* x, float* y, size_t n) noexcept;
/// AVX2 sigmoid_n. Only call when avx2_available().
void sigmoid_n_avx2(const float* x, float* y, size_t n) noexcept;
/// AVX2 gelu_n. Only call when avx2_available().
void gelu_n_avx2(const float* x, float* y, size_t n) noexcept;
/// AVX2 gelu_tanh_n. Only call when avx2_available().
void gelu_tanh_n_avx2(const float* x, float* y, size_t n) noexcept;

}  // namespace tern::ml::detmath
