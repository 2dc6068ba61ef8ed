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
#include <type_traits>
#include <vector>

#if defined(__x86_64__)
#    include <immintrin.h>
#endif

namespace tern::ml {

#if defined(__x86_64__)

#    define TERN_AVX2 __attribute__((target("avx2")))

namespace {

/// A per-thread packing buffer reused from call to call (a fresh allocation of a few hundred
/// KiB per GEMM costs page faults) of n elements, zero-filled unless the caller writes them
/// all. Buffers over 4 MiB are given back at the next smaller request. Tag keeps the buffers
/// of one kernel apart.
template <typename T, int Tag>
std::vector<T>& scratch(size_t n, bool zero = true)
{
    constexpr size_t kKeep = (size_t{4} << 20) / sizeof(T);
    thread_local std::vector<T> v;
    if (v.capacity() > kKeep && n <= kKeep)
        std::vector<T>().swap(v);
    if (zero)
        v.assign(n, T{});
    else
        v.resize(n);  // the caller overwrites every element
    return v;
}

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

/// Stores one row of a 16-column tile (only `cols` columns).
TERN_AVX2 inline void store_int_row(uint32_t* cr, __m256i lo, __m256i hi, int64_t cols)
{
    if (cols == kCols)
    {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(cr), lo);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(cr + 8), hi);
        return;
    }
    alignas(32) uint32_t t[kCols];
    _mm256_store_si256(reinterpret_cast<__m256i*>(t), lo);
    _mm256_store_si256(reinterpret_cast<__m256i*>(t + 8), hi);
    std::memcpy(cr, t, static_cast<size_t>(cols) * sizeof(uint32_t));
}

/// c (R x cols, row stride ldc) = R rows of packed A pairs (ap, lda words per row) times the
/// packed panel bp (kp pairs x 16 columns x 2 int16). The accumulators are named variables
/// (an array of vectors made GCC keep them on the stack).
template <int R>
TERN_AVX2 void int_tile(int64_t kp,
                        const int32_t* ap,
                        int64_t lda,
                        const int16_t* bp,
                        uint32_t* c,
                        int64_t ldc,
                        int64_t cols)
{
    __m256i l0 = _mm256_setzero_si256(), h0 = l0, l1 = l0, h1 = l0, l2 = l0, h2 = l0, l3 = l0,
            h3 = l0, l4 = l0, h4 = l0, l5 = l0, h5 = l0;
    for (int64_t q = 0; q < kp; ++q)
    {
        const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bp + q * 32));
        const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bp + q * 32 + 16));
#    define TERN_INT_ROW(r)                                           \
        if constexpr (R > r)                                          \
        {                                                             \
            const __m256i av = _mm256_set1_epi32(ap[r * lda + q]);    \
            l##r = _mm256_add_epi32(l##r, _mm256_madd_epi16(av, b0)); \
            h##r = _mm256_add_epi32(h##r, _mm256_madd_epi16(av, b1)); \
        }
        TERN_INT_ROW(0)
        TERN_INT_ROW(1)
        TERN_INT_ROW(2)
        TERN_INT_ROW(3)
        TERN_INT_ROW(4)
        TERN_INT_ROW(5)
#    undef TERN_INT_ROW
    }
    store_int_row(c, l0, h0, cols);
    if constexpr (R > 1)
        store_int_row(c + ldc, l1, h1, cols);
    if constexpr (R > 2)
        store_int_row(c + 2 * ldc, l2, h2, cols);
    if constexpr (R > 3)
        store_int_row(c + 3 * ldc, l3, h3, cols);
    if constexpr (R > 4)
        store_int_row(c + 4 * ldc, l4, h4, cols);
    if constexpr (R > 5)
        store_int_row(c + 5 * ldc, l5, h5, cols);
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
    auto& bp = scratch<int16_t, 3>(static_cast<size_t>(panels * kp * 2 * kCols),
                                   n % kCols != 0 || k % 2 != 0);
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
    auto& ap = scratch<int32_t, 4>(static_cast<size_t>(m * kp), false);
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

#    define TERN_VNNI __attribute__((target("avx2,avx512f,avx512vnni")))

constexpr int64_t kVnniCols = 32;  // VNNI tile columns (two vectors of 16 int32)

