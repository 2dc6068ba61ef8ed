#pragma once

// BLS12-381 curve arithmetic and pairing, as needed by the EIP-4844 point-evaluation precompile.
//   E:  y^2 = x^3 + 4 over Fp (G1 = the order-r subgroup of E(Fp))
//   E': y^2 = x^3 + 4(1 + u) over Fp2 (M-type sextic twist; G2 = the order-r subgroup of E'(Fp2))
// Tower: Fp2 = Fp[u]/(u^2 + 1), Fp6 = Fp2[v]/(v^3 - (1 + u)), Fp12 = Fp6[w]/(w^2 - v).
// Optimal ate pairing with loop parameter x = -0xd201000000010000.
// Field, tower and Jacobian point code is shared with bn254 (crypto/field.hpp, tower.hpp, ec.hpp).
// Not constant-time: every input of the precompile is public.

#include "crypto/ec.hpp"
#include "crypto/field.hpp"
#include "crypto/tower.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>

namespace tern::crypto::bls12_381 {

/// Base-field modulus p (381 bits), little-endian limbs.
struct FpParams
{
    static constexpr std::array<uint64_t, 6> modulus = {0xb9feffffffffaaab, 0x1eabfffeb153ffff,
                                                        0x6730d2a0f6b0f624, 0x64774b84f38512bf,
                                                        0x4b1ba7b6434bacd7, 0x1a0111ea397fe69a};
};

/// Base field Fp.
using Fp = MontField<FpParams>;
/// Fp2 = Fp[u]/(u^2 + 1).
using Fp2 = Fp2T<Fp, 1>;
/// Fp6 = Fp2[v]/(v^3 - (1 + u)).
using Fp6 = Fp6T<Fp2>;
/// Fp12 = Fp6[w]/(w^2 - v), the field of the pairing's target group.
using Fp12 = Fp12T<Fp6>;

/// G1 point (affine / Jacobian).
using G1 = AffinePoint<Fp>;
using G1J = JacobianPoint<Fp>;
/// G2 point on the twist E' (affine / Jacobian).
using G2 = AffinePoint<Fp2>;
using G2J = JacobianPoint<Fp2>;

/// Prime order r of G1, G2 and GT (the BLS_MODULUS of EIP-4844), little-endian limbs.
inline constexpr std::array<uint64_t, 4> kOrder = {0xffffffff00000001, 0x53bda402fffe5bfe,
                                                   0x3339d80809a1d805, 0x73eda753299d7d48};

/// |x| for the curve parameter x = -0xd201000000010000 (the Miller loop length).
inline constexpr uint64_t kAbsX = 0xd201000000010000ULL;

/// Size of a compressed G1 point (ZCash serialization).
inline constexpr size_t kG1CompressedSize = 48;
/// Size of a compressed G2 point (ZCash serialization).
inline constexpr size_t kG2CompressedSize = 96;

/// Curve constant b = 4 of E.
Fp g1_b() noexcept;
/// Twist constant b' = 4(1 + u) of E'.
Fp2 twist_b() noexcept;

/// The standard G1 generator.
const G1& g1_generator() noexcept;
/// The standard G2 generator.
const G2& g2_generator() noexcept;

/// True if p lies on E (infinity counts).
bool g1_on_curve(const G1& p) noexcept;
/// True if q lies on E' (infinity counts).
bool g2_on_curve(const G2& q) noexcept;
/// The cube root of unity beta in Fp for which (x, y) -> (beta x, y) acts on G1 as [-x^2].
const Fp& g1_cube_root() noexcept;
/// True if p (on E) has order dividing r, i.e. lies in G1.
bool g1_in_subgroup(const G1& p) noexcept;
/// True if q (on E') has order dividing r, i.e. lies in G2.
bool g2_in_subgroup(const G2& q) noexcept;

/// k*P for a scalar given as little-endian limbs.
G1 g1_mul(const G1& p, std::span<const uint64_t> k) noexcept;
/// k*Q for a scalar given as little-endian limbs.
G2 g2_mul(const G2& q, std::span<const uint64_t> k) noexcept;

/// Decodes a compressed G1 point (ZCash format: bit 7 of byte 0 = compressed, bit 6 = infinity,
/// bit 5 = y is the lexicographically larger root). Rejects a missing compression flag, a
/// non-canonical infinity (anything but 0xc0 followed by zeros), x >= p, x not on the curve and
/// points outside G1.
std::optional<G1> g1_decompress(std::span<const uint8_t, kG1CompressedSize> in) noexcept;
/// Decodes a compressed G2 point (x.c1 then x.c0, flags in the top bits of byte 0), with the
/// same checks as g1_decompress.
std::optional<G2> g2_decompress(std::span<const uint8_t, kG2CompressedSize> in) noexcept;
/// Encodes a G1 point in the compressed ZCash format (inverse of g1_decompress).
std::array<uint8_t, kG1CompressedSize> g1_compress(const G1& p) noexcept;
/// Encodes a G2 point in the compressed ZCash format (inverse of g2_decompress).
std::array<uint8_t, kG2CompressedSize> g2_compress(const G2& q) noexcept;

/// The p-power Frobenius map of Fp12.
Fp12 frobenius(const Fp12& f) noexcept;

/// Product of the Miller loops f_{x,Q}(P) (x negative: the result is conjugated) over all pairs
/// whose points are both finite. Points must be valid (P in G1, Q in G2).
Fp12 miller_loop(std::span<const std::pair<G1, G2>> pairs) noexcept;

/// f^((p^12 - 1) / r), the final exponentiation of the reduced pairing.
Fp12 final_exponentiation(const Fp12& f) noexcept;

/// The reduced optimal ate pairing e(P, Q).
Fp12 pairing(const G1& p, const G2& q) noexcept;

/// True if the product of e(P_i, Q_i) over all pairs is one (one shared final exponentiation).
bool pairing_check(std::span<const std::pair<G1, G2>> pairs) noexcept;

}  // namespace tern::crypto::bls12_381
