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
#include <string_view>

namespace tern::precompiles {
namespace {

/// Output of a precompile body; nullopt means failure (all gas consumed).
using Output = std::optional<Bytes>;

/// Gas cost of a precompile (saturating).
using GasFn = uint64_t (*)(BytesView input) noexcept;
/// Body of a precompile, run only after the cost is charged. Bodies that can run long (modexp,
/// pairing, blake2f) stop with nullopt once `deadline` (non-null only for RPC executions) has
/// expired; the others ignore it.
using RunFn = Output (*)(BytesView input, const Deadline* deadline);

/// An Ethereum precompile: its address, the fork that introduced it (everything up to Cancun
/// counts as Cancun), its name and, when Tern implements it, its gas cost and body. A
/// precompile of a later fork without an implementation only reserves its address.
struct Precompile
{
    uint64_t address = 0;
    evm::Fork since = evm::Fork::Cancun;
    std::string_view name;
    GasFn gas = nullptr;
    RunFn run = nullptr;
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

using evm::Fork;

/// Every Ethereum precompile, ordered by fork then address, so the addresses a fork reserves are
/// a prefix of the table. 0x01..0x11 are dense (entry i is address i + 1).
constexpr Precompile kPrecompiles[] = {
    {0x01, Fork::Cancun, "ECRECOVER", ecrecover_gas, ecrecover_run},              // Frontier
    {0x02, Fork::Cancun, "SHA256", sha256_gas, sha256_run},                       // Frontier
    {0x03, Fork::Cancun, "RIPEMD160", ripemd160_gas, ripemd160_run},              // Frontier
    {0x04, Fork::Cancun, "IDENTITY", identity_gas, identity_run},                 // Frontier
    {0x05, Fork::Cancun, "MODEXP", modexp_gas, modexp_run},                       // Byzantium
    {0x06, Fork::Cancun, "BN254_ADD", bn254_add_gas, bn254_add_run},              // Byzantium
    {0x07, Fork::Cancun, "BN254_MUL", bn254_mul_gas, bn254_mul_run},              // Byzantium
    {0x08, Fork::Cancun, "BN254_PAIRING", bn254_pairing_gas, bn254_pairing_run},  // Byzantium
    {0x09, Fork::Cancun, "BLAKE2F", blake2f_gas, blake2f_run},                    // Istanbul
    // EIP-4844 (Cancun):
    {0x0a, Fork::Cancun, "POINT_EVALUATION", point_evaluation_gas, point_evaluation_run},
    // EIP-2537 (Prague): BLS12-381, addresses reserved, not implemented yet.
    {0x0b, Fork::Prague, "BLS12_G1ADD"},
    {0x0c, Fork::Prague, "BLS12_G1MSM"},
    {0x0d, Fork::Prague, "BLS12_G2ADD"},
    {0x0e, Fork::Prague, "BLS12_G2MSM"},
    {0x0f, Fork::Prague, "BLS12_PAIRING_CHECK"},
    {0x10, Fork::Prague, "BLS12_MAP_FP_TO_G1"},
    {0x11, Fork::Prague, "BLS12_MAP_FP2_TO_G2"},
    // EIP-7951 (Osaka): secp256r1 signature check, address reserved, not implemented yet.
    {0x100, Fork::Osaka, "P256VERIFY"},
};

constexpr size_t kCount = sizeof(kPrecompiles) / sizeof(kPrecompiles[0]);

/// Last address of the dense head of the table (0x01..kDenseLast, entry = address - 1).
constexpr uint64_t kDenseLast = 0x11;

/// Number of precompiles `fork` has (the length of its prefix of the table).
constexpr size_t count_in(Fork fork) noexcept
{
    size_t n = 0;
    for (const Precompile& p : kPrecompiles)
        n += p.since <= fork ? 1 : 0;
    return n;
}

/// Checks kPrecompiles: ascending addresses, forks in order, the dense head, Cancun's implemented.
constexpr bool table_is_consistent() noexcept
{
    for (size_t i = 0; i < kCount; ++i)
    {
        const Precompile& p = kPrecompiles[i];
        if (i < kDenseLast && p.address != i + 1)
            return false;
        if (i > 0 &&
            (p.address <= kPrecompiles[i - 1].address || p.since < kPrecompiles[i - 1].since))
            return false;
        // Address fits in the two low bytes (index_of reads only those). Whether Cancun's are
        // implemented is checked at run time (ForkPrecompiles.CancunOnesAreImplemented): a
        // function pointer of another translation unit is no constant under the sanitizers.
        if (p.address == 0 || p.address > 0xffff)
            return false;
    }
    return true;
}

static_assert(table_is_consistent(), "kPrecompiles: addresses ordered by fork, dense 0x01..0x11");
static_assert(count_in(Fork::Cancun) == protocol::kNumPrecompiles &&
                  protocol::kFirstPrecompile == 1 && protocol::kLastPrecompile == 0x0a,
              "Cancun's precompiles are core/protocol.hpp's range 0x01..0x0a");
static_assert(count_in(Fork::Prague) == 17 && count_in(Fork::Osaka) == kCount);

/// The table's addresses, in table order (a fork's are a prefix).
constexpr std::array<Address, kCount> kAddresses = [] {
    std::array<Address, kCount> out{};
    for (size_t i = 0; i < kCount; ++i)
        out[i] = address_from_u64(kPrecompiles[i].address);
    return out;
}();

/// Index of `addr` in kPrecompiles (any fork), or kCount if no Ethereum precompile has it.
size_t index_of(const Address& addr) noexcept
{
    for (size_t i = 0; i < 18; ++i)
        if (addr.bytes[i] != 0)
            return kCount;
    const uint64_t v = (uint64_t{addr.bytes[18]} << 8) | addr.bytes[19];
    if (v >= 1 && v <= kDenseLast)
        return v - 1;
    for (size_t i = kDenseLast; i < kCount; ++i)
        if (kPrecompiles[i].address == v)
            return i;
    return kCount;
}

/// Index of `addr` in kPrecompiles if it is a precompile of `fork`, else kCount.
size_t index_in(Fork fork, const Address& addr) noexcept
{
    const size_t i = index_of(addr);
    return (i != kCount && kPrecompiles[i].since <= fork) ? i : kCount;
}

}  // namespace

bool is_precompile(evm::Fork fork, const Address& addr) noexcept
{
    return index_in(fork, addr) != kCount;
}

bool is_precompile(const Address& addr) noexcept
{
    return index_in(evm::kDefaultFork, addr) != kCount;
}

bool reserved_by_ethereum(const Address& addr) noexcept
{
    return index_in(evm::kLatestFork, addr) != kCount;
}

std::span<const Address> precompile_addresses(evm::Fork fork) noexcept
{
    return std::span<const Address>(kAddresses).first(count_in(fork));
}

std::string_view precompile_name(const Address& addr) noexcept
{
    const size_t i = index_of(addr);
    return i == kCount ? std::string_view{} : kPrecompiles[i].name;
}

evm::ExecResult execute(const Address& addr, BytesView input, int64_t gas, const Deadline* deadline)
{
    evm::ExecResult res;
    // Tern executes Cancun: a precompile of a later fork is not one yet (and has no body).
    const size_t index = index_in(evm::kDefaultFork, addr);
    if (index == kCount || kPrecompiles[index].gas == nullptr)
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
