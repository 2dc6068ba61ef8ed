// AVX2 array versions of the detmath float functions (detmath.hpp, "Array versions"). Each
// function evaluates 4 floats at a time as 4 doubles, with exactly the scalar code's sequence
// of IEEE operations for every lane (detmath.cpp): the same constants, the same order of
// _mm256_mul_pd / _mm256_add_pd / _mm256_sub_pd / _mm256_div_pd (never FMA), truncation by
// _mm256_round_pd where the scalar code converts to an integer, and every branch computed on
// both sides then chosen per lane with the scalar code's own comparison (_mm256_blendv_pd).
// The piece tables of erfc are read with gathers from indices clamped into the table, so a
// lane whose value is discarded (NaN, infinity) never reads out of bounds. The results are the
// scalar functions' bits for every float (detmath_simd_test.cpp sweeps them). Every function
// carries __attribute__((target("avx2"))) and only runs after kernel_isa() checked the CPU.

#include "ml/detmath.hpp"

#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>

#if defined(__x86_64__)
#    include <immintrin.h>
#endif

namespace tern::ml::detmath {

#if defined(__x86_64__)

#    define TERN_AVX2 __attribute__((target("avx2")))

namespace {

#    include "ml/detmath_tables.inc"

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr size_t kPieces = sizeof(kErfcPieces) / sizeof(kErfcPieces[0]);
constexpr int64_t kPieceStride = sizeof(ErfcPiece) / sizeof(double);
static_assert(sizeof(ErfcPiece) % sizeof(double) == 0);

using V = __m256d;

TERN_AVX2 inline V set1(double v)
{
    return _mm256_set1_pd(v);
}

/// mask ? b : a per lane.
TERN_AVX2 inline V select(V mask, V b, V a)
{
    return _mm256_blendv_pd(a, b, mask);
}

TERN_AVX2 inline V lt(V a, V b)
{
    return _mm256_cmp_pd(a, b, _CMP_LT_OQ);
}

TERN_AVX2 inline V gt(V a, V b)
{
    return _mm256_cmp_pd(a, b, _CMP_GT_OQ);
}

TERN_AVX2 inline V ge(V a, V b)
{
    return _mm256_cmp_pd(a, b, _CMP_GE_OQ);
}

TERN_AVX2 inline V is_nan(V a)
{
    return _mm256_cmp_pd(a, a, _CMP_UNORD_Q);
}

/// -a (a sign flip, like the scalar unary minus).
TERN_AVX2 inline V neg(V a)
{
    return _mm256_xor_pd(a, set1(-0.0));
}

template <size_t N>
TERN_AVX2 inline V horner(const double (&c)[N], V x)
{
    V p = set1(c[0]);
    for (size_t i = 1; i < N; ++i)
        p = _mm256_add_pd(_mm256_mul_pd(p, x), set1(c[i]));
    return p;
}

template <size_t M, size_t N>
TERN_AVX2 inline V horner_first(const double (&c)[N], V x)
{
    static_assert(M <= N);
    V p = set1(c[0]);
    for (size_t i = 1; i < M; ++i)
        p = _mm256_add_pd(_mm256_mul_pd(p, x), set1(c[i]));
    return p;
}

/// round_int: static_cast<double>(static_cast<int64_t>(x < 0 ? x - 0.5 : x + 0.5)). The
/// truncation is _mm256_round_pd toward zero (the same integer for |x| < 2^52); + 0.0 turns
/// its -0 (for x in (-0.5, 0)) into the +0 the integer conversion gives.
TERN_AVX2 inline V round_int(V x)
{
    const V s = select(lt(x, set1(0.0)), _mm256_sub_pd(x, set1(0.5)), _mm256_add_pd(x, set1(0.5)));
    return _mm256_add_pd(_mm256_round_pd(s, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC), set1(0.0));
}

/// scale2(p, k) for integer-valued kd (lanes whose kd is garbage give garbage, never a fault).
TERN_AVX2 inline V scale2(V p, V kd)
{
    const V big = gt(kd, set1(1023.0));
    const V small = lt(kd, set1(-1000.0));
    p = select(big, _mm256_mul_pd(p, set1(0x1p1023)), p);
    kd = select(big, _mm256_sub_pd(kd, set1(1023.0)), kd);
    p = select(small, _mm256_mul_pd(p, set1(0x1p-600)), p);
    kd = select(small, _mm256_add_pd(kd, set1(600.0)), kd);
    const __m256i k = _mm256_cvtepi32_epi64(_mm256_cvtpd_epi32(kd));
    const __m256i bits = _mm256_slli_epi64(_mm256_add_epi64(k, _mm256_set1_epi64x(1023)), 52);
    return _mm256_mul_pd(p, _mm256_castsi256_pd(bits));
}

TERN_AVX2 V exp_d(V x)
{
    const V kd = round_int(_mm256_mul_pd(x, set1(kLog2e)));
    const V r = _mm256_sub_pd(_mm256_sub_pd(x, _mm256_mul_pd(kd, set1(kLn2Hi))),
                              _mm256_mul_pd(kd, set1(kLn2Lo)));
    V y = scale2(horner(kExpCoeffs, r), kd);
    y = select(lt(x, set1(-745.2)), set1(0.0), y);
    y = select(gt(x, set1(709.782712893384)), set1(kInf), y);
    return select(is_nan(x), x, y);  // NaN stays NaN (callers replace it with the canonical one)
}

TERN_AVX2 V expm1_d(V x)
{
    const V near0 =
        _mm256_and_pd(gt(x, set1(-0.34657359027997264)), lt(x, set1(0.34657359027997264)));
    const V series = _mm256_mul_pd(x, horner_first<13>(kExpCoeffs, x));
    const V viaexp = _mm256_sub_pd(exp_d(x), set1(1.0));
    return select(near0, series, viaexp);
}

TERN_AVX2 V erf_small(V x)
{
    return _mm256_mul_pd(x, horner(kErfSmall, _mm256_mul_pd(x, x)));
}

/// erfc_pos for lanes x >= 0.5 (other lanes: anything, read in bounds).
TERN_AVX2 V erfc_pos(V x)
{
    // i = x < 4 ? trunc((x - 0.5) * 2) : 7 + trunc(x - 4), then min(i, kPieces - 1); computed
    // in double (exact small integers), clamped to [0, kPieces - 1] so that NaN and out-of-range
    // lanes gather inside the table.
    const V trunc_lo = _mm256_round_pd(_mm256_mul_pd(_mm256_sub_pd(x, set1(0.5)), set1(2.0)),
                                       _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const V trunc_hi = _mm256_add_pd(
        set1(7.0),
        _mm256_round_pd(_mm256_sub_pd(x, set1(4.0)), _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC));
    V id = select(lt(x, set1(4.0)), trunc_lo, trunc_hi);
    id = _mm256_min_pd(id, set1(static_cast<double>(kPieces - 1)));
    id = _mm256_max_pd(id, set1(0.0));  // NaN -> 0 (max returns its second operand)
    const __m256i idx = _mm256_mul_epi32(_mm256_cvtepi32_epi64(_mm256_cvtpd_epi32(id)),
                                         _mm256_set1_epi64x(kPieceStride));
    const double* base = &kErfcPieces[0].center;
    const V center = _mm256_i64gather_pd(base, idx, 8);
    const V t = _mm256_sub_pd(x, center);
    constexpr size_t kCoeffs = sizeof(kErfcPieces[0].coeffs) / sizeof(double);
    V p = _mm256_i64gather_pd(&kErfcPieces[0].coeffs[0], idx, 8);
    for (size_t j = 1; j < kCoeffs; ++j)
        p = _mm256_add_pd(_mm256_mul_pd(p, t),
                          _mm256_i64gather_pd(&kErfcPieces[0].coeffs[j], idx, 8));
    const V c = _mm256_mul_pd(set1(134217729.0), x);
    const V xh = _mm256_sub_pd(c, _mm256_sub_pd(c, x));
    const V xl = _mm256_sub_pd(x, xh);
    const V hi = _mm256_mul_pd(x, x);
    const V lo = _mm256_add_pd(_mm256_add_pd(_mm256_sub_pd(_mm256_mul_pd(xh, xh), hi),
                                             _mm256_mul_pd(_mm256_mul_pd(set1(2.0), xh), xl)),
                               _mm256_mul_pd(xl, xl));
    const V y = _mm256_mul_pd(_mm256_mul_pd(exp_d(neg(hi)), _mm256_sub_pd(set1(1.0), lo)), p);
    return select(lt(x, set1(11.0)), y, set1(0.0));  // !(x < 11) -> 0, as the scalar code
}

TERN_AVX2 V erf_d(V x)
{
    const V ax = select(lt(x, set1(0.0)), neg(x), x);
    const V small = erf_small(x);
    const V r = _mm256_sub_pd(set1(1.0), erfc_pos(ax));
    const V big = select(lt(x, set1(0.0)), neg(r), r);
    const V y = select(lt(ax, set1(0.5)), small, big);
    return select(is_nan(x), x, y);
}

TERN_AVX2 V erfc_d(V x)
{
    // The scalar code takes erfc_pos(x) for x >= 0.5 and 2 - erfc_pos(-x) for x <= -0.5: both
    // are erfc_pos(|x|) (-x is |x| there), so it is evaluated once.
    const V pos = erfc_pos(_mm256_andnot_pd(set1(-0.0), x));
    const V mid = _mm256_sub_pd(set1(1.0), erf_small(x));
    const V negv = _mm256_sub_pd(set1(2.0), pos);
    const V y = select(ge(x, set1(0.5)), pos, select(gt(x, set1(-0.5)), mid, negv));
    return select(is_nan(x), x, y);
}

// The float functions on 4 lanes (widened inputs), NaN lanes not yet canonical.

TERN_AVX2 V exp4(V xd)
{
    V y = exp_d(xd);
    y = select(lt(xd, set1(-104.0)), set1(0.0), y);
    return select(gt(xd, set1(88.72283172607421875)), set1(kInf), y);
}

TERN_AVX2 V tanh4(V xd)
{
    const V sign = _mm256_and_pd(xd, set1(-0.0));
    const V ax = _mm256_xor_pd(xd, sign);  // neg ? -x : x
    const V em = expm1_d(_mm256_mul_pd(set1(2.0), ax));
    const V t =
        select(lt(ax, set1(10.0)), _mm256_div_pd(em, _mm256_add_pd(em, set1(2.0))), set1(1.0));
    return select(is_nan(xd), xd, _mm256_xor_pd(t, sign));  // neg ? -t : t; NaN stays NaN
}

TERN_AVX2 V erf4(V xd)
{
    return erf_d(xd);
}

TERN_AVX2 V sigmoid4(V xd)
{
    const V nonneg = ge(xd, set1(0.0));
    const V e = exp_d(select(nonneg, neg(xd), xd));
    const V one_e = _mm256_add_pd(set1(1.0), e);
    return select(nonneg, _mm256_div_pd(set1(1.0), one_e), _mm256_div_pd(e, one_e));
}

TERN_AVX2 V gelu4(V xd)
{
    const V e = erfc_d(neg(_mm256_mul_pd(xd, set1(kSqrt1_2))));
    return _mm256_mul_pd(_mm256_mul_pd(set1(0.5), xd), e);
}

TERN_AVX2 V gelu_tanh4(V xd)
{
    const V cube = _mm256_mul_pd(_mm256_mul_pd(xd, xd), xd);
    const V u =
        _mm256_mul_pd(set1(kSqrt2OverPi), _mm256_add_pd(xd, _mm256_mul_pd(set1(0.044715), cube)));
    const V e = exp_d(_mm256_mul_pd(set1(-2.0), u));
    return _mm256_div_pd(xd, _mm256_add_pd(set1(1.0), e));
}

/// y[i] = F4 on 4 lanes at a time, NaN results replaced by the canonical NaN (0x7fc00000, what
/// the scalar functions return), the last n % 4 through the scalar function.
template <V (*F4)(V), float (*F)(float)>
TERN_AVX2 void apply(const float* x, float* y, size_t n)
{
    const V qnan = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7ff8000000000000LL));
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
    {
        const V xd = _mm256_cvtps_pd(_mm_loadu_ps(x + i));
        V r = F4(xd);
        r = select(is_nan(r), qnan, r);
        _mm_storeu_ps(y + i, _mm256_cvtpd_ps(r));
    }
    for (; i < n; ++i)
        y[i] = F(x[i]);
}

}  // namespace

