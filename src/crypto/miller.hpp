#pragma once

// Miller-loop steps shared by the bn254 and BLS12-381 pairings: the G2 point T runs on the sextic
// twist y^2 = x^3 + b' in homogeneous projective coordinates (x = X/Z, y = Y/Z), and each step
// returns the line through the points, evaluated at P in G1 and scaled by an Fp2 factor (which
// the final exponentiation removes). The line is returned as the triple (a, b, c) of
//   yP*s - (slope*s)*xP + (slope*x_T - y_T)*s
// with a = yP-term, b = xP-term, c = constant term; the caller places them into Fp12 according
// to the twist type (D-type: a + b*w + c*w^3; M-type: c + b*w^2 + a*w^3).

#include "crypto/ec.hpp"

namespace tern::crypto {

/// Twist point in homogeneous projective coordinates.
template <typename Fp2>
struct ProjectiveG2
{
    Fp2 x, y, z;
};

/// Line coefficients, see the file comment.
template <typename Fp2>
struct LineCoeffs
{
    Fp2 a, b, c;
};

/// T = 2T; returns the tangent line at T evaluated at P = (xp, yp). `b_twist` is b'.
template <typename Fp2, typename Fp>
LineCoeffs<Fp2> miller_double_step(ProjectiveG2<Fp2>& t,
                                   const Fp& xp,
                                   const Fp& yp,
                                   const Fp2& b_twist) noexcept
{
    const Fp2 xx = t.x.square();
    const Fp2 yy = t.y.square();
    const Fp2 bzz = b_twist * t.z.square();
    const Fp2 e = bzz.dbl() + bzz;  // 3 b' Z^2
    const Fp2 yz = t.y * t.z;
    const Fp2 xx3 = xx.dbl() + xx;

    // Tangent slope 3X^2 / (2YZ); scaled by -2YZ and simplified with the curve equation.
    LineCoeffs<Fp2> l;
    l.a = -(yz.dbl().mul_base(yp));
    l.b = xx3.mul_base(xp);
    l.c = e - yy;

    // X3 = 2XY(Y^2 - 9b'Z^2), Y3 = (Y^2 + 9b'Z^2)^2 - 108 b'^2 Z^4, Z3 = 8 Y^3 Z.
    const Fp2 e3 = e.dbl() + e;
    const Fp2 e_sq4 = e.square().dbl().dbl();
    t.x = (t.x * t.y).dbl() * (yy - e3);
    t.y = (yy + e3).square() - e_sq4.dbl() - e_sq4;
    t.z = (yy * yz).dbl().dbl().dbl();
    return l;
}

/// T = T + Q (Q affine and finite, T != +-Q); returns the line through T and Q evaluated at P.
template <typename Fp2, typename Fp>
LineCoeffs<Fp2> miller_add_step(ProjectiveG2<Fp2>& t,
                                const AffinePoint<Fp2>& q,
                                const Fp& xp,
                                const Fp& yp) noexcept
{
    const Fp2 theta = t.y - q.y * t.z;
    const Fp2 lambda = t.x - q.x * t.z;

    // Slope theta / lambda, scaled by lambda.
    LineCoeffs<Fp2> l;
    l.a = lambda.mul_base(yp);
    l.b = -(theta.mul_base(xp));
    l.c = theta * q.x - lambda * q.y;

    const Fp2 c = theta.square();
    const Fp2 d = lambda.square();
    const Fp2 e = lambda * d;
    const Fp2 f = t.z * c;
    const Fp2 g = t.x * d;
    const Fp2 h = e + f - g.dbl();
    const Fp2 y3 = theta * (g - h) - t.y * e;
    t.x = lambda * h;
    t.y = y3;
    t.z = t.z * e;
    return l;
}

/// Sparse Fp6 product x * (b0 + b1*v).
template <typename Fp6, typename Fp2>
Fp6 mul_fp6_by_01(const Fp6& x, const Fp2& b0, const Fp2& b1) noexcept
{
    return Fp6{x.c0 * b0 + (x.c2 * b1).mul_by_xi(), x.c0 * b1 + x.c1 * b0, x.c1 * b1 + x.c2 * b0};
}

/// f * (a + b*w + c*w^3): multiplication by a D-type twist line.
template <typename Fp12, typename Fp2>
Fp12 mul_by_line_d(const Fp12& f, const LineCoeffs<Fp2>& l) noexcept
{
    // L = L0 + L1*w with L0 = a (in Fp2 c Fp6) and L1 = b + c*v.
    const auto t0 = f.c0.mul_fp2(l.a);
    const auto t1 = mul_fp6_by_01(f.c1, l.b, l.c);
    const auto s = mul_fp6_by_01(f.c0 + f.c1, l.a + l.b, l.c);
    return {t0 + t1.mul_by_v(), s - t0 - t1};
}

/// f * (c + b*w^2 + a*w^3): multiplication by an M-type twist line.
template <typename Fp12, typename Fp2>
Fp12 mul_by_line_m(const Fp12& f, const LineCoeffs<Fp2>& l) noexcept
{
    // L = L0 + L1*w with L0 = c + b*v and L1 = a*v.
    const auto t0 = mul_fp6_by_01(f.c0, l.c, l.b);
    const auto t1 = f.c1.mul_fp2(l.a).mul_by_v();
    const auto s = mul_fp6_by_01(f.c0 + f.c1, l.c, l.b + l.a);
    return {t0 + t1.mul_by_v(), s - t0 - t1};
}

}  // namespace tern::crypto
