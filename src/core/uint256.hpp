#pragma once

// Fixed-width 256-bit unsigned integer for EVM words, balances and storage slots.
// Header-only so every operation can inline into the interpreter loop; no heap allocation.

#include "core/assert.hpp"
#include "core/bytes.hpp"

#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#if defined(__x86_64__)
#    include <x86intrin.h>
#endif

namespace tern {

/// 128-bit unsigned helper type (GCC/Clang extension), used for 64x64->128 products.
__extension__ using uint128_t = unsigned __int128;

/// 256-bit unsigned integer, arithmetic modulo 2^256. Four 64-bit limbs, little-endian limb order.
struct U256
{
    /// Limbs: w[0] is the least significant 64 bits. Zero when default/value-initialised.
    uint64_t w[4]{};

    /// Zero.
    constexpr U256() noexcept = default;

    /// Implicit widening from a 64-bit value, so `x + 1` and `x == 0` read naturally.
    constexpr U256(uint64_t v) noexcept : w{v, 0, 0, 0} {}

    /// Builds from four limbs, least significant first.
    constexpr U256(uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3) noexcept : w{w0, w1, w2, w3}
    {}

    /// 2^256 - 1.
    static constexpr U256 max() noexcept { return U256{~0ULL, ~0ULL, ~0ULL, ~0ULL}; }

    /// Parses n <= 32 big-endian bytes (left-padded with zeros), e.g. PUSH immediates or RLP.
    static constexpr U256 from_be_bytes(const uint8_t* p, size_t n) noexcept
    {
        TERN_ASSERT(n <= 32);
        U256 r;
        for (size_t i = 0; i < n; ++i)
        {
            const size_t bit = 8 * (n - 1 - i);
            r.w[bit / 64] |= static_cast<uint64_t>(p[i]) << (bit % 64);
        }
        return r;
    }

    /// Same as from_be_bytes for a view; b.size() must be <= 32.
    static constexpr U256 from_be(BytesView b) noexcept
    {
        return from_be_bytes(b.data(), b.size());
    }

    /// Writes the 32-byte big-endian representation (EVM memory/storage word layout).
    constexpr void to_be_bytes(uint8_t out[32]) const noexcept
    {
        for (size_t i = 0; i < 4; ++i)
        {
            const uint64_t limb = w[3 - i];
            for (size_t j = 0; j < 8; ++j)
                out[8 * i + j] = static_cast<uint8_t>(limb >> (56 - 8 * j));
        }
    }

    /// The value as a 32-byte big-endian hash (storage keys/values in the trie).
    constexpr Hash256 to_hash() const noexcept
    {
        Hash256 h;
        to_be_bytes(h.bytes.data());
        return h;
    }

    /// Interprets a 32-byte big-endian hash as a number (BLOCKHASH, storage values).
    static constexpr U256 from_hash(const Hash256& h) noexcept
    {
        return from_be_bytes(h.data(), 32);
    }

    /// The low 20 bytes as an address (CALL targets, BALANCE argument).
    constexpr Address to_address() const noexcept
    {
        uint8_t buf[32]{};
        to_be_bytes(buf);
        Address a;
        for (size_t i = 0; i < 20; ++i)
            a.bytes[i] = buf[12 + i];
        return a;
    }

    /// Zero-extends an address to a word (ADDRESS, CALLER, ORIGIN).
    static constexpr U256 from_address(const Address& a) noexcept
    {
        return from_be_bytes(a.data(), 20);
    }

    /// Parses "0x"-prefixed hex or plain decimal; nullopt on overflow, bad characters or empty
    /// input. "0x" alone parses as zero (fixtures sometimes write empty numbers that way).
    static std::optional<U256> from_string(std::string_view s) noexcept;

    /// "0x" followed by minimal lower-case hex; "0x0" for zero.
    std::string to_hex() const;

    /// Decimal representation (diagnostics, JSON-RPC quantities in tools).
    std::string to_dec() const;

    /// True when non-zero.
    explicit constexpr operator bool() const noexcept { return (w[0] | w[1] | w[2] | w[3]) != 0; }

    /// True when the value is < 2^64, so low64() is lossless.
    constexpr bool fits_u64() const noexcept { return (w[1] | w[2] | w[3]) == 0; }

