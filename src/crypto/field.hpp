#pragma once

// Prime-field arithmetic in Montgomery form, generic over the number of 64-bit limbs.
// Used by the pairing-friendly curves (bn254: 4 limbs, BLS12-381: 6 limbs). Not constant-time:
// every input of the precompiles that use it is public.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace tern::crypto {

__extension__ typedef unsigned __int128 Uint128;

/// Little-endian multi-limb helpers on plain arrays; constexpr so that field constants (R mod p,
/// R^2 mod p, exponents like (p-2)) are derived from the modulus at compile time.
namespace limbs {

/// a + b, returns the carry out.
template <size_t N>
constexpr uint64_t add(std::array<uint64_t, N>& out,
                       const std::array<uint64_t, N>& a,
                       const std::array<uint64_t, N>& b) noexcept
{
    uint64_t carry = 0;
    for (size_t i = 0; i < N; ++i)
    {
        const Uint128 s = Uint128{a[i]} + b[i] + carry;
        out[i] = static_cast<uint64_t>(s);
        carry = static_cast<uint64_t>(s >> 64);
    }
    return carry;
}

/// a - b, returns the borrow out (1 if a < b).
template <size_t N>
constexpr uint64_t sub(std::array<uint64_t, N>& out,
                       const std::array<uint64_t, N>& a,
                       const std::array<uint64_t, N>& b) noexcept
{
    uint64_t borrow = 0;
    for (size_t i = 0; i < N; ++i)
    {
        const Uint128 d = Uint128{a[i]} - b[i] - borrow;
        out[i] = static_cast<uint64_t>(d);
        borrow = static_cast<uint64_t>(d >> 64) & 1;
    }
    return borrow;
}

/// Unsigned comparison a < b.
template <size_t N>
constexpr bool less(const std::array<uint64_t, N>& a, const std::array<uint64_t, N>& b) noexcept
{
    for (size_t i = N; i-- > 0;)
        if (a[i] != b[i])
            return a[i] < b[i];
    return false;
}

/// a - s for a small s (no underflow expected).
template <size_t N>
constexpr std::array<uint64_t, N> sub_small(std::array<uint64_t, N> a, uint64_t s) noexcept
{
    for (size_t i = 0; i < N && s != 0; ++i)
    {
        const uint64_t old = a[i];
        a[i] = old - s;
        s = old < s ? 1 : 0;
    }
    return a;
}

/// a + s for a small s (overflow past the top limb is dropped).
template <size_t N>
constexpr std::array<uint64_t, N> add_small(std::array<uint64_t, N> a, uint64_t s) noexcept
{
    for (size_t i = 0; i < N && s != 0; ++i)
    {
        a[i] += s;
        s = a[i] < s ? 1 : 0;
    }
    return a;
}

/// a / d for a small d (remainder dropped).
template <size_t N>
constexpr std::array<uint64_t, N> div_small(std::array<uint64_t, N> a, uint64_t d) noexcept
{
    Uint128 rem = 0;
    for (size_t i = N; i-- > 0;)
    {
        const Uint128 cur = (rem << 64) | a[i];
        a[i] = static_cast<uint64_t>(cur / d);
        rem = cur % d;
    }
    return a;
}

/// Number of significant bits of a little-endian limb sequence.
constexpr size_t bit_width(std::span<const uint64_t> a) noexcept
{
    for (size_t i = a.size(); i-- > 0;)
        if (a[i] != 0)
            return i * 64 + (64 - static_cast<size_t>(__builtin_clzll(a[i])));
    return 0;
}

/// Bit i of a little-endian limb sequence.
constexpr bool bit(std::span<const uint64_t> a, size_t i) noexcept
{
    return (a[i / 64] >> (i % 64)) & 1;
}

}  // namespace limbs

/// Element of the prime field with modulus `P::modulus` (N = P::modulus.size() limbs, odd, top
/// bit of the top limb clear), stored in Montgomery form (value * 2^(64N) mod p).
/// `P` is a tag type with `static constexpr std::array<uint64_t, N> modulus`.
template <typename P>
class MontField
{
public:
    static constexpr size_t N = P::modulus.size();
    using Limbs = std::array<uint64_t, N>;

