#pragma once

// SIMD GEMM kernels with runtime dispatch. The engine is built for baseline x86-64; on CPUs
// with AVX2 the float and int8 GEMMs switch (once, at first use) to kernels compiled with
// __attribute__((target("avx2"))) in kernels_avx2.cpp. Both paths give the same bits:
//
//  * float: every output element is its own SIMD lane, summed k = 0, 1, ... from +0 with one
//    multiply then one add per step (no FMA), exactly like the scalar kernel;
//  * integer: int16 x int16 products summed in pairs (_mm256_madd_epi16, exact for operands
//    of magnitude <= 255) and accumulated modulo 2^32, which is exact in any order.
//
// Non-x86-64 builds compile the scalar path only.

#include <cstdint>
#include <vector>

namespace tern::ml {

/// The kernel set the GEMMs use.
enum class KernelIsa
{
    Scalar,  ///< portable C++ (what the compiler makes of it for the build's target)
    Avx2,    ///< AVX2 kernels (x86-64 CPUs that report avx2)
    /// AVX2, and the integer GEMM with AVX-512 VNNI's vpdpbusd on 256-bit vectors (CPUs that
    /// report avx512vnni and avx512vl)
    Avx2Vnni,
};

/// The kernel set in use: the best the CPU supports (checked once).
KernelIsa kernel_isa() noexcept;

/// Forces a kernel set (tests compare the paths bit for bit) and returns the previous one.
/// A set the CPU lacks falls back to the best one it has below it.
KernelIsa set_kernel_isa(KernelIsa isa) noexcept;

/// True when this build and CPU can run the AVX2 kernels.
bool avx2_available() noexcept;

/// True when this build and CPU can run the VNNI integer kernel (AVX2, AVX-512 VNNI and VL).
bool vnni_available() noexcept;

/// B(k, j) = b[k * b_rs + j * b_cs] (K x N) with contiguous rows, for the GEMMs' few-row path:
/// `b` itself when b_cs == 1, else B transposed once into `copy` (b_rs becomes N).
const float* row_major_b(int64_t K,
                         int64_t N,
                         const float* b,
                         int64_t& b_rs,
                         int64_t b_cs,
                         std::vector<float>& copy);

/// AVX2 float GEMM with sgemm's contract (ops_float.hpp) and a row stride ldc for C:
/// C[i * ldc + j] = sum over k ascending of A(i, k) * B(k, j). Only call when
/// avx2_available().
void sgemm_avx2(int64_t M,
                int64_t N,
                int64_t K,
                const float* a,
                int64_t a_rs,
                int64_t a_cs,
                const float* b,
                int64_t b_rs,
                int64_t b_cs,
                float* c,
                int64_t ldc);

/// AVX2 integer GEMM: c (m x n, row-major) = a (m x k, row-major, |a| <= 255) times b (k x n,
/// row-major), products summed modulo 2^32. Overloads for int8, uint8 and int16 (|b| <= 255)
/// B. Only call when avx2_available().
void igemm_avx2(int64_t m, int64_t n, int64_t k, const int16_t* a, const int8_t* b, uint32_t* c);
/// See the int8 overload.
void igemm_avx2(int64_t m, int64_t n, int64_t k, const int16_t* a, const uint8_t* b, uint32_t* c);
/// See the int8 overload.
void igemm_avx2(int64_t m, int64_t n, int64_t k, const int16_t* a, const int16_t* b, uint32_t* c);

/// VNNI integer GEMM, same contract and result as igemm_avx2, for A whose rows each span at
/// most 255 (true of zero-point-subtracted 8-bit values) and B spanning at most 255 (int16 B;
/// int8 and uint8 always do). Rows become unsigned bytes (minus the row minimum), B signed
/// bytes (minus 128 for uint8, minus min + 128 for int16), vpdpbusd sums four products per
/// lane, and the offsets are added back exactly modulo 2^32. Returns false (c untouched) when
/// a span is too wide. Only call when vnni_available().
bool igemm_vnni(int64_t m, int64_t n, int64_t k, const int16_t* a, const int8_t* b, uint32_t* c);
/// See the int8 overload.
bool igemm_vnni(int64_t m, int64_t n, int64_t k, const int16_t* a, const uint8_t* b, uint32_t* c);
/// See the int8 overload.
bool igemm_vnni(int64_t m, int64_t n, int64_t k, const int16_t* a, const int16_t* b, uint32_t* c);

/// AVX2 requantization, bit-identical to out[j] = requantize_float(acc[j] + add (wrapping),
/// scales[j * scale_step], zp, qmin, qmax) (requant.hpp) for j < n: float(acc) * scale,
/// clamp, round half to even (vroundps), + zp; a NaN product gives zp clamped. scale_step is
/// 0 (one scale) or 1 (a scale per element). Only call when avx2_available().
void requantize_avx2(const int32_t* acc,
                     int32_t add,
                     const float* scales,
                     int64_t scale_step,
                     int64_t n,
                     int32_t zp,
                     int32_t qmin,
                     int32_t qmax,
                     uint8_t* out);

}  // namespace tern::ml