    /// The least significant 64 bits.
    constexpr uint64_t low64() const noexcept { return w[0]; }

    /// Number of significant bits (0 for zero); e.g. EXP gas counts exponent bytes.
    constexpr unsigned bit_width() const noexcept
    {
        for (int i = 3; i >= 0; --i)
            if (w[i] != 0)
                return static_cast<unsigned>(64 * i + 64 - __builtin_clzll(w[i]));
        return 0;
    }

    /// Number of significant bytes (0 for zero).
    constexpr unsigned byte_width() const noexcept { return (bit_width() + 7) / 8; }

    /// Number of leading zero bits (256 for zero).
    constexpr unsigned count_leading_zeros() const noexcept { return 256 - bit_width(); }

    friend constexpr bool operator==(const U256&, const U256&) noexcept = default;

    /// Unsigned comparison.
    friend constexpr std::strong_ordering operator<=>(const U256& a, const U256& b) noexcept
    {
        for (int i = 3; i >= 0; --i)
            if (a.w[i] != b.w[i])
                return a.w[i] < b.w[i] ? std::strong_ordering::less : std::strong_ordering::greater;
        return std::strong_ordering::equal;
    }
};

/// Full 512-bit product of two U256 (mulmod intermediate). Eight limbs, least significant first.
struct U512
{
    /// Limbs: w[0] least significant.
    uint64_t w[8]{};
};

namespace u256_detail {

/// a + b + carry_in, returning the sum and writing the carry out.
constexpr uint64_t addc(uint64_t a, uint64_t b, uint64_t carry_in, uint64_t& carry_out) noexcept
{
    const uint64_t s = a + b;
    const uint64_t c1 = s < a;
    const uint64_t t = s + carry_in;
    const uint64_t c2 = t < s;
    carry_out = c1 | c2;
    return t;
}

/// a - b - borrow_in, returning the difference and writing the borrow out.
constexpr uint64_t subb(uint64_t a, uint64_t b, uint64_t borrow_in, uint64_t& borrow_out) noexcept
{
    const uint64_t d = a - b;
    const uint64_t b1 = a < b;
    const uint64_t t = d - borrow_in;
    const uint64_t b2 = d < borrow_in;
    borrow_out = b1 | b2;
    return t;
}

/// 64x64 -> 128 multiply, high half returned, low half in lo.
constexpr uint64_t umul(uint64_t a, uint64_t b, uint64_t& lo) noexcept
{
    const uint128_t p = static_cast<uint128_t>(a) * b;
    lo = static_cast<uint64_t>(p);
    return static_cast<uint64_t>(p >> 64);
}

/// (hi:lo) / d for hi < d, writing the remainder; hardware divq on x86-64.
inline uint64_t udiv128(uint64_t hi, uint64_t lo, uint64_t d, uint64_t& rem) noexcept
{
#if defined(__x86_64__)
    uint64_t q;
    uint64_t r;
    __asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(d));
    rem = r;
    return q;
#else
    const uint128_t n = (static_cast<uint128_t>(hi) << 64) | lo;
    rem = static_cast<uint64_t>(n % d);
    return static_cast<uint64_t>(n / d);
#endif
}

/// Reciprocal of a normalised d (top bit set): floor((2^128 - 1) / d) - 2^64
/// (Möller & Granlund, "Improved division by invariant integers").
inline uint64_t reciprocal_2by1(uint64_t d) noexcept
{
    uint64_t rem;
    return udiv128(~d, ~0ULL, d, rem);
}

/// Reciprocal for a normalised two-limb divisor: floor((2^192 - 1) / (d1:d0)) - 2^64.
inline uint64_t reciprocal_3by2(uint64_t d1, uint64_t d0) noexcept
{
    uint64_t v = reciprocal_2by1(d1);
    uint64_t p = d1 * v;
    p += d0;
    if (p < d0)
    {
        --v;
        if (p >= d1)
        {
            --v;
            p -= d1;
        }
        p -= d1;
    }
    uint64_t t0;
    const uint64_t t1 = umul(v, d0, t0);
    p += t1;
    if (p < t1)
    {
        --v;
        if (p > d1 || (p == d1 && t0 >= d0))
            --v;
    }
    return v;
}

/// (u1:u0) / d for normalised d and u1 < d using reciprocal v; writes the remainder.
inline uint64_t udivrem_2by1(uint64_t u1,
                             uint64_t u0,
                             uint64_t d,
                             uint64_t v,
                             uint64_t& rem) noexcept
{
    uint64_t q0;
    uint64_t q1 = umul(v, u1, q0);
    uint64_t c;
    q0 = addc(q0, u0, 0, c);
    q1 = q1 + u1 + c;
    ++q1;
    uint64_t r = u0 - q1 * d;
    if (r > q0)
    {
        --q1;
        r += d;
    }
    if (r >= d) [[unlikely]]
    {
        ++q1;
        r -= d;
    }
    rem = r;
    return q1;
}

/// (u2:u1:u0) / (d1:d0) for a normalised divisor and (u2:u1) < (d1:d0), with reciprocal v.
/// Returns the one-limb quotient; writes the two-limb remainder to r1:r0.
inline uint64_t udivrem_3by2(uint64_t u2,
                             uint64_t u1,
                             uint64_t u0,
                             uint64_t d1,
                             uint64_t d0,
                             uint64_t v,
                             uint64_t& r1_out,
                             uint64_t& r0_out) noexcept
{
    uint64_t q0;
    uint64_t q1 = umul(v, u2, q0);
    uint64_t c;
    q0 = addc(q0, u1, 0, c);
    q1 = q1 + u2 + c;

    uint64_t r1 = u1 - q1 * d1;
    uint64_t t0;
    const uint64_t t1 = umul(d0, q1, t0);
    // (r1:r0) = (r1:u0) - (t1:t0) - (d1:d0), modulo 2^128.
    uint64_t b;
    uint64_t r0 = subb(u0, t0, 0, b);
    r1 = subb(r1, t1, b, b);
    r0 = subb(r0, d0, 0, b);
    r1 = subb(r1, d1, b, b);

    ++q1;
    if (r1 >= q0)
    {
        --q1;
        r0 = addc(r0, d0, 0, c);
        r1 = r1 + d1 + c;
    }
    if (r1 > d1 || (r1 == d1 && r0 >= d0)) [[unlikely]]
    {
        ++q1;
        r0 = subb(r0, d0, 0, b);
        r1 = r1 - d1 - b;
    }
    r1_out = r1;
    r0_out = r0;
    return q1;
}

/// u[0..n) -= q * d[0..n); returns the borrow out of the top limb (a full limb).
inline uint64_t submul(uint64_t* u, const uint64_t* d, int n, uint64_t q) noexcept
{
    uint64_t borrow = 0;
    for (int i = 0; i < n; ++i)
    {
        uint64_t plo;
        uint64_t phi = umul(d[i], q, plo);
        uint64_t b1;
        const uint64_t s = subb(u[i], plo, 0, b1);
        uint64_t b2;
        u[i] = subb(s, borrow, 0, b2);
        borrow = phi + b1 + b2;
    }
    return borrow;
}

/// u[0..n) += d[0..n); returns the carry.
inline uint64_t add_limbs(uint64_t* u, const uint64_t* d, int n) noexcept
{
    uint64_t carry = 0;
    for (int i = 0; i < n; ++i)
        u[i] = addc(u[i], d[i], carry, carry);
    return carry;
}

/// Number of limbs up to and including the most significant non-zero one.
inline int significant_limbs(const uint64_t* x, int n) noexcept
{
    while (n > 0 && x[n - 1] == 0)
        --n;
    return n;
}

/// Unsigned division of an un-limb number by a dn-limb number (1 <= dn <= 4, un <= 8, divisor
/// non-zero). Writes un limbs of quotient to q (may be null) and dn limbs of remainder to r.
inline void udivrem_limbs(const uint64_t* u,
                          int un,
                          const uint64_t* d,
                          int dn,
                          uint64_t* q,
                          uint64_t* r) noexcept
{
    un = significant_limbs(u, un);
    const int dsig = significant_limbs(d, dn);
    TERN_ASSERT(dsig > 0);
    for (int i = 0; i < dn; ++i)
        r[i] = 0;
    const int qlen = un;
    if (q)
        for (int i = 0; i < qlen; ++i)
            q[i] = 0;
    dn = dsig;
    if (un < dn)
    {
        for (int i = 0; i < un; ++i)
            r[i] = u[i];
        return;
    }

    const unsigned shift = static_cast<unsigned>(__builtin_clzll(d[dn - 1]));
    // Normalised copies: un has one extra limb.
    uint64_t nd[4];
    uint64_t nu[9];
    if (shift)
    {
        for (int i = dn - 1; i > 0; --i)
            nd[i] = (d[i] << shift) | (d[i - 1] >> (64 - shift));
        nd[0] = d[0] << shift;
        nu[un] = u[un - 1] >> (64 - shift);
        for (int i = un - 1; i > 0; --i)
            nu[i] = (u[i] << shift) | (u[i - 1] >> (64 - shift));
        nu[0] = u[0] << shift;
    }
    else
    {
        for (int i = 0; i < dn; ++i)
            nd[i] = d[i];
        for (int i = 0; i < un; ++i)
            nu[i] = u[i];
        nu[un] = 0;
    }

    if (dn == 1)
    {
        const uint64_t dv = nd[0];
        const uint64_t v = reciprocal_2by1(dv);
        uint64_t rem = nu[un];
        for (int j = un - 1; j >= 0; --j)
        {
            const uint64_t qj = udivrem_2by1(rem, nu[j], dv, v, rem);
            if (q)
                q[j] = qj;
        }
        r[0] = rem >> shift;
        return;
    }

    const uint64_t d1 = nd[dn - 1];
    const uint64_t d0 = nd[dn - 2];
    const uint64_t v = reciprocal_3by2(d1, d0);
    for (int j = un - dn; j >= 0; --j)
    {
        const uint64_t u2 = nu[j + dn];
        const uint64_t u1 = nu[j + dn - 1];
        const uint64_t u0 = nu[j + dn - 2];
        uint64_t qhat;
        if (u2 == d1 && u1 == d0) [[unlikely]]
        {
            // The quotient digit is exactly 2^64 - 1 here (top limbs equal, divisor normalised).
            qhat = ~0ULL;
            nu[j + dn] = u2 - submul(&nu[j], nd, dn, qhat);
        }
        else
        {
            uint64_t r1;
            uint64_t r0;
            qhat = udivrem_3by2(u2, u1, u0, d1, d0, v, r1, r0);
            // The top two divisor limbs are accounted for by r1:r0; subtract the rest.
            const uint64_t borrow = submul(&nu[j], nd, dn - 2, qhat);
            uint64_t b;
            const uint64_t nr0 = subb(r0, borrow, 0, b);
            const uint64_t nr1 = subb(r1, 0, b, b);
            nu[j + dn - 2] = nr0;
            nu[j + dn - 1] = nr1;
            nu[j + dn] = 0;
            if (b) [[unlikely]]
            {
                --qhat;
                const uint64_t c = add_limbs(&nu[j], nd, dn - 1);
                nu[j + dn - 1] += d1 + c;
            }
        }
        if (q)
            q[j] = qhat;
    }
    // Denormalise the remainder held in nu[0..dn).
    if (shift)
    {
        for (int i = 0; i < dn - 1; ++i)
            r[i] = (nu[i] >> shift) | (nu[i + 1] << (64 - shift));
        r[dn - 1] = nu[dn - 1] >> shift;
    }
    else
    {
        for (int i = 0; i < dn; ++i)
            r[i] = nu[i];
    }
}

}  // namespace u256_detail