/// Stores one row of a 32-column VNNI tile (only `cols` columns, masked).
TERN_VNNI inline void store_vnni_row(uint32_t* cr, __m512i lo, __m512i hi, int64_t cols)
{
    if (cols == kVnniCols)
    {
        _mm512_storeu_si512(cr, lo);
        _mm512_storeu_si512(cr + 16, hi);
        return;
    }
    const int64_t nl = std::min<int64_t>(cols, 16);
    const int64_t nh = cols - nl;
    _mm512_mask_storeu_epi32(cr, static_cast<__mmask16>((1u << nl) - 1u), lo);
    if (nh > 0)
        _mm512_mask_storeu_epi32(cr + 16, static_cast<__mmask16>((1u << nh) - 1u), hi);
}

/// c (R x cols) = R rows of packed A quads (ap: 4 unsigned bytes per word, lda words per row)
/// times the packed panel bp (kq quads x 32 columns x 4 signed bytes), with 512-bit vpdpbusd:
/// each lane adds u[k] s[k] + ... + u[k+3] s[k+3] (exact in int32) to its wrapping
/// accumulator.
template <int R>
TERN_VNNI void vnni_tile(int64_t kq,
                         const int32_t* ap,
                         int64_t lda,
                         const int8_t* bp,
                         uint32_t* c,
                         int64_t ldc,
                         int64_t cols)
{
    __m512i l0 = _mm512_setzero_si512(), h0 = l0, l1 = l0, h1 = l0, l2 = l0, h2 = l0, l3 = l0,
            h3 = l0, l4 = l0, h4 = l0, l5 = l0, h5 = l0;
    for (int64_t q = 0; q < kq; ++q)
    {
        const __m512i b0 = _mm512_loadu_si512(bp + q * 128);
        const __m512i b1 = _mm512_loadu_si512(bp + q * 128 + 64);
#    define TERN_VNNI_ROW(r)                                       \
        if constexpr (R > r)                                       \
        {                                                          \
            const __m512i av = _mm512_set1_epi32(ap[r * lda + q]); \
            l##r = _mm512_dpbusd_epi32(l##r, av, b0);              \
            h##r = _mm512_dpbusd_epi32(h##r, av, b1);              \
        }
        TERN_VNNI_ROW(0)
        TERN_VNNI_ROW(1)
        TERN_VNNI_ROW(2)
        TERN_VNNI_ROW(3)
        TERN_VNNI_ROW(4)
        TERN_VNNI_ROW(5)
#    undef TERN_VNNI_ROW
    }
    store_vnni_row(c, l0, h0, cols);
    if constexpr (R > 1)
        store_vnni_row(c + ldc, l1, h1, cols);
    if constexpr (R > 2)
        store_vnni_row(c + 2 * ldc, l2, h2, cols);
    if constexpr (R > 3)
        store_vnni_row(c + 3 * ldc, l3, h3, cols);
    if constexpr (R > 4)
        store_vnni_row(c + 4 * ldc, l4, h4, cols);
    if constexpr (R > 5)
        store_vnni_row(c + 5 * ldc, l5, h5, cols);
}

/// Dispatches a VNNI tile of 1..6 rows.
TERN_VNNI void vnni_tile_rows(int64_t rows,
                              int64_t kq,
                              const int32_t* ap,
                              int64_t lda,
                              const int8_t* bp,
                              uint32_t* c,
                              int64_t ldc,
                              int64_t cols)
{
    switch (rows)
    {
        case 6:
            vnni_tile<6>(kq, ap, lda, bp, c, ldc, cols);
            break;
        case 5:
            vnni_tile<5>(kq, ap, lda, bp, c, ldc, cols);
            break;
        case 4:
            vnni_tile<4>(kq, ap, lda, bp, c, ldc, cols);
            break;
        case 3:
            vnni_tile<3>(kq, ap, lda, bp, c, ldc, cols);
            break;
        case 2:
            vnni_tile<2>(kq, ap, lda, bp, c, ldc, cols);
            break;
        default:
            vnni_tile<1>(kq, ap, lda, bp, c, ldc, cols);
            break;
    }
}

/// Minimum and maximum of n >= 1 values (plain loops, so they vectorize).
template <typename T>
TERN_VNNI void span_of(const T* v, int64_t n, int32_t& lo, int32_t& hi)
{
    T mn = v[0];
    T mx = v[0];
    for (int64_t i = 1; i < n; ++i)
    {
        mn = v[i] < mn ? v[i] : mn;
        mx = v[i] > mx ? v[i] : mx;
    }
    lo = mn;
    hi = mx;
}

