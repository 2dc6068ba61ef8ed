#pragma once

// Internals of the bn254 pairing, exposed for tests and benchmarks. Curve:
//   E:  y^2 = x^3 + 3 over Fp (G1, cofactor 1)
//   E': y^2 = x^3 + 3/xi over Fp2, xi = 9 + i (D-type sextic twist, G2 = r-torsion of E')
// Optimal ate pairing with loop parameter 6u + 2, u = 4965661367192848881.

#include "core/deadline.hpp"
#include "crypto/ec.hpp"
#include "crypto/field.hpp"
#include "crypto/tower.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <utility>

namespace tern::crypto::bn254::detail {

/// Base-field modulus p.
struct FpParams
{
    static constexpr std::array<uint64_t, 4> modulus = {0x3c208c16d87cfd47, 0x97816a916871ca8d,
                                                        0xb85045b68181585d, 0x30644e72e131a029};
};

/// Base field Fp.
using Fp = MontField<FpParams>;
/// Fp2 = Fp[i]/(i^2 + 1).
using Fp2 = Fp2T<Fp, 9>;
/// Fp6 = Fp2[v]/(v^3 - (9 + i)).
using Fp6 = Fp6T<Fp2>;
/// Fp12 = Fp6[w]/(w^2 - v), the target group's field.
using Fp12 = Fp12T<Fp6>;

/// G1 point (affine / Jacobian).
using G1 = AffinePoint<Fp>;
using G1J = JacobianPoint<Fp>;
/// G2 point on the twist (affine / Jacobian).
using G2 = AffinePoint<Fp2>;
using G2J = JacobianPoint<Fp2>;

/// Group order r (little-endian limbs).
inline constexpr std::array<uint64_t, 4> kOrder = {0x43e1f593f0000001, 0x2833e84879b97091,
                                                   0xb85045b68181585d, 0x30644e72e131a029};

/// The BN parameter u.
inline constexpr uint64_t kU = 4965661367192848881ULL;

/// Curve constant b = 3 of E.
Fp g1_b() noexcept;
/// Twist constant b' = 3 / (9 + i) of E'.
const Fp2& twist_b() noexcept;
/// Frobenius factors xi^(k(p-1)/6), k = 0..5.
const std::array<Fp2, 6>& frobenius_gammas() noexcept;

/// The p-power Frobenius of Fp12.
Fp12 frobenius(const Fp12& f) noexcept;

/// Frobenius endomorphism of the twist: untwist, raise coordinates to p, twist back.
G2 g2_frobenius(const G2& q) noexcept;

/// True if q (on the twist) has order dividing r.
bool g2_in_subgroup(const G2& q) noexcept;

/// Product of the Miller loops f_{6u+2,Q}(P) with the two Frobenius lines, over all pairs whose
/// points are both finite. Points must be valid (on the curves, Q in G2). With a `deadline` it
/// returns early (a meaningless value) once that has expired: the caller checks it.
Fp12 miller_loop(std::span<const std::pair<G1, G2>> pairs,
                 const Deadline* deadline = nullptr) noexcept;

/// f^((p^12 - 1) / r).
Fp12 final_exponentiation(const Fp12& f) noexcept;

}  // namespace tern::crypto::bn254::detail