// ---- Arithmetic ---------------------------------------------------------------------------------

/// Sum modulo 2^256.
constexpr U256 operator+(const U256& a, const U256& b) noexcept
{
    U256 r;
#if defined(__x86_64__)
    if (!std::is_constant_evaluated())
    {
        // The intrinsic compiles to an add/adc chain; GCC does not recognise the portable form.
        unsigned long long o0, o1, o2, o3;
        unsigned char c = _addcarry_u64(0, a.w[0], b.w[0], &o0);
        c = _addcarry_u64(c, a.w[1], b.w[1], &o1);
        c = _addcarry_u64(c, a.w[2], b.w[2], &o2);
        _addcarry_u64(c, a.w[3], b.w[3], &o3);
        r.w[0] = o0;
        r.w[1] = o1;
        r.w[2] = o2;
        r.w[3] = o3;
        return r;
    }
#endif
    uint64_t c = 0;
    r.w[0] = u256_detail::addc(a.w[0], b.w[0], 0, c);
    r.w[1] = u256_detail::addc(a.w[1], b.w[1], c, c);
    r.w[2] = u256_detail::addc(a.w[2], b.w[2], c, c);
    r.w[3] = a.w[3] + b.w[3] + c;
    return r;
}

/// Difference modulo 2^256.
constexpr U256 operator-(const U256& a, const U256& b) noexcept
{
    U256 r;
#if defined(__x86_64__)
    if (!std::is_constant_evaluated())
    {
        unsigned long long o0, o1, o2, o3;
        unsigned char c = _subborrow_u64(0, a.w[0], b.w[0], &o0);
        c = _subborrow_u64(c, a.w[1], b.w[1], &o1);
        c = _subborrow_u64(c, a.w[2], b.w[2], &o2);
        _subborrow_u64(c, a.w[3], b.w[3], &o3);
        r.w[0] = o0;
        r.w[1] = o1;
        r.w[2] = o2;
        r.w[3] = o3;
        return r;
    }
#endif
    uint64_t c = 0;
    r.w[0] = u256_detail::subb(a.w[0], b.w[0], 0, c);
    r.w[1] = u256_detail::subb(a.w[1], b.w[1], c, c);
    r.w[2] = u256_detail::subb(a.w[2], b.w[2], c, c);
    r.w[3] = a.w[3] - b.w[3] - c;
    return r;
}

