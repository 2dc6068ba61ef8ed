#pragma once

// The degree-12 extension tower used by the BN and BLS12 pairings:
//   Fp2  = Fp[i] / (i^2 + 1)
//   Fp6  = Fp2[v] / (v^3 - xi),  xi = XiRe + i  (9 + i for bn254, 1 + i for BLS12-381)
//   Fp12 = Fp6[w] / (w^2 - v)
// so w^6 = xi. Generic over the base field; both curves have p = 3 mod 4 and p = 1 mod 6.

#include "crypto/field.hpp"

#include <array>
#include <span>

namespace tern::crypto {

/// Quadratic extension c0 + c1*i with i^2 = -1.
template <typename Fp, uint64_t XiRe>
struct Fp2T
{
    using Base = Fp;
    Fp c0, c1;

    /// Zero.
    static constexpr Fp2T zero() noexcept { return {}; }
    /// One.
    static constexpr Fp2T one() noexcept { return {Fp::one(), Fp::zero()}; }
    /// True for zero.
    constexpr bool is_zero() const noexcept { return c0.is_zero() && c1.is_zero(); }
    friend constexpr bool operator==(const Fp2T& a, const Fp2T& b) noexcept
    {
        return a.c0 == b.c0 && a.c1 == b.c1;
    }
    friend constexpr Fp2T operator+(const Fp2T& a, const Fp2T& b) noexcept
    {
        return {a.c0 + b.c0, a.c1 + b.c1};
    }
    friend constexpr Fp2T operator-(const Fp2T& a, const Fp2T& b) noexcept
    {
        return {a.c0 - b.c0, a.c1 - b.c1};
    }
    friend constexpr Fp2T operator-(const Fp2T& a) noexcept { return {-a.c0, -a.c1}; }
    friend constexpr Fp2T operator*(const Fp2T& a, const Fp2T& b) noexcept
    {
        const Fp t0 = a.c0 * b.c0;
        const Fp t1 = a.c1 * b.c1;
        return {t0 - t1, (a.c0 + a.c1) * (b.c0 + b.c1) - t0 - t1};
    }
    Fp2T& operator+=(const Fp2T& b) noexcept { return *this = *this + b; }
    Fp2T& operator-=(const Fp2T& b) noexcept { return *this = *this - b; }
    Fp2T& operator*=(const Fp2T& b) noexcept { return *this = *this * b; }

    /// a^2.
    constexpr Fp2T square() const noexcept
    {
        const Fp t = c0 * c1;
        return {(c0 + c1) * (c0 - c1), t + t};
    }
    /// 2a.
    constexpr Fp2T dbl() const noexcept { return *this + *this; }
    /// Multiplication by a base-field element.
    constexpr Fp2T mul_base(const Fp& s) const noexcept { return {c0 * s, c1 * s}; }
    /// Complex conjugate, which is also the p-power Frobenius map.
    constexpr Fp2T conj() const noexcept { return {c0, -c1}; }
    /// Multiplication by the sextic non-residue xi = XiRe + i.
    constexpr Fp2T mul_by_xi() const noexcept
    {
        if constexpr (XiRe == 1)
            return {c0 - c1, c0 + c1};
        else
        {
            const Fp k0 = mul_small(c0), k1 = mul_small(c1);
            return {k0 - c1, c0 + k1};
        }
    }
    /// Multiplicative inverse (zero maps to zero).
    constexpr Fp2T inverse() const noexcept
    {
        const Fp t = (c0.square() + c1.square()).inverse();
        return {c0 * t, -(c1 * t)};
    }
    /// a^e for an exponent given as little-endian limbs.
    constexpr Fp2T pow(std::span<const uint64_t> e) const noexcept
    {
        Fp2T r = one();
        for (size_t i = limbs::bit_width(e); i-- > 0;)
        {
            r = r.square();
            if (limbs::bit(e, i))
                r = r * *this;
        }
        return r;
    }

