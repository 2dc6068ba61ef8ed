// BLS12-381 arithmetic for the EIP-4844 point evaluation (kzg helper). The Miller-loop steps come
// from crypto/miller.hpp (shared with bn254; first version of this file by the bn254 helper).
#include "crypto/bls12_381.hpp"

#include "crypto/miller.hpp"

#include <cstring>
#include <vector>

namespace tern::crypto::bls12_381 {

namespace {

constexpr uint8_t hex_nibble(char c) noexcept
{
    return static_cast<uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10);
}

/// Decodes a lower-case hex literal of exactly 2N digits at compile time.
template <size_t N>
constexpr std::array<uint8_t, N> hex_bytes(const char (&s)[2 * N + 1]) noexcept
{
    std::array<uint8_t, N> out{};
    for (size_t i = 0; i < N; ++i)
        out[i] = static_cast<uint8_t>(hex_nibble(s[2 * i]) << 4 | hex_nibble(s[2 * i + 1]));
    return out;
}

// Compressed generators (ZCash serialisation).
constexpr auto kG1GenCompressed = hex_bytes<48>(
    "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22"
    "c6bb");
constexpr auto kG2GenCompressed = hex_bytes<96>(
    "93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d04"
    "2b7e024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8"
    "c121bdb8");

/// (p - 1) / 2: y is "lexicographically largest" when y > (p - 1) / 2.
constexpr auto kHalfP = limbs::div_small(limbs::sub_small(FpParams::modulus, 1), 2);

bool is_largest(const Fp& y) noexcept
{
    return limbs::less(kHalfP, y.to_limbs());
}

bool is_largest(const Fp2& y) noexcept
{
    return y.c1.is_zero() ? is_largest(y.c0) : is_largest(y.c1);
}

/// Splits the flag bits off a compressed encoding. Returns false on a malformed header; sets
/// `infinity` for a valid infinity encoding, otherwise clears the flags in `body`.
bool read_flags(uint8_t* body, size_t len, bool& infinity, bool& sign) noexcept
{
    const uint8_t flags = body[0] & 0xe0;
    if ((flags & 0x80) == 0)
        return false;  // uncompressed encodings are not accepted here
    infinity = (flags & 0x40) != 0;
    sign = (flags & 0x20) != 0;
    body[0] &= 0x1f;
    if (infinity)
    {
        if (sign)
            return false;
        for (size_t i = 0; i < len; ++i)
            if (body[i] != 0)
                return false;
    }
    return true;
}

/// Decodes a compressed G1 point without the subgroup check (the point is on the curve).
std::optional<G1> g1_decompress_on_curve(std::span<const uint8_t, kG1CompressedSize> in) noexcept
{
    uint8_t body[48];
    std::memcpy(body, in.data(), 48);
    bool infinity = false, sign = false;
    if (!read_flags(body, 48, infinity, sign))
        return std::nullopt;
    if (infinity)
        return G1::inf();
    Fp x, y;
    if (!Fp::from_be_bytes(body, 48, x))
        return std::nullopt;
    if (!(x.square() * x + g1_b()).sqrt(y))
        return std::nullopt;
    if (is_largest(y) != sign)
        y = -y;
    return G1::of(x, y);
}

/// Decodes a compressed G2 point without the subgroup check (the point is on the twist).
std::optional<G2> g2_decompress_on_curve(std::span<const uint8_t, kG2CompressedSize> in) noexcept
{
    uint8_t body[96];
    std::memcpy(body, in.data(), 96);
    bool infinity = false, sign = false;
    if (!read_flags(body, 96, infinity, sign))
        return std::nullopt;
    if (infinity)
        return G2::inf();
    Fp x1, x0;
    if (!Fp::from_be_bytes(body, 48, x1) || !Fp::from_be_bytes(body + 48, 48, x0))
        return std::nullopt;
    const Fp2 x{x0, x1};
    Fp2 y;
    if (!(x.square() * x + twist_b()).sqrt(y))
        return std::nullopt;
    if (is_largest(y) != sign)
        y = -y;
    return G2::of(x, y);
}

}  // namespace

const Fp& g1_cube_root() noexcept
{
    static const Fp beta = [] {
        // A primitive cube root of unity is g^((p-1)/3) for any cubic non-residue g; of the two
        // roots, take the one whose endomorphism acts on the generator as [-x^2].
        constexpr auto e = limbs::div_small(limbs::sub_small(FpParams::modulus, 1), 3);
        Fp root = Fp::one();
        for (uint64_t g = 2; root == Fp::one(); ++g)
            root = Fp::from_u64(g).pow(e);
        const G1& gen = g1_generator();
        const std::array<uint64_t, 1> abs_x = {kAbsX};
        const G1 target = G1J::from_affine(gen).mul(abs_x).mul(abs_x).neg().to_affine();
        return G1::of(gen.x * root, gen.y) == target ? root : root.square();
    }();
    return beta;
}

Fp g1_b() noexcept
{
    return Fp::from_u64(4);
}