/// Packs 4 rows (k..k+3, row stride n) of 32 byte columns into the VNNI layout [column][4]
/// as signed bytes (uint8 minus 128 is the byte with its top bit flipped): two byte and one
/// word unpack interleave the rows within 128-bit lanes, and the lane swaps put the columns
/// back in order.
TERN_VNNI void pack_quad(const void* src, int64_t n, bool is_signed, int8_t* dst)
{
    const auto* s = static_cast<const uint8_t*>(src);
    const __m256i flip = _mm256_set1_epi8(is_signed ? 0 : static_cast<char>(0x80));
    const __m256i r0 =
        _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(s)), flip);
    const __m256i r1 =
        _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + n)), flip);
    const __m256i r2 =
        _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + 2 * n)), flip);
    const __m256i r3 =
        _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + 3 * n)), flip);
    const __m256i t0 = _mm256_unpacklo_epi8(r0, r1);  // columns 0-7 | 16-23, rows 0 1
    const __m256i t1 = _mm256_unpackhi_epi8(r0, r1);  // columns 8-15 | 24-31
    const __m256i t2 = _mm256_unpacklo_epi8(r2, r3);  // rows 2 3
    const __m256i t3 = _mm256_unpackhi_epi8(r2, r3);
    const __m256i q0 = _mm256_unpacklo_epi16(t0, t2);  // columns 0-3 | 16-19, rows 0-3
    const __m256i q1 = _mm256_unpackhi_epi16(t0, t2);  // 4-7 | 20-23
    const __m256i q2 = _mm256_unpacklo_epi16(t1, t3);  // 8-11 | 24-27
    const __m256i q3 = _mm256_unpackhi_epi16(t1, t3);  // 12-15 | 28-31
    auto* d = reinterpret_cast<__m256i*>(dst);
    _mm256_storeu_si256(d, _mm256_permute2x128_si256(q0, q1, 0x20));
    _mm256_storeu_si256(d + 1, _mm256_permute2x128_si256(q2, q3, 0x20));
    _mm256_storeu_si256(d + 2, _mm256_permute2x128_si256(q0, q1, 0x31));
    _mm256_storeu_si256(d + 3, _mm256_permute2x128_si256(q2, q3, 0x31));
}