/// Two's complement negation (2^256 - a).
constexpr U256 operator-(const U256& a) noexcept
{
    return U256{} - a;
}

/// Product modulo 2^256.
constexpr U256 operator*(const U256& a, const U256& b) noexcept
{
    U256 r;
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i)
    {
        uint64_t carry = 0;
#pragma GCC unroll 4
        for (int j = 0; j < 4 - i; ++j)
        {
            const uint128_t p = static_cast<uint128_t>(a.w[i]) * b.w[j] + r.w[i + j] + carry;
            r.w[i + j] = static_cast<uint64_t>(p);
            carry = static_cast<uint64_t>(p >> 64);
        }
    }
    return r;
}

/// Full 512-bit product.
constexpr U512 mul_full(const U256& a, const U256& b) noexcept
{
    U512 r;
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i)
    {
        uint64_t carry = 0;
#pragma GCC unroll 4
        for (int j = 0; j < 4; ++j)
        {
            const uint128_t p = static_cast<uint128_t>(a.w[i]) * b.w[j] + r.w[i + j] + carry;
            r.w[i + j] = static_cast<uint64_t>(p);
            carry = static_cast<uint64_t>(p >> 64);
        }
        r.w[i + 4] = carry;
    }
    return r;
}

/// Quotient and remainder of an unsigned division.
struct U256DivResult
{
    U256 quot;  ///< a / b (0 when b == 0)
    U256 rem;   ///< a % b (0 when b == 0)
};

