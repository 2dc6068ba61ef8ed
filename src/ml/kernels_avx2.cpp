// AVX2 GEMM kernels (kernels.hpp). Every function that uses AVX2 carries
// __attribute__((target("avx2"))), so the rest of the build stays baseline x86-64 and these
// only run after kernel_isa() has checked the CPU.
//
// Float: B is packed into zero-padded panels of 16 columns (K x 16), A is read in place; a
// 6 x 16 register tile (12 accumulators) runs the whole k loop, k = 0, 1, ... with
// _mm256_mul_ps then _mm256_add_ps (never FMA), so each lane (one output element) sees the
// scalar kernel's exact operation sequence. Rows are blocked by 96 so a block of A stays in
// L2 while the panels stream; k is never split.
// Integer: B is packed into panels of 16 columns of int16 pairs (rows k, k+1 interleaved), A
// into int32 words holding (a[i][k], a[i][k+1]); _mm256_madd_epi16 gives a[k] b[k] +
// a[k+1] b[k+1] exactly (|a|, |b| <= 255) and _mm256_add_epi32 wraps like uint32.

#include "ml/kernels.hpp"
#include "ml/requant.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#if defined(__x86_64__)
#    include <immintrin.h>
#endif

namespace tern::ml {

#if defined(__x86_64__)

#    define TERN_AVX2 __attribute__((target("avx2")))

namespace {

constexpr int64_t kFloatRows = 6;  // float tile rows
constexpr int64_t kCols = 16;      // tile columns (two vectors of 8)
constexpr int64_t kRowBlock = 96;  // rows of A per cache block (a multiple of 6)

/// c (R x cols, row stride ldc) = rows of A (a, a_rs, a_cs) times the packed panel bp (K x 16).
template <int R>
TERN_AVX2 void float_tile(int64_t K,
                          const float* a,
                          int64_t a_rs,
                          int64_t a_cs,
                          const float* bp,
                          float* c,
                          int64_t ldc,
                          int64_t cols)
{
    __m256 lo[R];
    __m256 hi[R];
    for (int r = 0; r < R; ++r)
    {
        lo[r] = _mm256_setzero_ps();
        hi[r] = _mm256_setzero_ps();
    }
    for (int64_t k = 0; k < K; ++k)
    {
        const __m256 b0 = _mm256_loadu_ps(bp + k * kCols);
        const __m256 b1 = _mm256_loadu_ps(bp + k * kCols + 8);
        const float* ak = a + k * a_cs;
        for (int r = 0; r < R; ++r)
        {
            const __m256 av = _mm256_broadcast_ss(ak + r * a_rs);
            lo[r] = _mm256_add_ps(lo[r], _mm256_mul_ps(av, b0));
            hi[r] = _mm256_add_ps(hi[r], _mm256_mul_ps(av, b1));
        }
    }
    for (int r = 0; r < R; ++r)
    {
        float* cr = c + r * ldc;
        if (cols == kCols)
        {
            _mm256_storeu_ps(cr, lo[r]);
            _mm256_storeu_ps(cr + 8, hi[r]);
        }
        else
        {
            alignas(32) float t[kCols];
            _mm256_store_ps(t, lo[r]);
            _mm256_store_ps(t + 8, hi[r]);
            std::memcpy(cr, t, static_cast<size_t>(cols) * sizeof(float));
        }
    }
}

/// One row of C streaming B's rows (few rows: packing would cost as much as the product).
TERN_AVX2 void float_row(int64_t N,
                         int64_t K,
                         const float* a,
                         int64_t a_cs,
                         const float* b,
                         int64_t b_rs,
                         float* c)
{
    int64_t j = 0;
    for (; j + 32 <= N; j += 32)
    {
        __m256 acc0 = _mm256_setzero_ps();
        __m256 acc1 = _mm256_setzero_ps();
        __m256 acc2 = _mm256_setzero_ps();
        __m256 acc3 = _mm256_setzero_ps();
        for (int64_t k = 0; k < K; ++k)
        {
            const __m256 av = _mm256_broadcast_ss(a + k * a_cs);
            const float* br = b + k * b_rs + j;
            acc0 = _mm256_add_ps(acc0, _mm256_mul_ps(av, _mm256_loadu_ps(br)));
            acc1 = _mm256_add_ps(acc1, _mm256_mul_ps(av, _mm256_loadu_ps(br + 8)));
            acc2 = _mm256_add_ps(acc2, _mm256_mul_ps(av, _mm256_loadu_ps(br + 16)));
            acc3 = _mm256_add_ps(acc3, _mm256_mul_ps(av, _mm256_loadu_ps(br + 24)));
        }
        _mm256_storeu_ps(c + j, acc0);
        _mm256_storeu_ps(c + j + 8, acc1);
        _mm256_storeu_ps(c + j + 16, acc2);
        _mm256_storeu_ps(c + j + 24, acc3);
    }
    for (; j + 8 <= N; j += 8)
    {
        __m256 acc = _mm256_setzero_ps();
        for (int64_t k = 0; k < K; ++k)
            acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_broadcast_ss(a + k * a_cs),
                                                   _mm256_loadu_ps(b + k * b_rs + j)));
        _mm256_storeu_ps(c + j, acc);
    }
    for (; j < N; ++j)
    {
        // Scalar tail: the same multiply then add (the module builds with -ffp-contract=off).
        float acc = 0.0f;
        for (int64_t k = 0; k < K; ++k)
            acc += a[k * a_cs] * b[k * b_rs + j];
        c[j] = acc;
    }
}

