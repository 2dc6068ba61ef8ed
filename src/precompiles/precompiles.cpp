#include "precompiles/precompiles.hpp"

#include "core/protocol.hpp"
#include "crypto/bn254.hpp"
#include "crypto/kzg.hpp"
#include "crypto/secp256k1.hpp"
#include "precompiles/blake2f.hpp"
#include "precompiles/modexp.hpp"

#include <cryptopp/ripemd.h>
#include <cryptopp/sha.h>

#include <algorithm>
#include <array>
#include <optional>

namespace tern::precompiles {
namespace {

/// Output of a precompile body; nullopt means failure (all gas consumed).
using Output = std::optional<Bytes>;

/// A precompile: its gas cost (saturating) and its body, run only after the cost is charged.
/// Bodies that can run long (modexp, pairing, blake2f) stop with nullopt once `deadline`
/// (non-null only for RPC executions) has expired; the others ignore it.
struct Precompile
{
    uint64_t (*gas)(BytesView input) noexcept;
    Output (*run)(BytesView input, const Deadline* deadline);
};

/// base + per_word * ceil(size / 32): the cost shape of the hash and identity precompiles.
constexpr uint64_t word_cost(size_t size, uint64_t base, uint64_t per_word) noexcept
{
    return base + per_word * ((static_cast<uint64_t>(size) + 31) / 32);
}

/// Copies the first N bytes of `input` into a zero-filled array (EVM right-padding).
template <size_t N>
std::array<uint8_t, N> padded(BytesView input) noexcept
{
    std::array<uint8_t, N> buf{};
    std::copy_n(input.begin(), std::min(input.size(), N), buf.begin());
    return buf;
}

// --- 0x01 ecrecover ----------------------------------------------------------------------

/// secp256k1 group order n, big-endian.
constexpr std::array<uint8_t, 32> kSecp256k1N = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
};

/// True if the big-endian scalar `x` lies in [1, n).
bool is_valid_scalar(const Hash256& x) noexcept
{
    return !x.is_zero() && x.bytes < kSecp256k1N;
}

uint64_t ecrecover_gas(BytesView) noexcept
{
    return 3000;
}

Output ecrecover_run(BytesView input, const Deadline*)
{
    const auto buf = padded<128>(input);
    Hash256 hash, r, s;
    std::copy_n(buf.begin(), 32, hash.bytes.begin());
    std::copy_n(buf.begin() + 64, 32, r.bytes.begin());
    std::copy_n(buf.begin() + 96, 32, s.bytes.begin());

    // v is a full 32-byte word that must equal 27 or 28; anything else: empty output.
    if (!std::all_of(buf.begin() + 32, buf.begin() + 63, [](uint8_t b) { return b == 0; }))
        return Bytes{};
    const uint8_t v = buf[63];
    if (v != 27 && v != 28)
        return Bytes{};

    if (!is_valid_scalar(r) || !is_valid_scalar(s))
        return Bytes{};

    const auto addr = crypto::recover_address(hash, r, s, static_cast<uint8_t>(v - 27));
    if (!addr)
        return Bytes{};
    Bytes out(32, 0);
    std::copy(addr->bytes.begin(), addr->bytes.end(), out.begin() + 12);
    return out;
}

// --- 0x02 sha256, 0x03 ripemd160, 0x04 identity ------------------------------------------

uint64_t sha256_gas(BytesView input) noexcept
{
    return word_cost(input.size(), 60, 12);
}

Output sha256_run(BytesView input, const Deadline*)
{
    Bytes out(32);
    CryptoPP::SHA256 h;
    h.Update(input.data(), input.size());
    h.Final(out.data());
    return out;
}

uint64_t ripemd160_gas(BytesView input) noexcept
{
    return word_cost(input.size(), 600, 120);
}

Output ripemd160_run(BytesView input, const Deadline*)
{
    Bytes out(32, 0);  // 20-byte digest, left-padded to a word
    CryptoPP::RIPEMD160 h;
    h.Update(input.data(), input.size());
    h.Final(out.data() + 12);
    return out;
}

uint64_t identity_gas(BytesView input) noexcept
{
    return word_cost(input.size(), 15, 3);
}

Output identity_run(BytesView input, const Deadline*)
{
    return to_bytes(input);
}

// --- 0x05 modexp -------------------------------------------------------------------------

Output modexp_run(BytesView input, const Deadline* deadline)
{
    if (deadline == nullptr)
        return modexp_execute(input);
    return modexp_execute(input, *deadline);
}

// --- 0x06..0x08 alt_bn128 (EIP-196, EIP-197, Istanbul prices of EIP-1108) ----------------

uint64_t bn254_add_gas(BytesView) noexcept
{
    return 150;
}

Output bn254_add_run(BytesView input, const Deadline*)
{
    const auto buf = padded<128>(input);
    const auto sum = crypto::bn254::add(BytesView{buf});
    if (!sum)
        return std::nullopt;
    return Bytes(sum->begin(), sum->end());
}

uint64_t bn254_mul_gas(BytesView) noexcept
{
    return 6000;
}

Output bn254_mul_run(BytesView input, const Deadline*)
{
    const auto buf = padded<96>(input);
    const auto product = crypto::bn254::mul(BytesView{buf});
    if (!product)
        return std::nullopt;
    return Bytes(product->begin(), product->end());
}

constexpr size_t kPairSize = 192;

uint64_t bn254_pairing_gas(BytesView input) noexcept
{
    return 45000 + 34000 * static_cast<uint64_t>(input.size() / kPairSize);
}

Output bn254_pairing_run(BytesView input, const Deadline* deadline)
{
    if (input.size() % kPairSize != 0)
        return std::nullopt;
    const auto ok = crypto::bn254::pairing_check(input, deadline);
    if (!ok)
        return std::nullopt;
    Bytes out(32, 0);
    out[31] = *ok ? 1 : 0;
    return out;
}

// --- 0x09 blake2f (EIP-152) --------------------------------------------------------------

constexpr size_t kBlake2fInputSize = 213;

uint64_t load_le64(const uint8_t* p) noexcept
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = (v << 8) | p[i];
    return v;
}