/// The VNNI integer GEMM (see igemm_vnni in kernels.hpp): A_ik = u_ik + beta_i with u in
/// [0, 255] (beta_i the row minimum), B_kj = s_kj + gamma with s in [-128, 127], so
/// C_ij = sum u s + gamma U_i + beta_i S_j + k beta_i gamma, all modulo 2^32 (U_i, S_j: the
/// row sums of u and column sums of s). False when a row of A or B spans more than 255.
template <typename TB>
TERN_VNNI bool igemm_vnni_t(int64_t m,
                            int64_t n,
                            int64_t k,
                            const int16_t* a,
                            const TB* b,
                            uint32_t* c)
{
    if (m <= 0 || n <= 0)
        return true;
    int32_t gamma = 0;
    if constexpr (sizeof(TB) == 1)
    {
        gamma = std::is_signed_v<TB> ? 0 : 128;
    }
    else
    {
        int32_t lo = 0;
        int32_t hi = 0;
        if (k > 0)
            span_of(b, k * n, lo, hi);
        if (hi - lo > 255)
            return false;
        gamma = lo + 128;
    }
    std::vector<int32_t> beta(static_cast<size_t>(m), 0);
    for (int64_t i = 0; i < m; ++i)
    {
        if (k == 0)
            break;
        int32_t lo = 0;
        int32_t hi = 0;
        span_of(a + i * k, k, lo, hi);
        if (hi - lo > 255)
            return false;
        beta[static_cast<size_t>(i)] = lo;
    }
    const int64_t kq = (k + 3) / 4;
    const int64_t panels = (n + kVnniCols - 1) / kVnniCols;
    // B: s = b - gamma as signed bytes, [panel][quad][column][4]; column sums of s.
    auto& bp = scratch<int8_t, 0>(static_cast<size_t>(panels * kq * 4 * kVnniCols),
                                  n % kVnniCols != 0 || k % 4 != 0);
    std::vector<uint32_t> s_sum(static_cast<size_t>(n), 0);
    for (int64_t kk = 0; kk < k; ++kk)
    {
        const TB* src = b + kk * n;
        for (int64_t j = 0; j < n; ++j)
            s_sum[static_cast<size_t>(j)] += static_cast<uint32_t>(int32_t{src[j]} - gamma);
    }
    for (int64_t p = 0; p < panels; ++p)
    {
        const int64_t cols = std::min(kVnniCols, n - p * kVnniCols);
        int64_t kk = 0;
        if constexpr (sizeof(TB) == 1)
            if (cols == kVnniCols)
                for (; kk + 4 <= k; kk += 4)
                    pack_quad(b + kk * n + p * kVnniCols, n, std::is_signed_v<TB>,
                              bp.data() + (p * kq + kk / 4) * kVnniCols * 4);
        for (; kk < k; ++kk)
        {
            const TB* src = b + kk * n + p * kVnniCols;
            int8_t* d = bp.data() + ((p * kq + kk / 4) * kVnniCols) * 4 + kk % 4;
            for (int64_t j = 0; j < cols; ++j)
                d[4 * j] = static_cast<int8_t>(int32_t{src[j]} - gamma);
        }
    }
    // A: u = a - beta as unsigned bytes, 4 per word; row sums of u.
    auto& ap = scratch<int32_t, 1>(static_cast<size_t>(m * kq), k % 4 != 0);
    std::vector<uint32_t> u_sum(static_cast<size_t>(m), 0);
    for (int64_t i = 0; i < m; ++i)
    {
        // Two plain loops (narrowing, then the sum) so each vectorizes.
        auto* row = reinterpret_cast<uint8_t*>(ap.data() + i * kq);
        const int16_t* ar = a + i * k;
        const auto bi = static_cast<int16_t>(beta[static_cast<size_t>(i)]);
        for (int64_t kk = 0; kk < k; ++kk)
            row[kk] = static_cast<uint8_t>(ar[kk] - bi);
        uint32_t sum = 0;
        for (int64_t kk = 0; kk < k; ++kk)
            sum += row[kk];
        u_sum[static_cast<size_t>(i)] = sum;
    }
    for (int64_t i0 = 0; i0 < m; i0 += kRowBlock)
    {
        const int64_t i1 = std::min(m, i0 + kRowBlock);
        for (int64_t p = 0; p < panels; ++p)
        {
            const int64_t cols = std::min(kVnniCols, n - p * kVnniCols);
            const int8_t* panel = bp.data() + p * kq * 4 * kVnniCols;
            for (int64_t i = i0; i < i1; i += kFloatRows)
                vnni_tile_rows(std::min(kFloatRows, i1 - i), kq, ap.data() + i * kq, kq, panel,
                               c + i * n + p * kVnniCols, n, cols);
        }
    }
    const auto g = static_cast<uint32_t>(gamma);
    const auto kk = static_cast<uint32_t>(k);
    for (int64_t i = 0; i < m; ++i)
    {
        const auto bi = static_cast<uint32_t>(beta[static_cast<size_t>(i)]);
        const uint32_t row_term = g * u_sum[static_cast<size_t>(i)] + kk * bi * g;
        uint32_t* cr = c + i * n;
        for (int64_t j = 0; j < n; ++j)
            cr[j] += row_term + bi * s_sum[static_cast<size_t>(j)];
    }
    return true;
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
        b = row_major_b(K, N, b, b_rs, b_cs, packed);
        for (int64_t i = 0; i < M; ++i)
            float_row(N, K, a + i * a_rs, a_cs, b, b_rs, c + i * ldc);
        return;
    }
    const int64_t panels = (N + kCols - 1) / kCols;
    auto& bp = scratch<float, 2>(static_cast<size_t>(panels * K * kCols), N % kCols != 0);
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

namespace {

/// The constants of one requantization call.
struct RequantConsts
{
    __m256 lo, hi;
    __m256i zp, nan_value, add;
};

/// requantize_float on 8 lanes: int32 results in [qmin, qmax] (zp clamped for NaN).
TERN_AVX2 inline __m256i requant8(const int32_t* acc, __m256 s, const RequantConsts& k)
{
    const __m256i a =
        _mm256_add_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc)), k.add);
    __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(a), s);
    const __m256 nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
    // max/min give std::clamp's value for every non-NaN v (a -0 that becomes +0 rounds to the
    // same integer 0); NaN lanes are replaced below.
    v = _mm256_min_ps(_mm256_max_ps(v, k.lo), k.hi);
    v = _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m256i r = _mm256_add_epi32(_mm256_cvttps_epi32(v), k.zp);
    return _mm256_blendv_epi8(r, k.nan_value, _mm256_castps_si256(nan));
}