/// Dispatches a float tile of 1..6 rows.
TERN_AVX2 void float_tile_rows(int64_t rows,
                               int64_t K,
                               const float* a,
                               int64_t a_rs,
                               int64_t a_cs,
                               const float* bp,
                               float* c,
                               int64_t ldc,
                               int64_t cols)
{
    switch (rows)
    {
        case 6:
            float_tile<6>(K, a, a_rs, a_cs, bp, c, ldc, cols);
            break;
        case 5:
            float_tile<5>(K, a, a_rs, a_cs, bp, c, ldc, cols);
            break;
        case 4:
            float_tile<4>(K, a, a_rs, a_cs, bp, c, ldc, cols);
            break;
        case 3:
            float_tile<3>(K, a, a_rs, a_cs, bp, c, ldc, cols);
            break;
        case 2:
            float_tile<2>(K, a, a_rs, a_cs, bp, c, ldc, cols);
            break;
        default:
            float_tile<1>(K, a, a_rs, a_cs, bp, c, ldc, cols);
            break;
    }
}

/// c (R x cols, row stride ldc) = R rows of packed A pairs (ap, lda words per row) times the
/// packed panel bp (kp pairs x 16 columns x 2 int16).
template <int R>
TERN_AVX2 void int_tile(int64_t kp,
                        const int32_t* ap,
                        int64_t lda,
                        const int16_t* bp,
                        uint32_t* c,
                        int64_t ldc,
                        int64_t cols)
{
    __m256i lo[R];
    __m256i hi[R];
    for (int r = 0; r < R; ++r)
    {
        lo[r] = _mm256_setzero_si256();
        hi[r] = _mm256_setzero_si256();
    }
    for (int64_t q = 0; q < kp; ++q)
    {
        const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bp + q * 32));
        const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bp + q * 32 + 16));
        for (int r = 0; r < R; ++r)
        {
            const __m256i av = _mm256_set1_epi32(ap[r * lda + q]);
            lo[r] = _mm256_add_epi32(lo[r], _mm256_madd_epi16(av, b0));
            hi[r] = _mm256_add_epi32(hi[r], _mm256_madd_epi16(av, b1));
        }
    }
    for (int r = 0; r < R; ++r)
    {
        uint32_t* cr = c + r * ldc;
        if (cols == kCols)
        {
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(cr), lo[r]);
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(cr + 8), hi[r]);
        }
        else
        {
            alignas(32) uint32_t t[kCols];
            _mm256_store_si256(reinterpret_cast<__m256i*>(t), lo[r]);
            _mm256_store_si256(reinterpret_cast<__m256i*>(t + 8), hi[r]);
            std::memcpy(cr, t, static_cast<size_t>(cols) * sizeof(uint32_t));
        }
    }
}

/// Dispatches an integer tile of 1..6 rows.
TERN_AVX2 void int_tile_rows(int64_t rows,
                             int64_t kp,
                             const int32_t* ap,
                             int64_t lda,
                             const int16_t* bp,
                             uint32_t* c,
                             int64_t ldc,
                             int64_t cols)
{
    switch (rows)
    {
        case 6:
            int_tile<6>(kp, ap, lda, bp, c, ldc, cols);
            break;
        case 5:
            int_tile<5>(kp, ap, lda, bp, c, ldc, cols);
            break;
        case 4:
            int_tile<4>(kp, ap, lda, bp, c, ldc, cols);
            break;
        case 3:
            int_tile<3>(kp, ap, lda, bp, c, ldc, cols);
            break;
        case 2:
            int_tile<2>(kp, ap, lda, bp, c, ldc, cols);
            break;
        default:
            int_tile<1>(kp, ap, lda, bp, c, ldc, cols);
            break;
    }
}

