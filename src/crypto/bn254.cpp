#include "crypto/bn254.hpp"

#include "crypto/bn254_detail.hpp"
#include "crypto/miller.hpp"

#include <vector>

namespace tern::crypto::bn254 {
namespace detail {

Fp g1_b() noexcept
{
    return Fp::from_u64(3);
}

const Fp2& twist_b() noexcept
{
    static const Fp2 b = Fp2{Fp::from_u64(3), Fp::zero()} * Fp2::one().mul_by_xi().inverse();
    return b;
}

const std::array<Fp2, 6>& frobenius_gammas() noexcept
{
    static const std::array<Fp2, 6> g = compute_frobenius_gammas<Fp2>();
    return g;
}

Fp12 frobenius(const Fp12& f) noexcept
{
    return f.frobenius(frobenius_gammas());
}

G2 g2_frobenius(const G2& q) noexcept
{
    if (q.infinity)
        return q;
    const auto& g = frobenius_gammas();
    return G2::of(q.x.conj() * g[2], q.y.conj() * g[3]);
}

bool g2_in_subgroup(const G2& q) noexcept
{
    return G2J::from_affine(q).mul(kOrder).is_inf();
}

namespace {

/// The non-adjacent form of 6u + 2, least significant digit first.
struct LoopNaf
{
    std::array<int8_t, 66> digits{};
    size_t size = 0;
};

constexpr LoopNaf compute_loop_naf() noexcept
{
    LoopNaf n;
    Uint128 v = Uint128{kU} * 6 + 2;
    while (v != 0)
    {
        int8_t d = 0;
        if (v & 1)
        {
            d = (v & 3) == 1 ? 1 : -1;
            if (d == 1)
                v -= 1;
            else
                v += 1;
        }
        n.digits[n.size++] = d;
        v >>= 1;
    }
    return n;
}

constexpr LoopNaf kLoopNaf = compute_loop_naf();

/// f^u for f in the cyclotomic subgroup.
Fp12 pow_u(const Fp12& f) noexcept
{
    return f.cyclotomic_pow_u64(kU);
}

}  // namespace

Fp12 miller_loop(std::span<const std::pair<G1, G2>> pairs, const Deadline* deadline) noexcept
{
    struct State
    {
        G1 p;
        G2 q;
        G2 q_neg;
        ProjectiveG2<Fp2> t;
    };
    std::vector<State> st;
    st.reserve(pairs.size());
    for (const auto& [p, q] : pairs)
    {
        if (p.infinity || q.infinity)
            continue;
        st.push_back({p, q, q.neg(), {q.x, q.y, Fp2::one()}});
    }

    Fp12 f = Fp12::one();
    if (st.empty())
        return f;

    // The top NAF digit is 1: T starts at Q.
    for (size_t i = kLoopNaf.size - 1; i-- > 0;)
    {
        if (deadline != nullptr && deadline->expired())
            return f;  // meaningless; the caller sees the deadline
        f = f.square();
        for (auto& s : st)
            f = mul_by_line_d(f, miller_double_step(s.t, s.p.x, s.p.y, twist_b()));
        const int8_t d = kLoopNaf.digits[i];
        if (d != 0)
        {
            for (auto& s : st)
                f = mul_by_line_d(f, miller_add_step(s.t, d > 0 ? s.q : s.q_neg, s.p.x, s.p.y));
        }
    }
    // Two extra lines: T + pi(Q), then that - pi^2(Q).
    for (auto& s : st)
    {
        const G2 q1 = g2_frobenius(s.q);
        const G2 q2_neg = g2_frobenius(q1).neg();
        f = mul_by_line_d(f, miller_add_step(s.t, q1, s.p.x, s.p.y));
        f = mul_by_line_d(f, miller_add_step(s.t, q2_neg, s.p.x, s.p.y));
    }
    return f;
}

Fp12 final_exponentiation(const Fp12& f) noexcept
{
    // Easy part: f^((p^6 - 1)(p^2 + 1)); the result lies in the cyclotomic subgroup, where
    // inversion is conjugation.
    Fp12 m = f.conj() * f.inverse();
    m = frobenius(frobenius(m)) * m;

    // Hard part (p^4 - p^2 + 1)/r = l0 + l1 p + l2 p^2 + p^3 with
    //   l0 = -36u^3 - 30u^2 - 18u - 2, l1 = -36u^3 - 18u^2 - 12u + 1, l2 = 6u^2 + 1.
    const Fp12 a = pow_u(m);  // m^u
    const Fp12 b = pow_u(a);  // m^(u^2)
    const Fp12 c = pow_u(b);  // m^(u^3)
    const Fp12 c36 = c.cyclotomic_pow_u64(36);
    const Fp12 b6 = b.cyclotomic_pow_u64(6);
    const Fp12 b12 = b6.cyclotomic_square();
    const Fp12 b18 = b12 * b6;
    const Fp12 a6 = a.cyclotomic_pow_u64(6);
    const Fp12 a12 = a6.cyclotomic_square();
    const Fp12 a18 = a12 * a6;
    const Fp12 m2 = m.cyclotomic_square();

    const Fp12 f0 = (c36 * b18 * b12 * a18 * m2).conj();
    const Fp12 f1 = (c36 * b18 * a12).conj() * m;
    const Fp12 f2 = b6 * m;
    const Fp12 f3 = m;
    return f0 * frobenius(f1) * frobenius(frobenius(f2)) * frobenius(frobenius(frobenius(f3)));
}

}  // namespace detail

using namespace detail;

namespace {

/// Reads a G1 point (64 bytes); nullopt if a coordinate is >= p or the point is off the curve.
std::optional<G1> read_g1(const uint8_t* in) noexcept
{
    Fp x, y;
    if (!Fp::from_be_bytes(in, 32, x) || !Fp::from_be_bytes(in + 32, 32, y))
        return std::nullopt;
    if (x.is_zero() && y.is_zero())
        return G1::inf();
    const G1 p = G1::of(x, y);
    if (!p.is_on_curve(g1_b()))
        return std::nullopt;
    return p;
}

/// Reads a G2 point (128 bytes: x_im, x_re, y_im, y_re); nullopt if a coordinate is >= p, the
/// point is off the twist, or it is not in the r-torsion subgroup.
std::optional<G2> read_g2(const uint8_t* in) noexcept
{
    Fp x_im, x_re, y_im, y_re;
    if (!Fp::from_be_bytes(in, 32, x_im) || !Fp::from_be_bytes(in + 32, 32, x_re) ||
        !Fp::from_be_bytes(in + 64, 32, y_im) || !Fp::from_be_bytes(in + 96, 32, y_re))
        return std::nullopt;
    const Fp2 x{x_re, x_im};
    const Fp2 y{y_re, y_im};
    if (x.is_zero() && y.is_zero())
        return G2::inf();
    const G2 q = G2::of(x, y);
    if (!q.is_on_curve(twist_b()) || !g2_in_subgroup(q))
        return std::nullopt;
    return q;
}

std::array<uint8_t, 64> write_g1(const G1J& p) noexcept
{
    std::array<uint8_t, 64> out{};
    const G1 a = p.to_affine();
    if (!a.infinity)
    {
        a.x.to_be_bytes(out.data(), 32);
        a.y.to_be_bytes(out.data() + 32, 32);
    }
    return out;
}

}  // namespace

std::optional<std::array<uint8_t, 64>> add(BytesView input128)
{
    if (input128.size() != 128)
        return std::nullopt;
    const auto p = read_g1(input128.data());
    const auto q = read_g1(input128.data() + 64);
    if (!p || !q)
        return std::nullopt;
    return write_g1(G1J::from_affine(*p).add(G1J::from_affine(*q)));
}

std::optional<std::array<uint8_t, 64>> mul(BytesView input96)
{
    if (input96.size() != 96)
        return std::nullopt;
    const auto p = read_g1(input96.data());
    if (!p)
        return std::nullopt;
    std::array<uint64_t, 4> k{};
    for (size_t i = 0; i < 32; ++i)
    {
        const size_t bit_pos = (31 - i) * 8;
        k[bit_pos / 64] |= uint64_t{input96[64 + i]} << (bit_pos % 64);
    }
    return write_g1(G1J::from_affine(*p).mul(k));
}

std::optional<bool> pairing_check(BytesView input, const Deadline* deadline)
{
    if (input.size() % 192 != 0)
        return std::nullopt;
    std::vector<std::pair<G1, G2>> pairs;
    pairs.reserve(input.size() / 192);
    for (size_t off = 0; off < input.size(); off += 192)
    {
        if (deadline != nullptr && deadline->expired())
            return std::nullopt;
        const auto p = read_g1(input.data() + off);
        const auto q = read_g2(input.data() + off + 64);
        if (!p || !q)
            return std::nullopt;
        pairs.emplace_back(*p, *q);
    }
    const Fp12 f = miller_loop(pairs, deadline);
    if (deadline != nullptr && deadline->expired())
        return std::nullopt;
    return final_exponentiation(f).is_one();
}

}  // namespace tern::crypto::bn254