TERN_AVX2 void exp_n_avx2(const float* x, float* y, size_t n) noexcept
{
    apply<exp4, exp>(x, y, n);
}

TERN_AVX2 void tanh_n_avx2(const float* x, float* y, size_t n) noexcept
{
    apply<tanh4, tanh>(x, y, n);
}

TERN_AVX2 void erf_n_avx2(const float* x, float* y, size_t n) noexcept
{
    apply<erf4, erf>(x, y, n);
}

TERN_AVX2 void sigmoid_n_avx2(const float* x, float* y, size_t n) noexcept
{
    apply<sigmoid4, sigmoid>(x, y, n);
}

TERN_AVX2 void gelu_n_avx2(const float* x, float* y, size_t n) noexcept
{
    apply<gelu4, gelu>(x, y, n);
}

TERN_AVX2 void gelu_tanh_n_avx2(const float* x, float* y, size_t n) noexcept
{
    apply<gelu_tanh4, gelu_tanh>(x, y, n);
}

#else  // no AVX2 build: never called (avx2_available() is false)

void exp_n_avx2(const float* x, float* y, size_t n) noexcept
{
    for (size_t i = 0; i < n; ++i)
        y[i] = exp(x[i]);
}
void tanh_n_avx2(const float* x, float* y, size_t n) noexcept
{
    for (size_t i = 0; i < n; ++i)
        y[i] = tanh(x[i]);
}
void erf_n_avx2(const float* x, float* y, size_t n) noexcept
{
    for (size_t i = 0; i < n; ++i)
        y[i] = erf(x[i]);
}
void sigmoid_n_avx2(const float* x, float* y, size_t n) noexcept
{
    for (size_t i = 0; i < n; ++i)
        y[i] = sigmoid(x[i]);
}
void gelu_n_avx2(const float* x, float* y, size_t n) noexcept
{
    for (size_t i = 0; i < n; ++i)
        y[i] = gelu(x[i]);
}
void gelu_tanh_n_avx2(const float* x, float* y, size_t n) noexcept
{
    for (size_t i = 0; i < n; ++i)
        y[i] = gelu_tanh(x[i]);
}

#endif

}  // namespace tern::ml::detmath