/// Packs, then runs the integer tiles (see the file comment).
template <typename TB>
TERN_AVX2 void igemm_packed(int64_t m,
                            int64_t n,
                            int64_t k,
                            const int16_t* a,
                            const TB* b,
                            uint32_t* c)
{
    if (m <= 0 || n <= 0)
        return;
    const int64_t kp = (k + 1) / 2;
    const int64_t panels = (n + kCols - 1) / kCols;
    std::vector<int16_t> bp(static_cast<size_t>(panels * kp * 2 * kCols), 0);
    for (int64_t p = 0; p < panels; ++p)
    {
        const int64_t cols = std::min(kCols, n - p * kCols);
        int16_t* dst = bp.data() + p * kp * 2 * kCols;
        for (int64_t kk = 0; kk < k; ++kk)
        {
            const TB* src = b + kk * n + p * kCols;
            int16_t* d = dst + (kk / 2) * 2 * kCols + (kk % 2);
            for (int64_t j = 0; j < cols; ++j)
                d[2 * j] = static_cast<int16_t>(src[j]);
        }
    }
    std::vector<int32_t> ap(static_cast<size_t>(m * kp));
    for (int64_t i = 0; i < m; ++i)
        for (int64_t q = 0; q < kp; ++q)
        {
            const auto lo = static_cast<uint16_t>(a[i * k + 2 * q]);
            const auto hi = static_cast<uint16_t>(2 * q + 1 < k ? a[i * k + 2 * q + 1] : 0);
            ap[static_cast<size_t>(i * kp + q)] =
                static_cast<int32_t>(static_cast<uint32_t>(lo) | (static_cast<uint32_t>(hi) << 16));
        }
    for (int64_t i0 = 0; i0 < m; i0 += kRowBlock)
    {
        const int64_t i1 = std::min(m, i0 + kRowBlock);
        for (int64_t p = 0; p < panels; ++p)
        {
            const int64_t cols = std::min(kCols, n - p * kCols);
            const int16_t* panel = bp.data() + p * kp * 2 * kCols;
            for (int64_t i = i0; i < i1; i += kFloatRows)
                int_tile_rows(std::min(kFloatRows, i1 - i), kp, ap.data() + i * kp, kp, panel,
                              c + i * n + p * kCols, n, cols);
        }
    }
}

}  // namespace

TERN_AVX2 void sgemm_avx2(int64_t M,
                          int64_t N,
                          int64_t K,
                          const float* a,
                          int64_t a_rs,
                          int64_t a_cs,
                          const float* b,
                          int64_t b_rs,
                          int64_t b_cs,
                          float* c,
                          int64_t ldc)
{
    if (M <= 0 || N <= 0)
        return;
    if (M < 4)
    {
        std::vector<float> packed;
        if (b_cs != 1)
        {
            // B is transposed: make it row-major K x N once.
            packed.resize(static_cast<size_t>(K * N));
            for (int64_t k = 0; k < K; ++k)
                for (int64_t j = 0; j < N; ++j)
                    packed[static_cast<size_t>(k * N + j)] = b[k * b_rs + j * b_cs];
            b = packed.data();
            b_rs = N;
        }
        for (int64_t i = 0; i < M; ++i)
            float_row(N, K, a + i * a_rs, a_cs, b, b_rs, c + i * ldc);
        return;
    }
    const int64_t panels = (N + kCols - 1) / kCols;
    std::vector<float> bp(static_cast<size_t>(panels * K * kCols), 0.0f);
    for (int64_t p = 0; p < panels; ++p)
    {
        float* dst = bp.data() + p * K * kCols;
        const int64_t cols = std::min(kCols, N - p * kCols);
        if (b_cs == 1)
            for (int64_t k = 0; k < K; ++k)
                std::memcpy(dst + k * kCols, b + k * b_rs + p * kCols,
                            static_cast<size_t>(cols) * sizeof(float));
        else
            for (int64_t k = 0; k < K; ++k)
                for (int64_t j = 0; j < cols; ++j)
                    dst[k * kCols + j] = b[k * b_rs + (p * kCols + j) * b_cs];
    }
    for (int64_t i0 = 0; i0 < M; i0 += kRowBlock)
    {
        const int64_t i1 = std::min(M, i0 + kRowBlock);
        for (int64_t p = 0; p < panels; ++p)
        {
            const int64_t cols = std::min(kCols, N - p * kCols);
            const float* panel = bp.data() + p * K * kCols;
            for (int64_t i = i0; i < i1; i += kFloatRows)
                float_tile_rows(std::min(kFloatRows, i1 - i), K, a + i * a_rs, a_rs, a_cs, panel,
                                c + i * ldc + p * kCols, ldc, cols);
        }
    }
}

