#include "crypto/kzg.hpp"

#include "core/assert.hpp"
#include "crypto/bls12_381.hpp"

#include <array>
#include <utility>

namespace tern::crypto::kzg {
namespace {

namespace bls = bls12_381;

/// [tau]G2 of the Ethereum KZG ceremony (trusted_setup_4096.json, g2_monomial[1]), compressed.
constexpr std::array<uint8_t, 96> kTauG2Compressed = {
    0xb5, 0xbf, 0xd7, 0xdd, 0x8c, 0xde, 0xb1, 0x28, 0x84, 0x3b, 0xc2, 0x87, 0x23, 0x0a, 0xf3, 0x89,
    0x26, 0x18, 0x70, 0x75, 0xcb, 0xfb, 0xef, 0xa8, 0x10, 0x09, 0xa2, 0xce, 0x61, 0x5a, 0xc5, 0x3d,
    0x29, 0x14, 0xe5, 0x87, 0x0c, 0xb4, 0x52, 0xd2, 0xaf, 0xaa, 0xab, 0x24, 0xf3, 0x49, 0x9f, 0x72,
    0x18, 0x5c, 0xbf, 0xee, 0x53, 0x49, 0x27, 0x14, 0x73, 0x44, 0x29, 0xb7, 0xb3, 0x86, 0x08, 0xe2,
    0x39, 0x26, 0xc9, 0x11, 0xcc, 0xec, 0xea, 0xc9, 0xa3, 0x68, 0x51, 0x47, 0x7b, 0xa4, 0xc6, 0x0b,
    0x08, 0x70, 0x41, 0xde, 0x62, 0x10, 0x00, 0xed, 0xc9, 0x8e, 0xda, 0xda, 0x20, 0xc1, 0xde, 0xf2};

/// The decoded [tau]G2 (decoded once; a constant).
const bls::G2& tau_g2() noexcept
{
    static const bls::G2 q = [] {
        const auto decoded = bls::g2_decompress(kTauG2Compressed);
        TERN_ASSERT(decoded.has_value());
        return *decoded;
    }();
    return q;
}

/// Parses a 32-byte big-endian scalar; nullopt if it is >= r (BLS_MODULUS).
std::optional<std::array<uint64_t, 4>> parse_scalar(const uint8_t* in) noexcept
{
    std::array<uint64_t, 4> s{};
    for (size_t i = 0; i < 32; ++i)
    {
        const size_t bit_pos = (31 - i) * 8;
        s[bit_pos / 64] |= uint64_t{in[i]} << (bit_pos % 64);
    }
    if (!limbs::less(s, bls::kOrder))
        return std::nullopt;
    return s;
}

/// [a]P + [b]Q with shared doublings (Straus-Shamir).
bls::G1J double_mul(const bls::G1J& p,
                    const std::array<uint64_t, 4>& a,
                    const bls::G1J& q,
                    const std::array<uint64_t, 4>& b) noexcept
{
    const bls::G1J pq = p.add(q);
    bls::G1J r = bls::G1J::inf();
    for (size_t i = 256; i-- > 0;)
    {
        r = r.dbl();
        const bool bit_a = limbs::bit(a, i);
        const bool bit_b = limbs::bit(b, i);
        if (bit_a && bit_b)
            r = r.add(pq);
        else if (bit_a)
            r = r.add(p);
        else if (bit_b)
            r = r.add(q);
    }
    return r;
}

}  // namespace

std::optional<bool> verify_point_evaluation(BytesView input192)
{
    if (input192.size() != 192)
        return std::nullopt;
    const uint8_t* in = input192.data();
    const auto z = parse_scalar(in + 32);
    const auto y = parse_scalar(in + 64);
    if (!z || !y)
        return std::nullopt;
    const auto commitment = bls::g1_decompress(std::span<const uint8_t, 48>(in + 96, 48));
    const auto proof = bls::g1_decompress(std::span<const uint8_t, 48>(in + 144, 48));
    if (!commitment || !proof)
        return std::nullopt;

    // e(C - [y]G1, G2) == e(proof, [tau]G2 - [z]G2)
    //   <=>  e(C - [y]G1 + [z]proof, G2) == e(proof, [tau]G2)      (bilinearity)
    //   <=>  e(-(C - [y]G1 + [z]proof), G2) * e(proof, [tau]G2) == 1
    // This keeps both scalar multiplications in G1 (cheaper than G2) and both G2 points fixed.
    const bls::G1J lhs = bls::G1J::from_affine(*commitment)
                             .add(double_mul(bls::G1J::from_affine(bls::g1_generator()).neg(), *y,
                                             bls::G1J::from_affine(*proof), *z));
    const std::array<std::pair<bls::G1, bls::G2>, 2> pairs = {{
        {lhs.neg().to_affine(), bls::g2_generator()},
        {*proof, tau_g2()},
    }};
    return bls::pairing_check(pairs);
}

}  // namespace tern::crypto::kzg
