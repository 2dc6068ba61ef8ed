// Deterministic elementary functions (see detmath.hpp). Compiled with -ffp-contract=off and
// without fast-math (src/ml/CMakeLists.txt): every line below is a sequence of correctly
// rounded IEEE-754 double operations in source order.

#include "ml/detmath.hpp"

#include "ml/kernels.hpp"

#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace tern::ml::detmath {
namespace {

#include "ml/detmath_tables.inc"

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr float kInfF = std::numeric_limits<float>::infinity();
/// The one NaN every function returns (payloads and signs of NaNs differ between CPUs).
constexpr float kNaNf = std::bit_cast<float>(uint32_t{0x7fc00000});
constexpr double kNaN = std::bit_cast<double>(uint64_t{0x7ff8000000000000});

template <size_t N>
constexpr double horner(const double (&c)[N], double x) noexcept
{
    double p = c[0];
    for (size_t i = 1; i < N; ++i)
        p = p * x + c[i];
    return p;
}

/// Horner over the first M coefficients of c.
template <size_t M, size_t N>
constexpr double horner_first(const double (&c)[N], double x) noexcept
{
    static_assert(M <= N);
    double p = c[0];
    for (size_t i = 1; i < M; ++i)
        p = p * x + c[i];
    return p;
}

/// p * 2^k for k in [-1100, 1100], one rounding at the end for normal results.
double scale2(double p, int k) noexcept
{
    if (k > 1023)
    {
        p *= 0x1p1023;
        k -= 1023;
    }
    else if (k < -1000)
    {
        p *= 0x1p-600;
        k += 600;
    }
    return p * std::bit_cast<double>(static_cast<uint64_t>(k + 1023) << 52);
}

/// Nearest integer (halves away from zero) of |x| < 2^52, as a double.
double round_int(double x) noexcept
{
    return static_cast<double>(static_cast<int64_t>(x < 0 ? x - 0.5 : x + 0.5));
}

bool is_nan(double x) noexcept
{
    return x != x;
}

/// erf on |x| < 0.5: x * P(x^2), the Taylor series to 13 terms.
double erf_small(double x) noexcept
{
    return x * horner(kErfSmall, x * x);
}

/// erfc on x >= 0.5: exp(-x^2) * R(x), R a minimax polynomial on one of 14 pieces.
double erfc_pos(double x) noexcept
{
    constexpr size_t kPieces = sizeof(kErfcPieces) / sizeof(kErfcPieces[0]);
    if (!(x < 11.0))
        return 0.0;  // erfc(11) < 1e-54: below float's subnormals even times 2^64
    size_t i = x < 4.0 ? static_cast<size_t>((x - 0.5) * 2.0) : 7 + static_cast<size_t>(x - 4.0);
    if (i >= kPieces)
        i = kPieces - 1;
    const ErfcPiece& piece = kErfcPieces[i];
    // x^2 = hi + lo exactly (Dekker's product; no FMA), so e^-x^2 = e^-hi (1 - lo) keeps the
    // full precision where x^2 rounded would cost up to 7e-15 relative.
    const double c = 134217729.0 * x;  // 2^27 + 1
    const double xh = c - (c - x);
    const double xl = x - xh;
    const double hi = x * x;
    const double lo = ((xh * xh - hi) + 2.0 * xh * xl) + xl * xl;
    return exp_d(-hi) * (1.0 - lo) * horner(piece.coeffs, x - piece.center);
}

/// x = n pi/2 + r for a float x > pi/4 (finite): returns r in [-pi/4, pi/4] and sets quadrant
/// to n mod 4. Payne-Hanek reduction in integers: x = m 2^e (24-bit m), and x 2/pi mod 4 is
/// m times a 96-bit window of the bits of 2/pi (the bits before it only add whole turns), so the
/// fraction is known to 2^-70 of a quarter turn, far below the distance from any float to a
/// multiple of pi/2 (detmath_test checks sin and cos against the C library over all of float).
double reduce_pio2(float x, int& quadrant) noexcept
{
    __extension__ using U128 = unsigned __int128;
    __extension__ using I128 = __int128;
    const uint32_t u = std::bit_cast<uint32_t>(x);
    const uint64_t m = (u & 0x7fffffu) | 0x800000u;  // x is normal (> pi/4)
    const int e = static_cast<int>(u >> 23) - 150;   // x = m 2^e, -24 <= e <= 104
    // Bits s .. s+95 of 2/pi (bit i weighs 2^-(i+1)): P = m W, x 2/pi = P 2^-sh (mod 4).
    const int s = e >= 2 ? e - 2 : 0;
    const int sh = e >= 2 ? 94 : 96 - e;  // 94 .. 120
    const int q = s / 32;
    const U128 window = (U128{kTwoOverPiBits[q]} << 96) | (U128{kTwoOverPiBits[q + 1]} << 64) |
                        (U128{kTwoOverPiBits[q + 2]} << 32) | U128{kTwoOverPiBits[q + 3]};
    const U128 w = (window << (s % 32)) >> 32;
    U128 p = U128{m} * w;  // < 2^120
    p &= (U128{1} << (sh + 2)) - 1;
    const U128 n = (p + (U128{1} << (sh - 1))) >> sh;  // nearest multiple of pi/2: 0 .. 4
    const I128 f = static_cast<I128>(p) - static_cast<I128>(n << sh);
    quadrant = static_cast<int>(n & 3);
    // f 2^-sh quarter turns: the conversion is one correctly rounded IEEE operation, the scale
    // by 2^-sh exact.
    const double scale = std::bit_cast<double>(static_cast<uint64_t>(1023 - sh) << 52);
    return static_cast<double>(f) * scale * kPiOver2;
}

/// sin(x) for |x| > pi/4 or cos: the quadrant's polynomial, sign applied. `shift` is 0 for sin,
/// 1 for cos (cos x = sin(x + pi/2)).
double sincos_d(float x, int shift) noexcept
{
    const bool neg = (std::bit_cast<uint32_t>(x) >> 31) != 0;
    const float ax = neg ? -x : x;
    int n = 0;
    double r = ax;
    if (static_cast<double>(ax) > kPiOver2 * 0.5)
        r = reduce_pio2(ax, n);
    n = (n + shift) & 3;
    const double z = r * r;
    double v = (n & 1) ? horner(kCosCoeffs, z) : r * horner(kSinCoeffs, z);
    if (n & 2)
        v = -v;
    return neg && shift == 0 ? -v : v;  // sin is odd, cos even
}

}  // namespace