/// Unsigned division with remainder; both 0 when the divisor is 0 (EVM DIV/MOD semantics).
inline U256DivResult udivrem(const U256& a, const U256& b) noexcept
{
    U256DivResult res;
    if (!b) [[unlikely]]
        return res;
    if (a.fits_u64() && b.fits_u64())
    {
        res.quot.w[0] = a.w[0] / b.w[0];
        res.rem.w[0] = a.w[0] % b.w[0];
        return res;
    }
    if (a < b)
    {
        res.rem = a;
        return res;
    }
    u256_detail::udivrem_limbs(a.w, 4, b.w, 4, res.quot.w, res.rem.w);
    return res;
}

/// Unsigned quotient; x / 0 = 0.
inline U256 operator/(const U256& a, const U256& b) noexcept
{
    return udivrem(a, b).quot;
}

/// Unsigned remainder; x % 0 = 0.
inline U256 operator%(const U256& a, const U256& b) noexcept
{
    return udivrem(a, b).rem;
}

// ---- Bitwise and shifts -------------------------------------------------------------------------

/// Bitwise AND.
constexpr U256 operator&(const U256& a, const U256& b) noexcept
{
    return {a.w[0] & b.w[0], a.w[1] & b.w[1], a.w[2] & b.w[2], a.w[3] & b.w[3]};
}