void store_le64(uint8_t* p, uint64_t v) noexcept
{
    for (int i = 0; i < 8; ++i)
        p[i] = static_cast<uint8_t>(v >> (8 * i));
}

uint64_t blake2f_gas(BytesView input) noexcept
{
    // A malformed input fails in the body; pricing it at 0 keeps failure (not OOG) its outcome.
    if (input.size() != kBlake2fInputSize)
        return 0;
    return (uint64_t{input[0]} << 24) | (uint64_t{input[1]} << 16) | (uint64_t{input[2]} << 8) |
           uint64_t{input[3]};
}

Output blake2f_run(BytesView input, const Deadline* deadline)
{
    if (input.size() != kBlake2fInputSize)
        return std::nullopt;
    const uint8_t final_flag = input[212];
    if (final_flag > 1)
        return std::nullopt;
    const auto rounds = static_cast<uint32_t>(blake2f_gas(input));

    uint64_t h[8], m[16], t[2];
    for (size_t i = 0; i < 8; ++i)
        h[i] = load_le64(&input[4 + 8 * i]);
    for (size_t i = 0; i < 16; ++i)
        m[i] = load_le64(&input[68 + 8 * i]);
    t[0] = load_le64(&input[196]);
    t[1] = load_le64(&input[204]);

    if (!blake2b_compress(h, m, t, final_flag == 1, rounds, deadline))
        return std::nullopt;

    Bytes out(64);
    for (size_t i = 0; i < 8; ++i)
        store_le64(&out[8 * i], h[i]);
    return out;
}

// --- 0x0a point evaluation (EIP-4844) ----------------------------------------------------

constexpr size_t kPointEvaluationInputSize = 192;