    /// A square root for p = 3 mod 4 (Adj / Rodriguez-Henriquez, algorithm 9); false if a is not
    /// a square. Which of the two roots is returned is unspecified.
    bool sqrt(Fp2T& out) const noexcept
    {
        constexpr auto e34 = limbs::div_small(limbs::sub_small(Fp::kModulus, 3), 4);
        constexpr auto e12 = limbs::div_small(limbs::sub_small(Fp::kModulus, 1), 2);
        const Fp2T a1 = pow(e34);
        const Fp2T alpha = a1.square() * *this;
        const Fp2T x0 = a1 * *this;
        Fp2T x;
        if (alpha == -one())
            x = {-x0.c1, x0.c0};  // i * x0
        else
            x = (one() + alpha).pow(e12) * x0;
        if (!(x.square() == *this))
            return false;
        out = x;
        return true;
    }

private:
    static constexpr Fp mul_small(const Fp& a) noexcept
    {
        Fp r;
        // Double-and-add on the small constant, most significant bit first.
        constexpr int kTop = 63 - __builtin_clzll(XiRe);
        for (int bit = kTop; bit >= 0; --bit)
        {
            r = r.dbl();
            if ((XiRe >> bit) & 1)
                r = r + a;
        }
        return r;
    }
};

/// Cubic extension c0 + c1*v + c2*v^2 with v^3 = xi.
template <typename Fp2>
struct Fp6T
{
    using Fp2Type = Fp2;
    Fp2 c0, c1, c2;

    /// Zero.
    static constexpr Fp6T zero() noexcept { return {}; }
    /// One.
    static constexpr Fp6T one() noexcept { return {Fp2::one(), Fp2::zero(), Fp2::zero()}; }
    /// True for zero.
    constexpr bool is_zero() const noexcept { return c0.is_zero() && c1.is_zero() && c2.is_zero(); }
    friend constexpr bool operator==(const Fp6T& a, const Fp6T& b) noexcept
    {
        return a.c0 == b.c0 && a.c1 == b.c1 && a.c2 == b.c2;
    }
    friend constexpr Fp6T operator+(const Fp6T& a, const Fp6T& b) noexcept
    {
        return {a.c0 + b.c0, a.c1 + b.c1, a.c2 + b.c2};
    }
    friend constexpr Fp6T operator-(const Fp6T& a, const Fp6T& b) noexcept
    {
        return {a.c0 - b.c0, a.c1 - b.c1, a.c2 - b.c2};
    }
    friend constexpr Fp6T operator-(const Fp6T& a) noexcept { return {-a.c0, -a.c1, -a.c2}; }
    friend constexpr Fp6T operator*(const Fp6T& a, const Fp6T& b) noexcept
    {
        const Fp2 t0 = a.c0 * b.c0;
        const Fp2 t1 = a.c1 * b.c1;
        const Fp2 t2 = a.c2 * b.c2;
        return {
            t0 + ((a.c1 + a.c2) * (b.c1 + b.c2) - t1 - t2).mul_by_xi(),
            (a.c0 + a.c1) * (b.c0 + b.c1) - t0 - t1 + t2.mul_by_xi(),
            (a.c0 + a.c2) * (b.c0 + b.c2) - t0 - t2 + t1,
        };
    }
    Fp6T& operator+=(const Fp6T& b) noexcept { return *this = *this + b; }
    Fp6T& operator-=(const Fp6T& b) noexcept { return *this = *this - b; }
    Fp6T& operator*=(const Fp6T& b) noexcept { return *this = *this * b; }