/// Bitwise OR.
constexpr U256 operator|(const U256& a, const U256& b) noexcept
{
    return {a.w[0] | b.w[0], a.w[1] | b.w[1], a.w[2] | b.w[2], a.w[3] | b.w[3]};
}

/// Bitwise XOR.
constexpr U256 operator^(const U256& a, const U256& b) noexcept
{
    return {a.w[0] ^ b.w[0], a.w[1] ^ b.w[1], a.w[2] ^ b.w[2], a.w[3] ^ b.w[3]};
}

/// Bitwise NOT.
constexpr U256 operator~(const U256& a) noexcept
{
    return {~a.w[0], ~a.w[1], ~a.w[2], ~a.w[3]};
}

/// Left shift; shifts >= 256 give 0. Takes uint64_t so wide shift counts are never truncated.
constexpr U256 operator<<(const U256& x, uint64_t n) noexcept
{
    if (n >= 256)
        return {};
    const uint64_t b = n % 64;
    // `>> 1 >> (63 - b)` is `>> (64 - b)` without the undefined shift by 64 when b == 0.
    const uint64_t t0 = x.w[0] << b;
    const uint64_t t1 = (x.w[1] << b) | (x.w[0] >> 1 >> (63 - b));
    const uint64_t t2 = (x.w[2] << b) | (x.w[1] >> 1 >> (63 - b));
    const uint64_t t3 = (x.w[3] << b) | (x.w[2] >> 1 >> (63 - b));
    switch (n / 64)
    {
        case 0:
            return {t0, t1, t2, t3};
        case 1:
            return {0, t0, t1, t2};
        case 2:
            return {0, 0, t0, t1};
        default:
            return {0, 0, 0, t0};
    }
}

/// Logical right shift; shifts >= 256 give 0.
constexpr U256 operator>>(const U256& x, uint64_t n) noexcept
{
    if (n >= 256)
        return {};
    const uint64_t b = n % 64;
    const uint64_t t3 = x.w[3] >> b;
    const uint64_t t2 = (x.w[2] >> b) | (x.w[3] << 1 << (63 - b));
    const uint64_t t1 = (x.w[1] >> b) | (x.w[2] << 1 << (63 - b));
    const uint64_t t0 = (x.w[0] >> b) | (x.w[1] << 1 << (63 - b));
    switch (n / 64)
    {
        case 0:
            return {t0, t1, t2, t3};
        case 1:
            return {t1, t2, t3, 0};
        case 2:
            return {t2, t3, 0, 0};
        default:
            return {t3, 0, 0, 0};
    }
}

/// Left shift by a word (EVM SHL); shifts >= 256 give 0.
constexpr U256 operator<<(const U256& x, const U256& n) noexcept
{
    return n.fits_u64() ? x << n.w[0] : U256{};
}

/// Logical right shift by a word (EVM SHR); shifts >= 256 give 0.
constexpr U256 operator>>(const U256& x, const U256& n) noexcept
{
    return n.fits_u64() ? x >> n.w[0] : U256{};
}

// ---- Compound assignment ------------------------------------------------------------------------

/// a = a + b.
constexpr U256& operator+=(U256& a, const U256& b) noexcept
{
    return a = a + b;
}
/// a = a - b.
constexpr U256& operator-=(U256& a, const U256& b) noexcept
{
    return a = a - b;
}
/// a = a * b.
constexpr U256& operator*=(U256& a, const U256& b) noexcept
{
    return a = a * b;
}
/// a = a / b (0 when b == 0).
inline U256& operator/=(U256& a, const U256& b) noexcept
{
    return a = a / b;
}
/// a = a % b (0 when b == 0).
inline U256& operator%=(U256& a, const U256& b) noexcept
{
    return a = a % b;
}
/// a = a & b.
constexpr U256& operator&=(U256& a, const U256& b) noexcept
{
    return a = a & b;
}
/// a = a | b.
constexpr U256& operator|=(U256& a, const U256& b) noexcept
{
    return a = a | b;
}
/// a = a ^ b.
constexpr U256& operator^=(U256& a, const U256& b) noexcept
{
    return a = a ^ b;
}
/// a = a << n.
constexpr U256& operator<<=(U256& a, uint64_t n) noexcept
{
    return a = a << n;
}
/// a = a >> n.
constexpr U256& operator>>=(U256& a, uint64_t n) noexcept
{
    return a = a >> n;
}
/// a = a << n (word shift count).
constexpr U256& operator<<=(U256& a, const U256& n) noexcept
{
    return a = a << n;
}
/// a = a >> n (word shift count).
constexpr U256& operator>>=(U256& a, const U256& n) noexcept
{
    return a = a >> n;
}
/// ++a (wraps at 2^256).
constexpr U256& operator++(U256& a) noexcept
{
    return a = a + 1;
}
/// --a (wraps at 0).
constexpr U256& operator--(U256& a) noexcept
{
    return a = a - 1;
}