double exp_d(double x) noexcept
{
    if (is_nan(x))
        return kNaN;
    if (x > 709.782712893384)
        return kInf;
    if (x < -745.2)
        return 0.0;
    // x = k ln2 + r, |r| <= ln2/2; k * kLn2Hi is exact (29-bit constant, |k| < 2^11) and so is
    // x - k * kLn2Hi (both are multiples of x's ulp and the difference is below 1).
    const double kd = round_int(x * kLog2e);
    const double r = (x - kd * kLn2Hi) - kd * kLn2Lo;
    return scale2(horner(kExpCoeffs, r), static_cast<int>(kd));
}

double expm1_d(double x) noexcept
{
    if (x > -0.34657359027997264 && x < 0.34657359027997264)
        return x * horner_first<13>(kExpCoeffs, x);  // sum of x^n / n!, n = 1..13
    return exp_d(x) - 1.0;
}

double log_d(double x) noexcept
{
    if (is_nan(x) || x < 0)
        return kNaN;
    if (x == 0)
        return -kInf;
    if (x == kInf)
        return kInf;
    int e = 0;
    if (x < 0x1p-1022)
    {
        x *= 0x1p54;  // subnormal: make it normal
        e = -54;
    }
    const uint64_t bits = std::bit_cast<uint64_t>(x);
    e += static_cast<int>((bits >> 52) & 0x7ff) - 1023;
    double m = std::bit_cast<double>((bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
    if (m > 0x1.6a09e667f3bcdp+0)  // sqrt(2): keep m in (sqrt(1/2), sqrt(2)]
    {
        m *= 0.5;
        e += 1;
    }
    // log(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.1716:
    // 2s (1 + z/3 + z^2/5 + ... + z^12/25), z = s^2.
    constexpr double kOdd[] = {1.0 / 25, 1.0 / 23, 1.0 / 21, 1.0 / 19, 1.0 / 17, 1.0 / 15,
                               1.0 / 13, 1.0 / 11, 1.0 / 9,  1.0 / 7,  1.0 / 5,  1.0 / 3};
    const double f = m - 1.0;
    const double s = f / (2.0 + f);
    const double z = s * s;
    const double log_m = 2.0 * s + 2.0 * s * (z * horner(kOdd, z));
    const double ed = static_cast<double>(e);
    return ed * kLn2Hi + (ed * kLn2Lo + log_m);
}

double erf_d(double x) noexcept
{
    if (is_nan(x))
        return kNaN;
    const double ax = x < 0 ? -x : x;
    if (ax < 0.5)
        return erf_small(x);
    const double r = 1.0 - erfc_pos(ax);
    return x < 0 ? -r : r;
}

double erfc_d(double x) noexcept
{
    if (is_nan(x))
        return kNaN;
    if (x >= 0.5)
        return erfc_pos(x);
    if (x > -0.5)
        return 1.0 - erf_small(x);
    return 2.0 - erfc_pos(-x);
}

float exp(float x) noexcept
{
    if (x != x)
        return kNaNf;
    if (x > 88.72283172607421875f)  // the largest float whose e^x is below FLT_MAX
        return std::numeric_limits<float>::infinity();
    if (x < -104.0f)  // e^-104 < 2^-150: rounds to 0
        return 0.0f;
    return static_cast<float>(exp_d(x));
}

float log(float x) noexcept
{
    if (x != x)
        return kNaNf;
    const double r = log_d(x);
    return is_nan(r) ? kNaNf : static_cast<float>(r);
}

float tanh(float x) noexcept
{
    if (x != x)
        return kNaNf;
    const bool neg = (std::bit_cast<uint32_t>(x) >> 31) != 0;
    const double ax = neg ? -static_cast<double>(x) : static_cast<double>(x);
    double t = 1.0;
    if (ax < 10.0)  // 1 - tanh(10) < 2^-57: rounds to 1
    {
        // tanh(a) = (e^2a - 1) / (e^2a + 1) = em / (em + 2), em = expm1(2a).
        const double em = expm1_d(2.0 * ax);
        t = em / (em + 2.0);
    }
    return static_cast<float>(neg ? -t : t);
}

float erf(float x) noexcept
{
    if (x != x)
        return kNaNf;
    return static_cast<float>(erf_d(x));
}

float sigmoid(float x) noexcept
{
    if (x != x)
        return kNaNf;
    const double xd = x;
    if (xd >= 0)
        return static_cast<float>(1.0 / (1.0 + exp_d(-xd)));
    const double e = exp_d(xd);
    return static_cast<float>(e / (1.0 + e));
}

float gelu(float x) noexcept
{
    if (x != x)
        return kNaNf;
    const double xd = x;
    const double g = 0.5 * xd * erfc_d(-(xd * kSqrt1_2));
    return is_nan(g) ? kNaNf : static_cast<float>(g);  // NaN for x = -inf (as -inf * 0)
}

float gelu_tanh(float x) noexcept
{
    if (x != x)
        return kNaNf;
    const double xd = x;
    // 1 + tanh(u) = 2 / (1 + e^-2u), so x/2 (1 + tanh(u)) = x / (1 + e^-2u).
    const double u = kSqrt2OverPi * (xd + 0.044715 * (xd * xd * xd));
    const double g = xd / (1.0 + exp_d(-2.0 * u));
    return is_nan(g) ? kNaNf : static_cast<float>(g);
}

float sin(float x) noexcept
{
    if (x != x || x == kInfF || x == -kInfF)
        return kNaNf;
    return static_cast<float>(sincos_d(x, 0));
}

float cos(float x) noexcept
{
    if (x != x || x == kInfF || x == -kInfF)
        return kNaNf;
    return static_cast<float>(sincos_d(x, 1));
}

namespace {

/// The scalar function over the array, or the AVX2 version when the kernels are not scalar.
template <float (*F)(float), void (*FAvx2)(const float*, float*, size_t) noexcept>
void apply_n(const float* x, float* y, size_t n) noexcept
{
    if (kernel_isa() != KernelIsa::Scalar)
    {
        FAvx2(x, y, n);
        return;
    }
    for (size_t i = 0; i < n; ++i)
        y[i] = F(x[i]);
}

}  // namespace

void exp_n(const float* x, float* y, size_t n) noexcept
{
    apply_n<exp, exp_n_avx2>(x, y, n);
}

void tanh_n(const float* x, float* y, size_t n) noexcept
{
    apply_n<tanh, tanh_n_avx2>(x, y, n);
}

void erf_n(const float* x, float* y, size_t n) noexcept
{
    apply_n<erf, erf_n_avx2>(x, y, n);
}

void sigmoid_n(const float* x, float* y, size_t n) noexcept
{
    apply_n<sigmoid, sigmoid_n_avx2>(x, y, n);
}

void gelu_n(const float* x, float* y, size_t n) noexcept
{
    apply_n<gelu, gelu_n_avx2>(x, y, n);
}

void gelu_tanh_n(const float* x, float* y, size_t n) noexcept
{
    apply_n<gelu_tanh, gelu_tanh_n_avx2>(x, y, n);
}

}  // namespace tern::ml::detmath
