#pragma once

// Short Weierstrass curves y^2 = x^3 + b (a = 0) over a field F (Fp or Fp2), in Jacobian
// coordinates (x = X/Z^2, y = Y/Z^3; Z = 0 is the point at infinity). Generic so that the G1 and
// G2 groups of bn254 and BLS12-381 share one implementation. Not constant-time (public inputs).

#include "crypto/field.hpp"

#include <span>

namespace tern::crypto {

/// Affine point; `infinity` marks the neutral element (x, y are then unused and zero).
template <typename F>
struct AffinePoint
{
    F x, y;
    bool infinity = true;

    /// Neutral element.
    static constexpr AffinePoint inf() noexcept { return {}; }
    /// Finite point (x, y), not checked.
    static constexpr AffinePoint of(const F& x, const F& y) noexcept { return {x, y, false}; }
    /// True if the point satisfies y^2 = x^3 + b (infinity counts as on the curve).
    constexpr bool is_on_curve(const F& b) const noexcept
    {
        return infinity || y.square() == x.square() * x + b;
    }
    /// -P.
    constexpr AffinePoint neg() const noexcept { return infinity ? *this : of(x, -y); }
    friend constexpr bool operator==(const AffinePoint& a, const AffinePoint& b) noexcept
    {
        if (a.infinity || b.infinity)
            return a.infinity == b.infinity;
        return a.x == b.x && a.y == b.y;
    }
};

/// Jacobian point over F.
template <typename F>
struct JacobianPoint
{
    F x, y, z;  // z == 0: infinity

    /// Neutral element.
    static constexpr JacobianPoint inf() noexcept { return {F::one(), F::one(), F::zero()}; }
    /// Lifts an affine point.
    static constexpr JacobianPoint from_affine(const AffinePoint<F>& a) noexcept
    {
        return a.infinity ? inf() : JacobianPoint{a.x, a.y, F::one()};
    }
    /// True for the neutral element.
    constexpr bool is_inf() const noexcept { return z.is_zero(); }

    /// Converts to affine (one field inversion).
    constexpr AffinePoint<F> to_affine() const noexcept
    {
        if (is_inf())
            return AffinePoint<F>::inf();
        const F zi = z.inverse();
        const F zi2 = zi.square();
        return AffinePoint<F>::of(x * zi2, y * zi2 * zi);
    }

    /// -P.
    constexpr JacobianPoint neg() const noexcept { return {x, -y, z}; }

    /// 2P (dbl-2009-l).
    constexpr JacobianPoint dbl() const noexcept
    {
        if (is_inf())
            return *this;
        const F a = x.square();
        const F b = y.square();
        const F c = b.square();
        const F d = ((x + b).square() - a - c).dbl();
        const F e = a.dbl() + a;
        const F f = e.square();
        const F x3 = f - d.dbl();
        const F c8 = c.dbl().dbl().dbl();
        return {x3, e * (d - x3) - c8, (y * z).dbl()};
    }

    /// P + Q for any P, Q (handles infinity, P == Q and P == -Q) (add-2007-bl).
    constexpr JacobianPoint add(const JacobianPoint& q) const noexcept
    {
        if (is_inf())
            return q;
        if (q.is_inf())
            return *this;
        const F z1z1 = z.square();
        const F z2z2 = q.z.square();
        const F u1 = x * z2z2;
        const F u2 = q.x * z1z1;
        const F s1 = y * q.z * z2z2;
        const F s2 = q.y * z * z1z1;
        const F h = u2 - u1;
        const F rr = (s2 - s1).dbl();
        if (h.is_zero())
            return rr.is_zero() ? dbl() : inf();
        const F i = h.dbl().square();
        const F j = h * i;
        const F v = u1 * i;
        const F x3 = rr.square() - j - v.dbl();
        const F y3 = rr * (v - x3) - (s1 * j).dbl();
        const F z3 = ((z + q.z).square() - z1z1 - z2z2) * h;
        return {x3, y3, z3};
    }

    /// k*P for a scalar given as little-endian limbs (double-and-add, most significant bit
    /// first); the scalar is used as is, not reduced.
    constexpr JacobianPoint mul(std::span<const uint64_t> k) const noexcept
    {
        JacobianPoint r = inf();
        for (size_t i = limbs::bit_width(k); i-- > 0;)
        {
            r = r.dbl();
            if (limbs::bit(k, i))
                r = r.add(*this);
        }
        return r;
    }

    /// Projective equality.
    friend constexpr bool operator==(const JacobianPoint& a, const JacobianPoint& b) noexcept
    {
        if (a.is_inf() || b.is_inf())
            return a.is_inf() == b.is_inf();
        const F z1z1 = a.z.square();
        const F z2z2 = b.z.square();
        return a.x * z2z2 == b.x * z1z1 && a.y * z2z2 * b.z == b.y * z1z1 * a.z;
    }
};

}  // namespace tern::crypto
