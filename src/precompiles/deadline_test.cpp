// RPC execution deadlines in the long precompiles: modexp, the bn254 pairing and blake2f stop
// with Status::Interrupted soon after the deadline (gas alone bounds them only when the gas is
// bounded: `--rpc-gas-cap 0` lets a call bring any amount), and give the same results when the
// deadline is far away.

#include "precompiles/modexp.hpp"
#include "precompiles/precompiles.hpp"

#include "core/hex.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <random>
#include <string>

using namespace tern;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kUnlimited = std::numeric_limits<int64_t>::max();
/// Generous slack for "stopped soon after the deadline" (never a tight timing assertion).
constexpr auto kSlack = 3s;

/// A 32-byte big-endian length word.
Bytes length_word(uint64_t v)
{
    Bytes w(32, 0);
    for (int i = 0; i < 8; ++i)
        w[31 - i] = static_cast<uint8_t>(v >> (8 * i));
    return w;
}

/// MODEXP input: lengths, then base, exponent, modulus.
Bytes modexp_input(const Bytes& base, const Bytes& exp, const Bytes& mod)
{
    Bytes in;
    for (const Bytes* part : {&base, &exp, &mod})
    {
        const Bytes w = length_word(part->size());
        in.insert(in.end(), w.begin(), w.end());
    }
    for (const Bytes* part : {&base, &exp, &mod})
        in.insert(in.end(), part->begin(), part->end());
    return in;
}

/// Runs precompile `addr` on `input` with unlimited gas and `deadline`; returns the status and
/// how long it took.
std::pair<evm::Status, Clock::duration> timed(uint64_t addr,
                                              const Bytes& input,
                                              const Deadline& deadline)
{
    const auto start = Clock::now();
    const auto r = precompiles::execute(address_from_u64(addr), input, kUnlimited, &deadline);
    return {r.status, Clock::now() - start};
}

TEST(PrecompileDeadline, ModexpWithAHugeExponentStops)
{
    // 1 MiB exponent of 0xff bytes, 1024-bit modulus: ~8.4M modular squarings, seconds of work.
    const Bytes in = modexp_input(Bytes(128, 0x03), Bytes(1 << 20, 0xff), Bytes(128, 0xfd));
    const Deadline deadline = Deadline::after(200ms);
    const auto [status, took] = timed(5, in, deadline);
    EXPECT_EQ(status, evm::Status::Interrupted);
    EXPECT_LT(took, 200ms + kSlack);
}

TEST(PrecompileDeadline, SlicedModexpGivesTheSameResults)
{
    std::mt19937_64 rng{42};
    const auto random_bytes = [&](size_t n) {
        Bytes b(n);
        for (auto& x : b)
            x = static_cast<uint8_t>(rng());
        return b;
    };
    const Deadline far = Deadline::after(1h);
    // Exponents long enough to be cut into several slices for each modulus size (and one
    // that is not), odd and even moduli, a modulus of 1, a zero base.
    const std::pair<size_t, size_t> sizes[] = {{1, 100'000},  {8, 100'000}, {32, 100'000},
                                               {200, 12'000}, {200, 3'000}, {512, 2'000}};
    for (const auto& [mod_len, exp_len] : sizes)
    {
        Bytes mod = random_bytes(mod_len);
        for (const uint8_t low : {uint8_t{0x01}, uint8_t{0x02}})
        {
            mod.back() = static_cast<uint8_t>((mod.back() & 0xfc) | low);
            const Bytes in = modexp_input(random_bytes(mod_len), random_bytes(exp_len), mod);
            const auto sliced = precompiles::modexp_execute(in, far);
            ASSERT_TRUE(sliced);
            EXPECT_EQ(*sliced, precompiles::modexp_execute(in)) << mod_len << " " << exp_len;
        }
    }
    const Bytes one = modexp_input(Bytes{7}, random_bytes(100'000), Bytes{1});
    EXPECT_EQ(*precompiles::modexp_execute(one, far), Bytes{0});
    const Bytes zero = modexp_input(Bytes{0}, random_bytes(100'000), Bytes{0x0d});
    EXPECT_EQ(*precompiles::modexp_execute(zero, far), precompiles::modexp_execute(zero));
}

TEST(PrecompileDeadline, Blake2fWithHugeRoundsStops)
{
    // 2^32 - 1 rounds: tens of seconds of work.
    Bytes in(213, 0);
    in[0] = in[1] = in[2] = in[3] = 0xff;
    const Deadline deadline = Deadline::after(200ms);
    const auto [status, took] = timed(9, in, deadline);
    EXPECT_EQ(status, evm::Status::Interrupted);
    EXPECT_LT(took, 200ms + kSlack);
    // With time to spare, a short compression is unchanged (the EIP-152 vectors are in
    // blake2f_test.cpp): 12 rounds give the same output with and without a deadline.
    in[0] = in[1] = in[2] = 0;
    in[3] = 12;
    const Deadline far = Deadline::after(1h);
    const auto with = precompiles::execute(address_from_u64(9), in, kUnlimited, &far);
    const auto without = precompiles::execute(address_from_u64(9), in, kUnlimited);
    EXPECT_EQ(with.status, evm::Status::Success);
    EXPECT_EQ(with.output, without.output);
}

TEST(PrecompileDeadline, PairingOfManyPairsStops)
{
    // 4000 pairs (G1, G2 generators): subgroup checks and Miller loops of several seconds.
    const Bytes pair = *from_hex(
        "0000000000000000000000000000000000000000000000000000000000000001"
        "0000000000000000000000000000000000000000000000000000000000000002"
        "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2"
        "1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed"
        "090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b"
        "12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa");
    Bytes in;
    for (int i = 0; i < 4000; ++i)
        in.insert(in.end(), pair.begin(), pair.end());
    const Deadline deadline = Deadline::after(200ms);
    const auto [status, took] = timed(8, in, deadline);
    EXPECT_EQ(status, evm::Status::Interrupted);
    EXPECT_LT(took, 200ms + kSlack);
    // Two pairs, with time to spare: the same answer as without a deadline (e(G1, G2)^2 != 1).
    const Bytes two(in.begin(), in.begin() + 2 * 192);
    const Deadline far = Deadline::after(1h);
    const auto with = precompiles::execute(address_from_u64(8), two, kUnlimited, &far);
    const auto without = precompiles::execute(address_from_u64(8), two, kUnlimited);
    EXPECT_EQ(with.status, evm::Status::Success);
    EXPECT_EQ(with.output, without.output);
}

TEST(PrecompileDeadline, NoDeadlineNoInterruption)
{
    // Without a deadline (block execution) a precompile never ends Interrupted: a bad input is
    // still a plain failure.
    const auto r = precompiles::execute(address_from_u64(8), Bytes(191, 0), kUnlimited);
    EXPECT_EQ(r.status, evm::Status::PrecompileFailure);
}

}  // namespace