TERN_AVX2 void igemm_avx2(int64_t m,
                          int64_t n,
                          int64_t k,
                          const int16_t* a,
                          const int8_t* b,
                          uint32_t* c)
{
    igemm_packed(m, n, k, a, b, c);
}

TERN_AVX2 void igemm_avx2(int64_t m,
                          int64_t n,
                          int64_t k,
                          const int16_t* a,
                          const uint8_t* b,
                          uint32_t* c)
{
    igemm_packed(m, n, k, a, b, c);
}

TERN_AVX2 void igemm_avx2(int64_t m,
                          int64_t n,
                          int64_t k,
                          const int16_t* a,
                          const int16_t* b,
                          uint32_t* c)
{
    igemm_packed(m, n, k, a, b, c);
}

TERN_AVX2 void requantize_avx2(const int32_t* acc,
                               int32_t add,
                               const float* scales,
                               int64_t scale_step,
                               int64_t n,
                               int32_t zp,
                               int32_t qmin,
                               int32_t qmax,
                               uint8_t* out)
{
    const __m256 lo = _mm256_set1_ps(static_cast<float>(qmin - zp));
    const __m256 hi = _mm256_set1_ps(static_cast<float>(qmax - zp));
    const __m256i zpv = _mm256_set1_epi32(zp);
    const __m256i nan_value = _mm256_set1_epi32(std::clamp(zp, qmin, qmax));
    const __m256i addv = _mm256_set1_epi32(add);
    // Byte 0 of each int32 to the front of its 128-bit lane, then both lanes' words together.
    const __m256i bytes =
        _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8, 12,
                         -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m256i words = _mm256_setr_epi32(0, 4, 1, 1, 1, 1, 1, 1);
    int64_t j = 0;
    for (; j + 8 <= n; j += 8)
    {
        const __m256i a =
            _mm256_add_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc + j)), addv);
        const __m256 s = scale_step != 0 ? _mm256_loadu_ps(scales + j) : _mm256_set1_ps(scales[0]);
        __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(a), s);
        const __m256 nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
        v = _mm256_blendv_ps(v, lo, _mm256_cmp_ps(v, lo, _CMP_LT_OQ));
        v = _mm256_blendv_ps(v, hi, _mm256_cmp_ps(hi, v, _CMP_LT_OQ));
        v = _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        __m256i r = _mm256_add_epi32(_mm256_cvttps_epi32(v), zpv);
        r = _mm256_blendv_epi8(r, nan_value, _mm256_castps_si256(nan));
        r = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(r, bytes), words);
        _mm_storel_epi64(reinterpret_cast<__m128i*>(out + j), _mm256_castsi256_si128(r));
    }
    for (; j < n; ++j)
    {
        const uint32_t a = static_cast<uint32_t>(acc[j]) + static_cast<uint32_t>(add);
        out[j] = static_cast<uint8_t>(
            requantize_float(static_cast<int32_t>(a), scales[j * scale_step], zp, qmin, qmax));
    }
}

#else  // not x86-64: never called (avx2_available() is false)

void sgemm_avx2(int64_t,
                int64_t,
                int64_t,
                const float*,
                int64_t,
                int64_t,
                const float*,
                int64_t,
                int64_t,
                float*,
                int64_t)
{}

void igemm_avx2(int64_t, int64_t, int64_t, const int16_t*, const int8_t*, uint32_t*) {}
void igemm_avx2(int64_t, int64_t, int64_t, const int16_t*, const uint8_t*, uint32_t*) {}
void igemm_avx2(int64_t, int64_t, int64_t, const int16_t*, const int16_t*, uint32_t*) {}
void requantize_avx2(const int32_t*,
                     int32_t,
                     const float*,
                     int64_t,
                     int64_t,
                     int32_t,
                     int32_t,
                     int32_t,
                     uint8_t*)
{}

#endif

}  // namespace tern::ml