// ---- EVM signed and modular operations ----------------------------------------------------------

/// True when the two's complement sign bit (bit 255) is set.
constexpr bool is_negative(const U256& x) noexcept
{
    return (x.w[3] >> 63) != 0;
}

/// EVM SDIV: signed quotient truncated toward zero; x/0 = 0, INT_MIN / -1 = INT_MIN.
inline U256 sdiv(const U256& a, const U256& b) noexcept
{
    const bool na = is_negative(a);
    const bool nb = is_negative(b);
    const U256 q = (na ? -a : a) / (nb ? -b : b);
    return na != nb ? -q : q;
}

/// EVM SMOD: signed remainder whose sign follows the dividend; x%0 = 0.
inline U256 smod(const U256& a, const U256& b) noexcept
{
    const bool na = is_negative(a);
    const bool nb = is_negative(b);
    const U256 r = (na ? -a : a) % (nb ? -b : b);
    return na ? -r : r;
}

/// EVM ADDMOD: (a + b) mod m over the exact 257-bit sum; m == 0 gives 0.
inline U256 addmod(const U256& a, const U256& b, const U256& m) noexcept
{
    if (!m) [[unlikely]]
        return {};
    if (a < m && b < m)
    {
        // Sum < 2m, so one conditional subtraction reduces it.
        uint64_t c = 0;
        U256 s;
        s.w[0] = u256_detail::addc(a.w[0], b.w[0], 0, c);
        s.w[1] = u256_detail::addc(a.w[1], b.w[1], c, c);
        s.w[2] = u256_detail::addc(a.w[2], b.w[2], c, c);
        s.w[3] = u256_detail::addc(a.w[3], b.w[3], c, c);
        if (c || s >= m)
            s -= m;
        return s;
    }
    uint64_t sum[5];
    uint64_t c = 0;
    for (int i = 0; i < 4; ++i)
        sum[i] = u256_detail::addc(a.w[i], b.w[i], c, c);
    sum[4] = c;
    U256 r;
    u256_detail::udivrem_limbs(sum, 5, m.w, 4, nullptr, r.w);
    return r;
}

/// EVM MULMOD: (a * b) mod m over the exact 512-bit product; m == 0 gives 0.
inline U256 mulmod(const U256& a, const U256& b, const U256& m) noexcept
{
    if (!m) [[unlikely]]
        return {};
    const U512 p = mul_full(a, b);
    U256 r;
    u256_detail::udivrem_limbs(p.w, 8, m.w, 4, nullptr, r.w);
    return r;
}

/// EVM EXP: base^exponent modulo 2^256 by square-and-multiply.
constexpr U256 exp(U256 base, const U256& exponent) noexcept
{
    U256 result = 1;
    if (base == 2)
        return exponent < 256 ? U256{1} << exponent.w[0] : U256{};
    const unsigned bits = exponent.bit_width();
    for (unsigned i = 0; i < bits; ++i)
    {
        if ((exponent.w[i / 64] >> (i % 64)) & 1)
            result *= base;
        if (i + 1 < bits)
            base *= base;
    }
    return result;
}

/// EVM SIGNEXTEND: extends the sign of byte b (0 = least significant) of x; b >= 31 returns x.
constexpr U256 signextend(const U256& b, const U256& x) noexcept
{
    if (!b.fits_u64() || b.w[0] >= 31)
        return x;
    const unsigned bit = static_cast<unsigned>(b.w[0]) * 8 + 7;
    const U256 mask = (U256{1} << (bit + 1)) - 1;  // bits 0..bit
    const bool neg = (x.w[bit / 64] >> (bit % 64)) & 1;
    return neg ? (x | ~mask) : (x & mask);
}