    /// The modulus p.
    static constexpr Limbs kModulus = P::modulus;

private:
    static constexpr uint64_t compute_inv() noexcept
    {
        // Newton iteration for p^-1 mod 2^64, then negate.
        uint64_t x = 1;
        for (int i = 0; i < 7; ++i)
            x *= 2 - kModulus[0] * x;
        return ~x + 1;
    }
    static constexpr Limbs double_mod(const Limbs& a) noexcept
    {
        Limbs r{};
        const uint64_t carry = limbs::add(r, a, a);
        if (carry != 0 || !limbs::less(r, kModulus))
            limbs::sub(r, r, kModulus);
        return r;
    }
    static constexpr Limbs compute_r(int doublings, Limbs start) noexcept
    {
        for (int i = 0; i < doublings; ++i)
            start = double_mod(start);
        return start;
    }

public:
    /// -p^-1 mod 2^64 (the Montgomery reduction factor).
    static constexpr uint64_t kInv = compute_inv();
    /// R mod p, the Montgomery form of 1.
    static constexpr Limbs kR1 = compute_r(64 * N, Limbs{1});
    /// R^2 mod p, converts into Montgomery form.
    static constexpr Limbs kR2 = compute_r(64 * N, kR1);

    /// Raw Montgomery limbs.
    Limbs v{};

    /// Zero.
    constexpr MontField() noexcept = default;

    /// Zero element.
    static constexpr MontField zero() noexcept { return {}; }
    /// One element.
    static constexpr MontField one() noexcept { return from_mont(kR1); }
    /// Wraps limbs that are already in Montgomery form.
    static constexpr MontField from_mont(const Limbs& m) noexcept
    {
        MontField r;
        r.v = m;
        return r;
    }
    /// Converts a canonical integer (< p) into the field.
    static constexpr MontField from_limbs(const Limbs& a) noexcept
    {
        return from_mont(mont_mul(a, kR2));
    }
    /// Converts a small integer into the field.
    static constexpr MontField from_u64(uint64_t a) noexcept
    {
        Limbs l{};
        l[0] = a;
        return from_limbs(l);
    }
    /// Canonical integer value (< p).
    constexpr Limbs to_limbs() const noexcept
    {
        Limbs one_l{};
        one_l[0] = 1;
        return mont_mul(v, one_l);
    }
    /// Parses `len` (<= 8N) big-endian bytes, left-padded; false if the value is >= p.
    static bool from_be_bytes(const uint8_t* p, size_t len, MontField& out) noexcept
    {
        Limbs l{};
        for (size_t i = 0; i < len; ++i)
        {
            const size_t bit_pos = (len - 1 - i) * 8;
            l[bit_pos / 64] |= uint64_t{p[i]} << (bit_pos % 64);
        }
        if (!limbs::less(l, kModulus))
            return false;
        out = from_limbs(l);
        return true;
    }
    /// Writes the canonical value as `len` big-endian bytes (len <= 8N; high bytes dropped).
    void to_be_bytes(uint8_t* out, size_t len) const noexcept
    {
        const Limbs l = to_limbs();
        for (size_t i = 0; i < len; ++i)
        {
            const size_t bit_pos = (len - 1 - i) * 8;
            out[i] = static_cast<uint8_t>(l[bit_pos / 64] >> (bit_pos % 64));
        }
    }

    /// True for zero.
    constexpr bool is_zero() const noexcept
    {
        for (auto x : v)
            if (x != 0)
                return false;
        return true;
    }
    friend constexpr bool operator==(const MontField& a, const MontField& b) noexcept
    {
        return a.v == b.v;
    }

    friend constexpr MontField operator+(const MontField& a, const MontField& b) noexcept
    {
        MontField r;
        const uint64_t carry = limbs::add(r.v, a.v, b.v);
        if (carry != 0 || !limbs::less(r.v, kModulus))
            limbs::sub(r.v, r.v, kModulus);
        return r;
    }
    friend constexpr MontField operator-(const MontField& a, const MontField& b) noexcept
    {
        MontField r;
        if (limbs::sub(r.v, a.v, b.v) != 0)
            limbs::add(r.v, r.v, kModulus);
        return r;
    }
    friend constexpr MontField operator-(const MontField& a) noexcept
    {
        if (a.is_zero())
            return a;
        MontField r;
        limbs::sub(r.v, kModulus, a.v);
        return r;
    }
    friend constexpr MontField operator*(const MontField& a, const MontField& b) noexcept
    {
        return from_mont(mont_mul(a.v, b.v));
    }
    MontField& operator+=(const MontField& b) noexcept { return *this = *this + b; }
    MontField& operator-=(const MontField& b) noexcept { return *this = *this - b; }
    MontField& operator*=(const MontField& b) noexcept { return *this = *this * b; }