Fp2 twist_b() noexcept
{
    return {Fp::from_u64(4), Fp::from_u64(4)};
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

const G1& g1_generator() noexcept
{
    static const G1 g = *g1_decompress_on_curve(kG1GenCompressed);
    return g;
}

const G2& g2_generator() noexcept
{
    static const G2 g = *g2_decompress_on_curve(kG2GenCompressed);
    return g;
}

bool g1_on_curve(const G1& p) noexcept
{
    return p.is_on_curve(g1_b());
}

bool g2_on_curve(const G2& q) noexcept
{
    return q.is_on_curve(twist_b());
}

G1 g1_mul(const G1& p, std::span<const uint64_t> k) noexcept
{
    return G1J::from_affine(p).mul(k).to_affine();
}

G2 g2_mul(const G2& q, std::span<const uint64_t> k) noexcept
{
    return G2J::from_affine(q).mul(k).to_affine();
}

bool g1_in_subgroup(const G1& p) noexcept
{
    // Scott's test (ePrint 2021/1130): the endomorphism phi(x, y) = (beta x, y) acts on G1 as
    // multiplication by -x^2 (an eigenvalue, as x^4 - x^2 + 1 = r), and on E(Fp) a point is in G1
    // iff phi(P) = [-x^2]P. Cheaper than [r]P: two 64-bit multiplications instead of 255 bits.
    if (p.infinity)
        return true;
    const G1J pj = G1J::from_affine(p);
    const std::array<uint64_t, 1> abs_x = {kAbsX};
    const G1J x2p = pj.mul(abs_x).mul(abs_x);
    const G1J phi = G1J::from_affine(G1::of(p.x * g1_cube_root(), p.y));
    return phi == x2p.neg();
}

bool g2_in_subgroup(const G2& q) noexcept
{
    return G2J::from_affine(q).mul(kOrder).is_inf();
}

std::optional<G1> g1_decompress(std::span<const uint8_t, kG1CompressedSize> in) noexcept
{
    const auto p = g1_decompress_on_curve(in);
    if (!p || !g1_in_subgroup(*p))
        return std::nullopt;
    return p;
}

std::optional<G2> g2_decompress(std::span<const uint8_t, kG2CompressedSize> in) noexcept
{
    const auto q = g2_decompress_on_curve(in);
    if (!q || !g2_in_subgroup(*q))
        return std::nullopt;
    return q;
}

std::array<uint8_t, 48> g1_compress(const G1& p) noexcept
{
    std::array<uint8_t, 48> out{};
    if (p.infinity)
    {
        out[0] = 0xc0;
        return out;
    }
    p.x.to_be_bytes(out.data(), 48);
    out[0] |= 0x80;
    if (is_largest(p.y))
        out[0] |= 0x20;
    return out;
}

std::array<uint8_t, kG2CompressedSize> g2_compress(const G2& q) noexcept
{
    std::array<uint8_t, kG2CompressedSize> out{};
    if (q.infinity)
    {
        out[0] = 0xc0;
        return out;
    }
    q.x.c1.to_be_bytes(out.data(), 48);
    q.x.c0.to_be_bytes(out.data() + 48, 48);
    out[0] |= 0x80;
    if (is_largest(q.y))
        out[0] |= 0x20;
    return out;
}

Fp12 miller_loop(std::span<const std::pair<G1, G2>> pairs) noexcept
{
    struct State
    {
        G1 p;
        G2 q;
        ProjectiveG2<Fp2> t;
    };
    std::vector<State> st;
    st.reserve(pairs.size());
    for (const auto& [p, q] : pairs)
    {
        if (p.infinity || q.infinity)
            continue;
        st.push_back({p, q, {q.x, q.y, Fp2::one()}});
    }
    Fp12 f = Fp12::one();
    if (st.empty())
        return f;

    const Fp2 b = twist_b();
    // Bit 63 of |x| is the leading one: T starts at Q.
    for (int i = 62; i >= 0; --i)
    {
        f = f.square();
        for (auto& s : st)
            f = mul_by_line_m(f, miller_double_step(s.t, s.p.x, s.p.y, b));
        if ((kAbsX >> i) & 1)
        {
            for (auto& s : st)
                f = mul_by_line_m(f, miller_add_step(s.t, s.q, s.p.x, s.p.y));
        }
    }
    // x < 0: f_{x,Q} = 1 / f_{|x|,Q} up to factors the final exponentiation removes, and after
    // it inversion equals conjugation.
    return f.conj();
}

Fp12 final_exponentiation(const Fp12& f) noexcept
{
    // Easy part: f^((p^6 - 1)(p^2 + 1)), landing in the cyclotomic subgroup.
    Fp12 m = f.conj() * f.inverse();
    m = frobenius(frobenius(m)) * m;

    // Hard part (p^4 - p^2 + 1) / r = ((x - 1)^2 / 3) (x + p) (x^2 + p^2 - 1) + 1
    // ((x - 1)^2 is divisible by 3 for this x).
    constexpr uint64_t kXMinus1SqOver3[2] = {0x8c00aaab0000aaabULL, 0x396c8c005555e156ULL};
    const auto exp_x = [](const Fp12& a) noexcept {
        return a.pow_u64(kAbsX).conj();
    };
    const Fp12 a = m.pow(kXMinus1SqOver3);                                // m^((x-1)^2/3)
    const Fp12 b = exp_x(a) * frobenius(a);                               // ^(x+p)
    const Fp12 c = exp_x(exp_x(b)) * frobenius(frobenius(b)) * b.conj();  // ^(x^2+p^2-1)
    return c * m;
}

Fp12 pairing(const G1& p, const G2& q) noexcept
{
    const std::pair<G1, G2> pq[] = {{p, q}};
    return final_exponentiation(miller_loop(pq));
}

bool pairing_check(std::span<const std::pair<G1, G2>> pairs) noexcept
{
    return final_exponentiation(miller_loop(pairs)).is_one();
}

}  // namespace tern::crypto::bls12_381