    /// a^2 (Chung-Hasan SQR2).
    constexpr Fp6T square() const noexcept
    {
        const Fp2 s0 = c0.square();
        const Fp2 s1 = (c0 * c1).dbl();
        const Fp2 s2 = (c0 - c1 + c2).square();
        const Fp2 s3 = (c1 * c2).dbl();
        const Fp2 s4 = c2.square();
        return {s0 + s3.mul_by_xi(), s1 + s4.mul_by_xi(), s1 + s2 + s3 - s0 - s4};
    }
    /// Multiplication by v: (c0, c1, c2) -> (xi*c2, c0, c1).
    constexpr Fp6T mul_by_v() const noexcept { return {c2.mul_by_xi(), c0, c1}; }
    /// Multiplication by an Fp2 scalar.
    constexpr Fp6T mul_fp2(const Fp2& s) const noexcept { return {c0 * s, c1 * s, c2 * s}; }
    /// Multiplicative inverse (zero maps to zero).
    constexpr Fp6T inverse() const noexcept
    {
        const Fp2 a = c0.square() - (c1 * c2).mul_by_xi();
        const Fp2 b = c2.square().mul_by_xi() - c0 * c1;
        const Fp2 c = c1.square() - c0 * c2;
        const Fp2 f = c0 * a + (c2 * b + c1 * c).mul_by_xi();
        const Fp2 fi = f.inverse();
        return {a * fi, b * fi, c * fi};
    }
};

/// Quadratic extension c0 + c1*w with w^2 = v, the pairing target field.
template <typename Fp6>
struct Fp12T
{
    Fp6 c0, c1;

    /// Zero.
    static constexpr Fp12T zero() noexcept { return {}; }
    /// One.
    static constexpr Fp12T one() noexcept { return {Fp6::one(), Fp6::zero()}; }
    /// True for one.
    constexpr bool is_one() const noexcept { return c0 == Fp6::one() && c1.is_zero(); }
    /// True for zero.
    constexpr bool is_zero() const noexcept { return c0.is_zero() && c1.is_zero(); }
    friend constexpr bool operator==(const Fp12T& a, const Fp12T& b) noexcept
    {
        return a.c0 == b.c0 && a.c1 == b.c1;
    }
    friend constexpr Fp12T operator+(const Fp12T& a, const Fp12T& b) noexcept
    {
        return {a.c0 + b.c0, a.c1 + b.c1};
    }
    friend constexpr Fp12T operator-(const Fp12T& a, const Fp12T& b) noexcept
    {
        return {a.c0 - b.c0, a.c1 - b.c1};
    }
    friend constexpr Fp12T operator*(const Fp12T& a, const Fp12T& b) noexcept
    {
        const Fp6 t0 = a.c0 * b.c0;
        const Fp6 t1 = a.c1 * b.c1;
        return {t0 + t1.mul_by_v(), (a.c0 + a.c1) * (b.c0 + b.c1) - t0 - t1};
    }
    Fp12T& operator*=(const Fp12T& b) noexcept { return *this = *this * b; }

    /// a^2.
    constexpr Fp12T square() const noexcept
    {
        const Fp6 t = c0 * c1;
        return {(c0 + c1) * (c0 + c1.mul_by_v()) - t - t.mul_by_v(), t + t};
    }
    /// Conjugation over Fp6 (c0 - c1*w), the p^6-power Frobenius map; equals the inverse for
    /// elements of the cyclotomic subgroup.
    constexpr Fp12T conj() const noexcept { return {c0, -c1}; }
    /// Multiplicative inverse (zero maps to zero).
    constexpr Fp12T inverse() const noexcept
    {
        const Fp6 t = (c0.square() - c1.square().mul_by_v()).inverse();
        return {c0 * t, -(c1 * t)};
    }
    /// a^e for an exponent given as little-endian limbs.
    constexpr Fp12T pow(std::span<const uint64_t> e) const noexcept
    {
        Fp12T r = one();
        for (size_t i = limbs::bit_width(e); i-- > 0;)
        {
            r = r.square();
            if (limbs::bit(e, i))
                r = r * *this;
        }
        return r;
    }
    /// a^e for a 64-bit exponent.
    constexpr Fp12T pow_u64(uint64_t e) const noexcept
    {
        const uint64_t l[1] = {e};
        return pow(l);
    }

