#include "precompiles/modexp.hpp"

#include "core/assert.hpp"
#include "core/uint256.hpp"

#include <gmp.h>

#include <algorithm>
#include <limits>

namespace tern::precompiles {
namespace {

constexpr uint64_t kMaxU64 = std::numeric_limits<uint64_t>::max();

/// a + b, saturating at UINT64_MAX.
constexpr uint64_t sat_add(uint64_t a, uint64_t b) noexcept
{
    return a > kMaxU64 - b ? kMaxU64 : a + b;
}

/// The part of input[offset, offset + len) that lies inside the input (maybe empty).
BytesView available(BytesView input, uint64_t offset, uint64_t len) noexcept
{
    if (offset >= input.size())
        return {};
    const uint64_t avail = std::min<uint64_t>(len, input.size() - offset);
    return input.subspan(static_cast<size_t>(offset), static_cast<size_t>(avail));
}

/// Big-endian 32-byte word at `offset` of the zero-extended input.
U256 word_at(BytesView input, uint64_t offset) noexcept
{
    uint8_t buf[32] = {};
    const BytesView part = available(input, offset, 32);
    std::copy(part.begin(), part.end(), buf);
    return U256::from_be_bytes(buf, 32);
}

/// A length word clamped to 64 bits. Clamping never changes a gas decision: any length above
/// 2^64 already prices far above the int64 gas range (unless it multiplies a zero complexity).
uint64_t clamp_u64(const U256& v) noexcept
{
    return v.fits_u64() ? v.low64() : kMaxU64;
}

struct Lengths
{
    uint64_t base = 0;
    uint64_t exp = 0;
    uint64_t mod = 0;
};

Lengths read_lengths(BytesView input) noexcept
{
    return {clamp_u64(word_at(input, 0)), clamp_u64(word_at(input, 32)),
            clamp_u64(word_at(input, 64))};
}

/// Imports input[offset, offset + len) of the zero-extended input as a big-endian integer:
/// the bytes past the input end are zeros, i.e. a left shift.
void import_padded(mpz_t out, BytesView input, uint64_t offset, uint64_t len)
{
    const BytesView part = available(input, offset, len);
    if (part.empty())
    {
        mpz_set_ui(out, 0);
        return;
    }
    mpz_import(out, part.size(), 1, 1, 1, 0, part.data());
    const uint64_t missing = len - part.size();
    if (missing != 0)
        mpz_mul_2exp(out, out, static_cast<mp_bitcnt_t>(missing * 8));
}

/// RAII holder of a GMP integer.
struct Mpz
{
    mpz_t v;
    Mpz() { mpz_init(v); }
    ~Mpz() { mpz_clear(v); }
    Mpz(const Mpz&) = delete;
    Mpz& operator=(const Mpz&) = delete;
};

}  // namespace

uint64_t modexp_gas(BytesView input) noexcept
{
    const Lengths len = read_lengths(input);

    // Multiplication complexity: ceil(max(base_len, mod_len) / 8)^2 (fits: < 2^122).
    const U256 words = (U256(std::max(len.base, len.mod)) + 7) / 8;
    const U256 complexity = words * words;

    // Iteration count from the exponent's length and its first (up to) 32 bytes.
    U256 head;
    if (len.exp != 0)
    {
        const uint64_t head_len = std::min<uint64_t>(len.exp, 32);
        uint8_t buf[32] = {};
        const BytesView part = available(input, sat_add(96, len.base), head_len);
        std::copy(part.begin(), part.end(), buf);
        head = U256::from_be_bytes(buf, static_cast<size_t>(head_len));
    }
    const unsigned head_bits = head.bit_width();
    U256 iterations = head_bits != 0 ? U256(head_bits - 1) : U256(0);
    if (len.exp > 32)
        iterations += U256(len.exp - 32) * 8;
    if (iterations == U256(0))
        iterations = 1;

    // complexity < 2^122, iterations < 2^68: the product fits in 256 bits.
    const U256 gas = std::max(complexity * iterations / 3, U256(200));
    return clamp_u64(gas);
}

namespace {

/// Limb squarings (limbs^2 per squaring) one slice of a deadline-checked exponentiation may
/// take (two exponentiations of `slice` bits): about 10 ms on one core at most.
constexpr uint64_t kSliceWork = uint64_t{1} << 21;

/// result = base^exp mod mod (mod > 0) in slices of the exponent, highest first:
/// r = r^(2^k) * base^slice. Checks `deadline` before each slice; false once it has expired.
bool powm_sliced(mpz_t result,
                 const mpz_t base,
                 const mpz_t exp,
                 const mpz_t mod,
                 const Deadline& deadline)
{
    const uint64_t limbs = std::max<uint64_t>(1, mpz_size(mod));
    const uint64_t bits = mpz_sizeinbase(exp, 2);
    const uint64_t slice = std::clamp<uint64_t>(kSliceWork / (limbs * limbs), 64, 1 << 18);
    if (bits <= 2 * slice)
    {
        mpz_powm(result, base, exp, mod);
        return true;
    }
    Mpz r, b, piece, shift, t;
    mpz_mod(b.v, base, mod);
    mpz_set_ui(r.v, 1);
    mpz_mod(r.v, r.v, mod);
    mpz_setbit(shift.v, static_cast<mp_bitcnt_t>(slice));
    const uint64_t top = (bits + slice - 1) / slice * slice;
    for (uint64_t hi = top; hi > 0; hi -= slice)
    {
        if (deadline.expired())
            return false;
        if (hi != top)
            mpz_powm(r.v, r.v, shift.v, mod);  // r^(2^slice): `slice` squarings
        mpz_tdiv_q_2exp(piece.v, exp, static_cast<mp_bitcnt_t>(hi - slice));
        mpz_fdiv_r_2exp(piece.v, piece.v, static_cast<mp_bitcnt_t>(slice));
        mpz_powm(t.v, b.v, piece.v, mod);
        mpz_mul(r.v, r.v, t.v);
        mpz_mod(r.v, r.v, mod);
    }
    mpz_set(result, r.v);
    return true;
}

/// modexp_execute with an optional deadline; nullopt once it has expired.
std::optional<Bytes> run_modexp(BytesView input, const Deadline* deadline)
{
    const Lengths len = read_lengths(input);
    if (len.mod == 0)
        return Bytes{};
    // With mod_len > 0 the charged gas (<= INT64_MAX) bounds base_len and mod_len below 2^36
    // (complexity <= 3 * 2^63); anything else is a caller bug. exp_len is bounded only by
    // gas / complexity, so its zero padding is applied as a shift, not a buffer.
    TERN_ASSERT(len.base < (uint64_t{1} << 40) && len.mod < (uint64_t{1} << 40));

    Mpz base, exp, mod, result;
    import_padded(base.v, input, 96, len.base);
    import_padded(exp.v, input, 96 + len.base, len.exp);
    import_padded(mod.v, input, 96 + len.base + len.exp, len.mod);

    Bytes out(static_cast<size_t>(len.mod), 0);
    if (mpz_sgn(mod.v) == 0)
        return out;
    if (deadline == nullptr)
        mpz_powm(result.v, base.v, exp.v, mod.v);
    else if (!powm_sliced(result.v, base.v, exp.v, mod.v, *deadline))
        return std::nullopt;

    // result < mod, so it fits in mod_len bytes; write it right-aligned.
    const size_t size = (mpz_sizeinbase(result.v, 2) + 7) / 8;
    if (mpz_sgn(result.v) != 0)
    {
        TERN_ASSERT(size <= out.size());
        size_t written = 0;
        mpz_export(out.data() + (out.size() - size), &written, 1, 1, 1, 0, result.v);
        TERN_ASSERT(written == size);
    }
    return out;
}

}  // namespace

Bytes modexp_execute(BytesView input)
{
    return *run_modexp(input, nullptr);
}

std::optional<Bytes> modexp_execute(BytesView input, const Deadline& deadline)
{
    return run_modexp(input, &deadline);
}

}  // namespace tern::precompiles