/// The scales of lanes j..j+7: one scale (step 0) or one per element (step 1).
TERN_AVX2 inline __m256 scales8(const float* scales, int64_t step, int64_t j)
{
    return step != 0 ? _mm256_loadu_ps(scales + j) : _mm256_set1_ps(scales[0]);
}

}  // namespace

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
    const RequantConsts k{_mm256_set1_ps(static_cast<float>(qmin - zp)),
                          _mm256_set1_ps(static_cast<float>(qmax - zp)), _mm256_set1_epi32(zp),
                          _mm256_set1_epi32(std::clamp(zp, qmin, qmax)), _mm256_set1_epi32(add)};
    int64_t j = 0;
    // 32 at a time: the results lie in [qmin, qmax], so the saturating packs (int32 -> int16
    // -> int8 or uint8) are exact and give each value's low byte; the dword permutation undoes
    // the packs' lane interleaving.
    const bool signed_out = qmin >= -128 && qmax <= 127;
    const bool unsigned_out = qmin >= 0 && qmax <= 255;
    if (signed_out || unsigned_out)
    {
        const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
        for (; j + 32 <= n; j += 32)
        {
            const __m256i r0 = requant8(acc + j, scales8(scales, scale_step, j), k);
            const __m256i r1 = requant8(acc + j + 8, scales8(scales, scale_step, j + 8), k);
            const __m256i r2 = requant8(acc + j + 16, scales8(scales, scale_step, j + 16), k);
            const __m256i r3 = requant8(acc + j + 24, scales8(scales, scale_step, j + 24), k);
            const __m256i p01 = _mm256_packs_epi32(r0, r1);
            const __m256i p23 = _mm256_packs_epi32(r2, r3);
            const __m256i b8 =
                signed_out ? _mm256_packs_epi16(p01, p23) : _mm256_packus_epi16(p01, p23);
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + j),
                                _mm256_permutevar8x32_epi32(b8, order));
        }
    }
    // Byte 0 of each int32 to the front of its 128-bit lane, then both lanes' words together.
    const __m256i bytes =
        _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8, 12,
                         -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m256i words = _mm256_setr_epi32(0, 4, 1, 1, 1, 1, 1, 1);
    for (; j + 8 <= n; j += 8)
    {
        const __m256i r = _mm256_permutevar8x32_epi32(
            _mm256_shuffle_epi8(requant8(acc + j, scales8(scales, scale_step, j), k), bytes),
            words);
        _mm_storel_epi64(reinterpret_cast<__m128i*>(out + j), _mm256_castsi256_si128(r));
    }
    for (; j < n; ++j)
    {
        const uint32_t a = static_cast<uint32_t>(acc[j]) + static_cast<uint32_t>(add);
        out[j] = static_cast<uint8_t>(
            requantize_float(static_cast<int32_t>(a), scales[j * scale_step], zp, qmin, qmax));
    }
}

bool vnni_available() noexcept
{
#    if defined(__GNUC__) || defined(__clang__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512vnni");
#    else
    return false;
#    endif
}

TERN_VNNI bool igemm_vnni(int64_t m,
                          int64_t n,
                          int64_t k,
                          const int16_t* a,
                          const int8_t* b,
                          uint32_t* c)
{
    return igemm_vnni_t(m, n, k, a, b, c);
}

TERN_VNNI bool igemm_vnni(int64_t m,
                          int64_t n,
                          int64_t k,
                          const int16_t* a,
                          const uint8_t* b,
                          uint32_t* c)
{
    return igemm_vnni_t(m, n, k, a, b, c);
}

TERN_VNNI bool igemm_vnni(int64_t m,
                          int64_t n,
                          int64_t k,
                          const int16_t* a,
                          const int16_t* b,
                          uint32_t* c)
{
    return igemm_vnni_t(m, n, k, a, b, c);
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
bool vnni_available() noexcept
{
    return false;
}
bool igemm_vnni(int64_t, int64_t, int64_t, const int16_t*, const int8_t*, uint32_t*)
{
    return false;
}
bool igemm_vnni(int64_t, int64_t, int64_t, const int16_t*, const uint8_t*, uint32_t*)
{
    return false;
}
bool igemm_vnni(int64_t, int64_t, int64_t, const int16_t*, const int16_t*, uint32_t*)
{
    return false;
}
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