    /// a^2 for a in the cyclotomic subgroup (a^(p^4 - p^2 + 1) = 1, e.g. after the easy part of
    /// the final exponentiation); Granger-Scott squaring, wrong for other elements.
    constexpr Fp12T cyclotomic_square() const noexcept
    {
        using Fp2 = typename Fp6::Fp2Type;
        // View Fp12 as Fp4[w]/(w^3 - s) with Fp4 = Fp2[s]/(s^2 - xi), s = w^3:
        //   A0 = a0 + a3 s, A1 = a1 + a4 s, A2 = a2 + a5 s (a_k: coefficient of w^k).
        // Then a^2 = (3A0^2 - 2conj(A0)) + (3s A2^2 + 2conj(A1)) w + (3A1^2 - 2conj(A2)) w^2.
        const auto fp4_square = [](const Fp2& x, const Fp2& y, Fp2& re, Fp2& im) noexcept {
            const Fp2 t0 = x.square();
            const Fp2 t1 = y.square();
            re = t0 + t1.mul_by_xi();
            im = (x + y).square() - t0 - t1;
        };
        const Fp2 &x0 = c0.c0, &y0 = c1.c1;  // A0
        const Fp2 &x1 = c1.c0, &y1 = c0.c2;  // A1
        const Fp2 &x2 = c0.c1, &y2 = c1.c2;  // A2
        Fp2 re0, im0, re1, im1, re2, im2;
        fp4_square(x0, y0, re0, im0);
        fp4_square(x1, y1, re1, im1);
        fp4_square(x2, y2, re2, im2);
        const auto three = [](const Fp2& t) noexcept {
            return t.dbl() + t;
        };
        const Fp2 n0 = three(re0) - x0.dbl();              // A0' re  -> a0
        const Fp2 n3 = three(im0) + y0.dbl();              // A0' im  -> a3
        const Fp2 n1 = three(im2.mul_by_xi()) + x1.dbl();  // A1' re  -> a1
        const Fp2 n4 = three(re2) - y1.dbl();              // A1' im  -> a4
        const Fp2 n2 = three(re1) - x2.dbl();              // A2' re  -> a2
        const Fp2 n5 = three(im1) + y2.dbl();              // A2' im  -> a5
        return {{n0, n2, n4}, {n1, n3, n5}};
    }

    /// a^e for a in the cyclotomic subgroup and a 64-bit exponent (cyclotomic squarings).
    constexpr Fp12T cyclotomic_pow_u64(uint64_t e) const noexcept
    {
        Fp12T r = one();
        for (int i = 63; i >= 0; --i)
        {
            r = r.cyclotomic_square();
            if ((e >> i) & 1)
                r = r * *this;
        }
        return r;
    }

    /// p-power Frobenius map. `gamma[k]` = xi^(k(p-1)/6), the factor w^(k(p-1)) for the
    /// coefficient of w^k.
    constexpr Fp12T frobenius(const std::array<typename Fp6::Fp2Type, 6>& gamma) const noexcept
    {
        // c0 holds w^0, w^2, w^4; c1 holds w^1, w^3, w^5.
        return {
            {c0.c0.conj(), c0.c1.conj() * gamma[2], c0.c2.conj() * gamma[4]},
            {c1.c0.conj() * gamma[1], c1.c1.conj() * gamma[3], c1.c2.conj() * gamma[5]},
        };
    }
};

/// xi^(k(p-1)/6) for k = 0..5: the Frobenius factors of the Fp12 tower over `Fp2`.
template <typename Fp2>
std::array<Fp2, 6> compute_frobenius_gammas() noexcept
{
    using Fp = typename Fp2::Base;
    constexpr auto e = limbs::div_small(limbs::sub_small(Fp::kModulus, 1), 6);
    const Fp2 g1 = Fp2::one().mul_by_xi().pow(e);
    std::array<Fp2, 6> g{};
    g[0] = Fp2::one();
    for (size_t k = 1; k < 6; ++k)
        g[k] = g[k - 1] * g1;
    return g;
}

}  // namespace tern::crypto