/// EVM BYTE: the i-th byte counting from the most significant end; 0 when i >= 32.
constexpr U256 byte_of(const U256& i, const U256& x) noexcept
{
    if (!i.fits_u64() || i.w[0] >= 32)
        return {};
    const unsigned pos = 31 - static_cast<unsigned>(i.w[0]);  // byte index from the low end
    return (x.w[pos / 8] >> (8 * (pos % 8))) & 0xff;
}

/// EVM SAR: arithmetic right shift of x by shift; large shifts give 0 or all ones by sign.
constexpr U256 sar(const U256& shift, const U256& x) noexcept
{
    if (!is_negative(x))
        return x >> shift;
    if (!shift.fits_u64() || shift.w[0] >= 256)
        return U256::max();
    return ~(~x >> shift.w[0]);
}

/// EVM SLT: signed less-than.
constexpr bool slt(const U256& a, const U256& b) noexcept
{
    const bool na = is_negative(a);
    const bool nb = is_negative(b);
    if (na != nb)
        return na;
    return a < b;
}

/// EVM SGT: signed greater-than.
constexpr bool sgt(const U256& a, const U256& b) noexcept
{
    return slt(b, a);
}

// ---- String conversion --------------------------------------------------------------------------

inline std::optional<U256> U256::from_string(std::string_view s) noexcept
{
    if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
    {
        s.remove_prefix(2);
        while (!s.empty() && s.front() == '0')
            s.remove_prefix(1);
        if (s.size() > 64)
            return std::nullopt;
        U256 r;
        for (char ch : s)
        {
            unsigned digit;
            if (ch >= '0' && ch <= '9')
                digit = static_cast<unsigned>(ch - '0');
            else if (ch >= 'a' && ch <= 'f')
                digit = static_cast<unsigned>(ch - 'a' + 10);
            else if (ch >= 'A' && ch <= 'F')
                digit = static_cast<unsigned>(ch - 'A' + 10);
            else
                return std::nullopt;
            r = (r << 4) | U256{digit};
        }
        return r;
    }
    if (s.empty())
        return std::nullopt;
    U256 r;
    const U256 limit = U256::max() / 10;  // r * 10 overflows iff r > limit
    for (char ch : s)
    {
        if (ch < '0' || ch > '9')
            return std::nullopt;
        const uint64_t digit = static_cast<uint64_t>(ch - '0');
        if (r > limit)
            return std::nullopt;
        const U256 t = r * 10;
        const U256 n = t + digit;
        if (n < t)
            return std::nullopt;
        r = n;
    }
    return r;
}

inline std::string U256::to_hex() const
{
    static constexpr char kDigits[] = "0123456789abcdef";
    if (!*this)
        return "0x0";
    const unsigned nibbles = (bit_width() + 3) / 4;
    std::string out = "0x";
    out.reserve(2 + nibbles);
    for (unsigned i = nibbles; i-- > 0;)
        out.push_back(kDigits[(w[i / 16] >> (4 * (i % 16))) & 0xf]);
    return out;
}

inline std::string U256::to_dec() const
{
    if (!*this)
        return "0";
    char buf[80];
    size_t pos = sizeof(buf);
    U256 x = *this;
    const U256 chunk = 10'000'000'000'000'000'000ULL;  // 10^19 fits in 64 bits
    while (x)
    {
        const U256DivResult qr = udivrem(x, chunk);
        uint64_t part = qr.rem.w[0];
        x = qr.quot;
        for (int i = 0; i < 19; ++i)
        {
            buf[--pos] = static_cast<char>('0' + part % 10);
            part /= 10;
            if (!x && part == 0)
                break;
        }
    }
    return std::string(buf + pos, sizeof(buf) - pos);
}

}  // namespace tern

/// Hash for unordered containers keyed by words (e.g. storage caches).
template <>
struct std::hash<tern::U256>
{
    size_t operator()(const tern::U256& x) const noexcept
    {
        uint64_t h = x.w[0] ^ (x.w[1] * 0x9e3779b97f4a7c15ULL) ^ (x.w[2] * 0xc2b2ae3d27d4eb4fULL) ^
                     (x.w[3] * 0x165667b19e3779f9ULL);
        return static_cast<size_t>(h ^ (h >> 29));
    }
};