    /// a^2.
    constexpr MontField square() const noexcept { return *this * *this; }
    /// 2a.
    constexpr MontField dbl() const noexcept { return *this + *this; }

    /// a^e for an exponent given as little-endian limbs.
    constexpr MontField pow(std::span<const uint64_t> e) const noexcept
    {
        MontField r = one();
        for (size_t i = limbs::bit_width(e); i-- > 0;)
        {
            r = r.square();
            if (limbs::bit(e, i))
                r = r * *this;
        }
        return r;
    }

    /// a^-1 (Fermat); zero maps to zero.
    constexpr MontField inverse() const noexcept
    {
        constexpr Limbs e = limbs::sub_small(kModulus, 2);
        return pow(e);
    }

    /// Legendre-style square root for p = 3 mod 4: a^((p+1)/4); false if a is not a square.
    bool sqrt(MontField& out) const noexcept
    {
        static_assert((P::modulus[0] & 3) == 3);
        constexpr Limbs e = limbs::div_small(limbs::add_small(kModulus, 1), 4);
        const MontField r = pow(e);
        if (!(r.square() == *this))
            return false;
        out = r;
        return true;
    }

    /// Montgomery product a*b/R mod p (CIOS).
    static constexpr Limbs mont_mul(const Limbs& a, const Limbs& b) noexcept
    {
        if constexpr (kModulus[N - 1] < 0x7ffffffffffffffeULL)
        {
            // The modulus leaves the top bit spare, so the running sum fits in N limbs and the
            // reduction can be interleaved without an extra carry word ("no-carry" CIOS).
            Limbs t{};
            for (size_t i = 0; i < N; ++i)
            {
                Uint128 s = Uint128{a[0]} * b[i] + t[0];
                uint64_t ca = static_cast<uint64_t>(s >> 64);
                const uint64_t t0 = static_cast<uint64_t>(s);
                const uint64_t m = t0 * kInv;
                s = Uint128{m} * kModulus[0] + t0;
                uint64_t cm = static_cast<uint64_t>(s >> 64);
                for (size_t j = 1; j < N; ++j)
                {
                    s = Uint128{a[j]} * b[i] + t[j] + ca;
                    ca = static_cast<uint64_t>(s >> 64);
                    const uint64_t tj = static_cast<uint64_t>(s);
                    s = Uint128{m} * kModulus[j] + tj + cm;
                    cm = static_cast<uint64_t>(s >> 64);
                    t[j - 1] = static_cast<uint64_t>(s);
                }
                t[N - 1] = ca + cm;
            }
            if (!limbs::less(t, kModulus))
                limbs::sub(t, t, kModulus);
            return t;
        }
        uint64_t t[N + 2] = {};
        for (size_t i = 0; i < N; ++i)
        {
            uint64_t c = 0;
            for (size_t j = 0; j < N; ++j)
            {
                const Uint128 s = Uint128{a[j]} * b[i] + t[j] + c;
                t[j] = static_cast<uint64_t>(s);
                c = static_cast<uint64_t>(s >> 64);
            }
            Uint128 s = Uint128{t[N]} + c;
            t[N] = static_cast<uint64_t>(s);
            t[N + 1] = static_cast<uint64_t>(s >> 64);

            const uint64_t m = t[0] * kInv;
            s = Uint128{m} * kModulus[0] + t[0];
            c = static_cast<uint64_t>(s >> 64);
            for (size_t j = 1; j < N; ++j)
            {
                s = Uint128{m} * kModulus[j] + t[j] + c;
                t[j - 1] = static_cast<uint64_t>(s);
                c = static_cast<uint64_t>(s >> 64);
            }
            s = Uint128{t[N]} + c;
            t[N - 1] = static_cast<uint64_t>(s);
            t[N] = t[N + 1] + static_cast<uint64_t>(s >> 64);
        }
        Limbs r{};
        for (size_t i = 0; i < N; ++i)
            r[i] = t[i];
        if (t[N] != 0 || !limbs::less(r, kModulus))
            limbs::sub(r, r, kModulus);
        return r;
    }
};

}  // namespace tern::crypto