/// Success output: FIELD_ELEMENTS_PER_BLOB (4096) and BLS_MODULUS, two big-endian words.
constexpr std::array<uint8_t, 64> kPointEvaluationOutput = {
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10, 0x00,
    0x73, 0xed, 0xa7, 0x53, 0x29, 0x9d, 0x7d, 0x48, 0x33, 0x39, 0xd8, 0x08, 0x09, 0xa1, 0xd8, 0x05,
    0x53, 0xbd, 0xa4, 0x02, 0xff, 0xfe, 0x5b, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
};

uint64_t point_evaluation_gas(BytesView) noexcept
{
    return 50000;
}

Output point_evaluation_run(BytesView input, const Deadline*)
{
    if (input.size() != kPointEvaluationInputSize)
        return std::nullopt;

    // versioned_hash (32) | z (32) | y (32) | commitment (48) | proof (48).
    // The versioned hash must be VERSIONED_HASH_VERSION_KZG (0x01) ++ sha256(commitment)[1:].
    uint8_t digest[32];
    CryptoPP::SHA256 h;
    h.Update(input.data() + 96, 48);
    h.Final(digest);
    digest[0] = 0x01;
    if (!std::equal(digest, digest + 32, input.begin()))
        return std::nullopt;

    const auto ok = crypto::kzg::verify_point_evaluation(input);
    if (!ok || !*ok)
        return std::nullopt;

    return Bytes(kPointEvaluationOutput.begin(), kPointEvaluationOutput.end());
}

// --- dispatch ----------------------------------------------------------------------------

constexpr Precompile kPrecompiles[] = {
    {ecrecover_gas, ecrecover_run},                // 0x01
    {sha256_gas, sha256_run},                      // 0x02
    {ripemd160_gas, ripemd160_run},                // 0x03
    {identity_gas, identity_run},                  // 0x04
    {modexp_gas, modexp_run},                      // 0x05
    {bn254_add_gas, bn254_add_run},                // 0x06
    {bn254_mul_gas, bn254_mul_run},                // 0x07
    {bn254_pairing_gas, bn254_pairing_run},        // 0x08
    {blake2f_gas, blake2f_run},                    // 0x09
    {point_evaluation_gas, point_evaluation_run},  // 0x0a
};

constexpr size_t kCount = sizeof(kPrecompiles) / sizeof(kPrecompiles[0]);
static_assert(kCount == protocol::kNumPrecompiles && protocol::kFirstPrecompile == 1,
              "the table is indexed by address - 1 over core/protocol.hpp's precompile range");

/// Index (address - 1) of a precompile, or kCount if `addr` is not one.
size_t index_of(const Address& addr) noexcept
{
    for (size_t i = 0; i < 19; ++i)
        if (addr.bytes[i] != 0)
            return kCount;
    const uint8_t last = addr.bytes[19];
    return (last >= 1 && last <= kCount) ? last - 1u : kCount;
}

}  // namespace

bool is_precompile(const Address& addr) noexcept
{
    return index_of(addr) != kCount;
}

evm::ExecResult execute(const Address& addr, BytesView input, int64_t gas, const Deadline* deadline)
{
    evm::ExecResult res;
    const size_t index = index_of(addr);
    if (index == kCount)
    {
        res.status = evm::Status::InternalError;  // caller bug: not a precompile
        return res;
    }
    const Precompile& p = kPrecompiles[index];
    const uint64_t cost = p.gas(input);
    if (gas < 0 || cost > static_cast<uint64_t>(gas))
    {
        res.status = evm::Status::OutOfGas;
        return res;
    }
    Output out = p.run(input, deadline);
    if (!out)
    {
        // A body stopped by the deadline fails too; the deadline stays expired once it is.
        const bool interrupted = deadline != nullptr && deadline->expired();
        res.status = interrupted ? evm::Status::Interrupted : evm::Status::PrecompileFailure;
        return res;
    }
    res.status = evm::Status::Success;
    res.gas_left = gas - static_cast<int64_t>(cost);
    res.output = std::move(*out);
    return res;
}

}  // namespace tern::precompiles
